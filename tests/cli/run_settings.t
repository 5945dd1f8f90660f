#!/bin/sh
# envsafe run reports the ENVSAFE_* settings the library would ignore,
# one line each, by the library's rules, and still runs the command.
# (Only run's own lines are counted: whether the library in the command
# stays silent is the library's test, tests/strict/.)
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"
run_lines() { printf '%s\n' "$err" | grep -c "^envsafe: run: "; }
unset LD_PRELOAD ENVSAFE_STRICT ENVSAFE_TRACE_FD ENVSAFE_TRACE_PID ENVSAFE_TRACE_VALUES

capture env ENVSAFE_STRICT=bogus "$ENVSAFE" run -- sh -c 'exit 4'
is "ENVSAFE_STRICT=bogus: one line naming it, and the command still runs (rc $rc: $err)" \
	'[ $rc -eq 4 ] && [ "$(run_lines)" -eq 1 ] && contains "$err" "ENVSAFE_STRICT=bogus will be ignored: expected warn, abort or off"'
capture env ENVSAFE_STRICT=abort ENVSAFE_TRACE_VALUES=0 "$ENVSAFE" run -- true
is "valid settings: run reports nothing" '[ $rc -eq 0 ] && [ "$(run_lines)" -eq 0 ]'
capture env ENVSAFE_STRICT= "$ENVSAFE" run -- true
is "an empty ENVSAFE_STRICT is accepted silently, as by the library" '[ "$(run_lines)" -eq 0 ]'
capture env ENVSAFE_TRACE_VALUES=yes ENVSAFE_TRACE_PID=-3 ENVSAFE_TRCE=1 "$ENVSAFE" run -- true
is "three bad settings, three lines (got $(run_lines))" \
	'[ "$(run_lines)" -eq 3 ] && contains "$err" "ENVSAFE_TRACE_VALUES=yes" && contains "$err" "ENVSAFE_TRACE_PID=-3" &&
	 contains "$err" "ENVSAFE_TRCE=1 will be ignored: not a setting"'
capture env ENVSAFE_TRACE_FD=7 "$ENVSAFE" run -- true 7</dev/null
is "a trace descriptor that is not a pipe is reported" 'contains "$err" "ENVSAFE_TRACE_FD=7 will be ignored: not a pipe"'
capture env ENVSAFE_TRACE_FD=7 "$ENVSAFE" run -- true 7<&-
is "a trace descriptor that is not open is reported" 'contains "$err" "ENVSAFE_TRACE_FD=7 will be ignored: not an open file descriptor"'
mkfifo "$TMP/fifo"
capture sh -c 'exec 7<>"$1"; ENVSAFE_TRACE_FD=7 exec "$2" run -- true' sh "$TMP/fifo" "$ENVSAFE"
is "a pipe descriptor is accepted" '[ $rc -eq 0 ] && [ "$(run_lines)" -eq 0 ]'
capture env ENVSAFE_TRACE_FD=7 ENVSAFE_TRACE_PID=1 "$ENVSAFE" run -- true 7<&-
is "the descriptor is not checked in a process that is not the one to trace" '[ "$(run_lines)" -eq 0 ]'
capture env ENVSAFE_STRICT=bogus "$ENVSAFE" run --strict=warn -- true
is "--strict replaces the variable before the check" '[ "$(run_lines)" -eq 0 ]'

done_testing
