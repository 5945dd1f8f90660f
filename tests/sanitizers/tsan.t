#!/bin/sh
# check-tsan: the concurrency tests built with -fsanitize=thread, library
# included, must produce no ThreadSanitizer report.  tsan.supp holds the
# only suppressions (C library internals, each justified there).
set -u
. "$ES_SRC_DIR/tests/sanitizers/tap.sh"

race=$ES_BUILD_DIR/tests/sanitizers/race
stress=$ES_BUILD_DIR/tests/sanitizers/envsafe-stress-linked
canary=$ES_BUILD_DIR/tests/sanitizers/canary
for f in "$race" "$stress" "$canary"; do need_file "$f" check-tsan; done

# halt_on_error: the first report ends the run with exitcode 66.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 report_signal_unsafe=1 second_deadlock_stack=1 suppressions=$ES_SRC_DIR/tests/sanitizers/tsan.supp"
STRESS_SECONDS=${STRESS_SECONDS:-0.5}

# checked WHAT [EXTRA]: judge the last run: exit 0, not one TSan report,
# and EXTRA (a status, default 0) zero.
checked() {
	reports=$(grep -c 'ThreadSanitizer' "$tap_tmp/err")
	[ "$rc" = 0 ] && [ "$reports" = 0 ] && [ "${2:-0}" = 0 ]
	ok $? "$1 (exit $rc, $reports TSan report lines)"
	[ "$rc" = 0 ] && [ "$reports" = 0 ] && [ "${2:-0}" = 0 ] || show_err 60
}

# The checker works: a plain data race is reported.
run 60 "$canary" race
grep -q 'WARNING: ThreadSanitizer: data race' "$tap_tmp/err"
ok $? "canary: TSan reports a deliberate data race (exit $rc)"

run 120 "$race" 1.5
checked "race: readers, writers, walkers, snapshots, signals and fork under TSan"
sed -n 's/^# /# race: /p' "$tap_tmp/out"
grep -q '^not ok' "$tap_tmp/out"
ok $((! $?)) "race: every TAP check passed"

modes=$("$stress" --list) || { echo "Bail out! $stress --list failed"; exit 255; }
for mode in $modes; do
	run 120 "$stress" --mode "$mode" --seconds "$STRESS_SECONDS"
	grep -q 'provider=libenvsafe' "$tap_tmp/err"
	checked "envsafe-stress --mode $mode on libenvsafe: $(tail -n 1 "$tap_tmp/out")" $?
done

# The core suite's concurrent tests: signal handlers interrupting
# writers, snapshots against a writer, fork under writer churn.
for t in core/signal/signal_getenv core/api/snapshot fork/fork_churn_linked; do
	need_file "$ES_BUILD_DIR/tests/$t" check-tsan
	run 120 "$ES_BUILD_DIR/tests/$t"
	grep -q '^not ok' "$tap_tmp/out"
	checked "$t" $((! $?))
	[ "$rc" = 0 ] || grep '^not ok\|^Bail' "$tap_tmp/out" | head -n 5 | sed 's/^/#   /'
done

# The first lookups before any write: the reader-built index raced by
# signal handlers and threads, and fork during its build.  A child forked
# from a threaded process inherits TSan's record of threads it does not
# have, which TSan would report as leaked at the child's exit: only that
# report is off.
t=core/index/inherited
need_file "$ES_BUILD_DIR/tests/$t" check-tsan
saved_tsan_options=$TSAN_OPTIONS
export TSAN_OPTIONS="$TSAN_OPTIONS report_thread_leaks=0"
run 300 "$ES_BUILD_DIR/tests/$t"
export TSAN_OPTIONS="$saved_tsan_options"
grep -q '^not ok' "$tap_tmp/out"
checked "$t" $((! $?))
[ "$rc" = 0 ] || grep '^not ok\|^Bail' "$tap_tmp/out" | head -n 5 | sed 's/^/#   /'

done_testing
