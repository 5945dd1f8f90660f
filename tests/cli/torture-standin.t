#!/bin/sh
# envsafe torture against a stand-in workload whose crashes, hangs and
# misses are deterministic: the classification must be exact.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

STANDIN=$FIXTURES/stress-standin
[ -x "$STANDIN" ] || bail "$STANDIN is missing (run make first)"
export ENVSAFE_STRESS="$STANDIN"
unset LD_PRELOAD ENVSAFE_STRICT

# row MODE LIBC: the table row for that run.
row() {
	printf '%s\n' "$out" | awk -v m="$1" -v l="$2" '$1 == m && $2 == l'
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# The whole seconds of "hung (killed after N.N s)".
killed_after() {
	printf '%s\n' "$1" | sed -n 's/.*killed after \([0-9]*\)\..*/\1/p'
}
# A killed orphan may stay a zombie where pid 1 does not reap: dead too.
all_dead() {
	[ -s "$1" ] || return 1
	for pid in $(cat "$1"); do
		state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
		[ -z "$state" ] || [ "$state" = Z ] || return 1
	done
	return 0
}

# The slowest cases (each waits for a watchdog) run in the background
# while the others go on; their results are checked further down.
timeout -s KILL "$(scaled 60)" "$ENVSAFE" torture --seconds 0.5 --protected --mode overrun \
	>"$TMP/overrun.out" 2>&1 &
overrun_pid=$!
timeout -s KILL "$(scaled 60)" "$ENVSAFE" torture --seconds 1 --protected --mode flood \
	>"$TMP/flood.out" 2>&1 &
flood_pid=$!

# A crash on stock libc is reported with its signal; the protected run
# of the same mode survives, so the exit status is 0.
capture "$ENVSAFE" torture --seconds 1 --mode crash-stock
r_stock=$(row crash-stock stock)
r_safe=$(row crash-stock envsafe)
is "stock run reported as crashed SIGSEGV with a time (got '$r_stock')" \
	'printf "%s\n" "$r_stock" | grep -Eq "crashed SIGSEGV after [0-9]+\.[0-9]{2} s"'
is "protected run reported as survived with counts (got '$r_safe')" \
	'contains "$r_safe" "survived" && [ "$(echo "$r_safe" | awk "{print \$4}")" -gt 0 ]'
is "exit 0 when every protected run survived (got $rc)" '[ $rc -eq 0 ]'
is "the summary counts the stock crash" 'contains "$out" "crashed in 1 of 1 run"'

# A workload that stops making progress is killed and reported as hung,
# within the 3 s stall limit, together with the child it started.
: >"$TMP/pids"
start=$(now)
STANDIN_PIDFILE="$TMP/pids" capture "$ENVSAFE" torture --seconds 1 --protected --mode hang
took=$(elapsed "$start")
r=$(row hang envsafe)
is "a stalled workload is reported as hung (got '$r')" 'contains "$r" "hung"'
is "a hung protected run makes the exit status 1 (got $rc)" '[ $rc -eq 1 ]'
# The bounds below only tell a detected hang from none: they stretch with
# ES_TEST_TIME_SCALE on a machine too busy for them.
is "the hang is detected within $(scaled 10) s (took $took s)" 'awk -v t="$took" -v l="$(scaled 10)" "BEGIN { exit !(t < l) }"'
is "the hung workload and its child are killed ($(wc -l <"$TMP/pids") pids)" \
	'[ "$(wc -l <"$TMP/pids")" -eq 2 ] && all_dead "$TMP/pids"'

# Still reporting, but the counts do not move: also hung.
capture "$ENVSAFE" torture --seconds 1 --protected --mode hang-reporting
r=$(row hang-reporting envsafe)
is "unchanging progress reports count as hung (got '$r')" 'contains "$r" "hung"'

# A long silence followed by a crash is a crash, never a hang.
capture "$ENVSAFE" torture --seconds 1 --protected --mode stall-then-crash
r=$(row stall-then-crash envsafe)
is "a crash after a 2 s stall is reported as crashed SIGABRT (got '$r')" \
	'printf "%s\n" "$r" | grep -Eq "crashed SIGABRT after [2-9]\.[0-9]{2} s" && ! contains "$r" "hung"'
is "a crashed protected run makes the exit status 1 (got $rc)" '[ $rc -eq 1 ]'

# Progress that never ends is cut off after the run's time plus grace.
wait $overrun_pid
out=$(cat "$TMP/overrun.out")
r=$(row overrun envsafe)
is "a workload running far past its time is killed as hung within 0.5 + 5 s (got '$r')" \
	'contains "$r" "hung" && [ "$(killed_after "$r")" -lt "$(scaled 8)" ]'

# Endless output must not keep the watchdog from its clock.
wait $flood_pid
out=$(cat "$TMP/flood.out")
r=$(row flood envsafe)
is "a workload flooding its output is still detected as hung within 3 s of silence (got '$r')" \
	'contains "$r" "hung" && [ "$(killed_after "$r")" -lt "$(scaled 6)" ]'

capture "$ENVSAFE" torture --seconds 0.5 --mode misses
r_stock=$(row misses stock)
r_safe=$(row misses envsafe)
is "misses are reported with their count (got '$r_safe')" 'contains "$r_safe" "misses 3"'
is "protected misses make the exit status 1 (got $rc)" '[ $rc -eq 1 ]'

capture "$ENVSAFE" torture --seconds 0.5 --stock --mode crash-stock
is "--stock runs only on stock libc" '[ -n "$(row crash-stock stock)" ] && [ -z "$(row crash-stock envsafe)" ]'
is "stock crashes alone do not fail the command (got $rc)" '[ $rc -eq 0 ]'

capture "$ENVSAFE" torture --seconds 0.5 --mode ok,crash-stock --protected
is "a comma-separated mode list runs each mode" \
	'[ -n "$(row ok envsafe)" ] && [ -n "$(row crash-stock envsafe)" ] && [ $rc -eq 0 ]'

# Usage errors: one line on stderr, exit 2, nothing run.
for bad in "--seconds abc" "--seconds 0" "--threads 1.5" "--mode no-such-mode" "--frobnicate" "extra"; do
	# shellcheck disable=SC2086 # split on purpose
	capture "$ENVSAFE" torture $bad
	is "usage error '$bad': exit 2 with one line (got $rc, $err_lines lines)" \
		'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ] && [ -z "$out" ]'
done

ENVSAFE_STRESS="$TMP/missing" capture "$ENVSAFE" torture --mode ok
is "a missing workload program: exit 2 with one line (got $rc)" '[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ]'

capture "$ENVSAFE" torture --demo --seconds 0.3 --protected --mode ok
is "--demo explains the table and shows the mode's summary from --list" \
	'[ $rc -eq 0 ] && contains "$out" "envsafe demo" && contains "$out" "ok           runs its time, exit 0"'
is "--demo still prints the row for the mode" '[ -n "$(row ok envsafe)" ]'

capture "$ENVSAFE" torture --help
is "torture --help exits 0 with usage" '[ $rc -eq 0 ] && contains "$out" "Usage: envsafe torture"'

done_testing
