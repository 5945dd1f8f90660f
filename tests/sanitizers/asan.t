#!/bin/sh
# check-asan: the concurrency programs built with AddressSanitizer and
# UndefinedBehaviorSanitizer, library included, must run without a report.
# (The rest of the suite is run by `make check-asan` directly.)
set -u
. "$ES_SRC_DIR/tests/sanitizers/tap.sh"

race=$ES_BUILD_DIR/tests/sanitizers/race
stress=$ES_BUILD_DIR/tests/sanitizers/envsafe-stress-linked
canary=$ES_BUILD_DIR/tests/sanitizers/canary
for f in "$race" "$stress" "$canary"; do need_file "$f" check-asan; done
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# Leak detection stays on; only the test programs' own deliberate leaks
# are suppressed, by name.
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$ES_SRC_DIR/tests/sanitizers/lsan.supp}"
STRESS_SECONDS=${STRESS_SECONDS:-0.5}

checked() {
	reports=$(grep -cE 'ERROR: AddressSanitizer|runtime error:' "$tap_tmp/err")
	[ "$rc" = 0 ] && [ "$reports" = 0 ] && [ "${2:-0}" = 0 ]
	ok $? "$1 (exit $rc, $reports reports)"
	[ "$rc" = 0 ] && [ "$reports" = 0 ] && [ "${2:-0}" = 0 ] || show_err 40
}

# The checker works: both kinds of bad access are reported.
run 60 "$canary" overflow
grep -q 'ERROR: AddressSanitizer: heap-buffer-overflow' "$tap_tmp/err"
ok $? "canary: a heap overflow is reported (exit $rc)"
run 60 "$canary" use-after-free
grep -q 'ERROR: AddressSanitizer: heap-use-after-free' "$tap_tmp/err"
ok $? "canary: a use after free is reported (exit $rc)"

# Bounds of the lookup itself: a name longer than an entry is compared
# only up to the entry's end.
need_file "$ES_BUILD_DIR/tests/sanitizers/overread" check-asan
run 60 "$ES_BUILD_DIR/tests/sanitizers/overread"
grep -q '^not ok' "$tap_tmp/out"
checked "overread: getenv of a long name stays inside a short entry" $((! $?))

run 120 "$race" 1.5
grep -q '^not ok' "$tap_tmp/out"
checked "race: readers, writers, walkers, snapshots, signals and fork" $((! $?))
sed -n 's/^# /# race: /p' "$tap_tmp/out"

modes=$("$stress" --list) || { echo "Bail out! $stress --list failed"; exit 255; }
for mode in $modes; do
	run 120 "$stress" --mode "$mode" --seconds "$STRESS_SECONDS"
	grep -q 'provider=libenvsafe' "$tap_tmp/err"
	checked "envsafe-stress --mode $mode on libenvsafe: $(tail -n 1 "$tap_tmp/out")" $?
done

done_testing
