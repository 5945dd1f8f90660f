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

tmp=$(mktemp -d) || exit 255
trap 'rm -rf "$tmp"' EXIT
LD_PRELOAD=$lib timeout 300 valgrind -q --error-exitcode=99 --log-file="$tmp/valgrind" "$bin" > "$tmp/out"
rc=$?
sed 's/^/# /' "$tmp/out"
sed 's/^/# valgrind: /' "$tmp/valgrind" | head -40

n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
ok $([ $rc -ne 99 ] && [ ! -s "$tmp/valgrind" ]; echo $?) "preloaded under valgrind: no memory errors"
ok $rc "preloaded under valgrind: the stable-pointer checks pass (exit $rc)"
ok $(grep -q '^ok 1 - preloaded' "$tmp/out" && ! grep -q '^not ok' "$tmp/out"; echo $?) \
	"preloaded under valgrind: libenvsafe was loaded and every check printed ok"
echo "1..$n"
exit $failed
