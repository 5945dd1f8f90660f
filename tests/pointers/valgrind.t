#!/bin/sh
# R4 under valgrind: the stable-pointer workload, scaled down, with
# libenvsafe preloaded.  Any error valgrind reports (an invalid read of a
# saved pointer or an old environ, a use of freed memory in the library)
# fails the test.
set -u
: "${ES_BUILD_DIR:?ES_BUILD_DIR must be set (run through make check)}"
bin=$ES_BUILD_DIR/tests/core/pointers/stable_pointers_valgrind
lib=$ES_BUILD_DIR/libenvsafe.so
[ -x "$bin" ] || { echo "Bail out! $bin is missing"; exit 255; }
command -v valgrind > /dev/null || { echo "Bail out! valgrind is not installed"; exit 255; }
command -v objcopy > /dev/null || { echo "Bail out! objcopy (binutils) is not installed"; exit 255; }

tmp=$(mktemp -d) || exit 255
trap 'rm -rf "$tmp"' EXIT
# valgrind 3.19 cannot read clang 14's DWARF 5 and gives up on the whole
# run, so it gets a copy of the library without debug info (the symbol
# table stays, so reports still name functions).
objcopy --strip-debug "$lib" "$tmp/libenvsafe.so" || { echo "Bail out! objcopy failed"; exit 255; }
LD_PRELOAD=$tmp/libenvsafe.so timeout $((300 * ${ES_TEST_TIME_SCALE:-1})) valgrind -q --error-exitcode=99 --log-file="$tmp/valgrind" "$bin" > "$tmp/out"
rc=$?
sed 's/^/# /' "$tmp/out"
sed 's/^/# valgrind: /' "$tmp/valgrind" | head -40

n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; echo "not ok $n - $2" >&2; failed=1; fi; }
# With -q, valgrind's log holds only errors ("==PID== ...") and warnings
# about debug info it cannot read ("--PID--", "###").
ok $([ $rc -ne 99 ] && ! grep -q '^==[0-9]*==' "$tmp/valgrind"; echo $?) "preloaded under valgrind: no memory errors"
ok $rc "preloaded under valgrind: the stable-pointer checks pass (exit $rc)"
ok $(grep -q '^ok 1 - preloaded' "$tmp/out" && ! grep -q '^not ok' "$tmp/out"; echo $?) \
	"preloaded under valgrind: libenvsafe was loaded and every check printed ok"
echo "1..$n"
exit $failed
