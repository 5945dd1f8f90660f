#!/bin/sh
# R7: the script of environment operations prints the same results on
# stock glibc and with libenvsafe preloaded.
set -u
: "${ES_BUILD_DIR:?ES_BUILD_DIR must be set (run through make check)}"
bin=$ES_BUILD_DIR/tests/core/semantics/script
lib=$ES_BUILD_DIR/libenvsafe.so
[ -x "$bin" ] || { echo "Bail out! $bin is missing"; exit 255; }
[ -r "$lib" ] || { echo "Bail out! $lib is missing"; exit 255; }

tmp=$(mktemp -d) || exit 255
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2" | tee /dev/stderr; failed=1; fi; }

# Each run gets a watchdog (timeout, stretched by ES_TEST_TIME_SCALE) and
# the same minimal environment.  Stock runs go through tests/stock-run, so
# they stay stock where /etc/ld.so.preload loads envsafe everywhere.
watchdog=$((20 * ${ES_TEST_TIME_SCALE:-1}))
run() { timeout "$watchdog" env -i INIT1=x INIT2=y "$@"; }
stock() { timeout "$watchdog" "${ES_SRC_DIR:-$(dirname "$0")/../..}/tests/stock-run" env -i INIT1=x INIT2=y "$@"; }

stock_probe=$(stock "$bin" --probe)
ok $([ "$stock_probe" = stock ]; echo $?) "stock run does not have libenvsafe ($stock_probe)"
lib_probe=$(run LD_PRELOAD="$lib" "$bin" --probe)
ok $([ "$lib_probe" != stock ] && [ -n "$lib_probe" ]; echo $?) "LD_PRELOAD run uses libenvsafe ($lib_probe)"

stock "$bin" > "$tmp/stock" 2>&1; stock_rc=$?
ok $stock_rc "script runs to completion on stock glibc (exit $stock_rc)"
run LD_PRELOAD="$lib" "$bin" > "$tmp/envsafe" 2>&1; lib_rc=$?
ok $lib_rc "script runs to completion with libenvsafe preloaded (exit $lib_rc)"
ok $(grep -qx end "$tmp/envsafe"; echo $?) "preloaded output is complete"
ok $([ "$(wc -l < "$tmp/stock")" -gt 50 ]; echo $?) "stock output covers the whole script ($(wc -l < "$tmp/stock") lines)"

if diff -u "$tmp/stock" "$tmp/envsafe" > "$tmp/diff"; then
	ok 0 "preloaded output is identical to stock glibc"
else
	ok 1 "preloaded output is identical to stock glibc"
	sed 's/^/# /' "$tmp/diff" | tee /dev/stderr
fi
echo "1..$n"
exit $failed
