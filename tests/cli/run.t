#!/bin/sh
# envsafe run: exit statuses, usage errors, LD_PRELOAD handling, strict mode.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

# The tool preloads the real file (the soname), not the dev symlink.
LIB=$(readlink -f "$ES_BUILD_DIR/libenvsafe.so")
[ -f "$LIB" ] || bail "$LIB is missing"
unset LD_PRELOAD ENVSAFE_STRICT

capture "$ENVSAFE" run -- sh -c 'exit 7'
is "exit status of the command is propagated (got $rc)" '[ $rc -eq 7 ]'

capture "$ENVSAFE" run -- true
is "a command found through PATH runs (got $rc)" '[ $rc -eq 0 ]'

capture "$ENVSAFE" run -- printf '%s|' "a b" '' 'c*'
is "arguments reach the command unchanged (got '$out')" '[ "$out" = "a b||c*|" ] && [ $rc -eq 0 ]'

capture "$ENVSAFE" run -- "$TMP/no-such-command"
is "a missing command exits 127 (got $rc)" '[ $rc -eq 127 ]'
is "a missing command gets one line on stderr (got $err_lines)" '[ "$err_lines" -eq 1 ]'

printf 'not a program\n' >"$TMP/plain"
chmod 644 "$TMP/plain"
capture "$ENVSAFE" run -- "$TMP/plain"
is "a file that cannot be executed exits 126 (got $rc)" '[ $rc -eq 126 ]'

capture "$ENVSAFE" run
is "no command: exit 2 with one line on stderr (got $rc, $err_lines lines)" \
	'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ] && [ -z "$out" ]'
capture "$ENVSAFE" run --no-such-option -- true
is "unknown option: exit 2 with one line on stderr (got $rc, $err_lines lines)" \
	'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ]'
capture "$ENVSAFE" run --strict=sometimes -- true
is "bad --strict mode: exit 2 with one line (got $rc, $err_lines lines)" \
	'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ]'
capture "$ENVSAFE" run --trace
is "--trace without a file: exit 2 with one line (got $rc, $err_lines lines)" \
	'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ]'

# Where /etc/ld.so.preload already loads the library, run leaves
# LD_PRELOAD alone (tests/cli/preload.t checks that); capture_fresh runs
# the LD_PRELOAD checks with an empty /etc/ld.so.preload there (as root).
if sh -c 'grep -q "/libenvsafe\.so" /proc/$$/maps'; then
	[ "$(id -u)" -eq 0 ] || bail "libenvsafe is preloaded system-wide: the LD_PRELOAD checks need root"
	# shellcheck disable=SC2016 # expanded by the inner shell
	capture_fresh() { capture unshare -m sh -c 'mount --bind /dev/null /etc/ld.so.preload && exec "$@"' sh "$@"; }
else
	capture_fresh() { capture "$@"; }
fi
# Any other preloaded library stays, after ours.
OTHER=$(cd "$FIXTURES" && pwd -P)/libscanclean.so
capture_fresh env LD_PRELOAD="$OTHER" "$ENVSAFE" run -- sh -c 'printf %s "$LD_PRELOAD"'
is "LD_PRELOAD gets the absolute library path first and keeps the rest (got '$out')" \
	'[ "$out" = "$LIB:$OTHER" ] && [ $rc -eq 0 ]'

capture_fresh "$ENVSAFE" run -- sh -c 'printf %s "$LD_PRELOAD"'
is "with no previous LD_PRELOAD it is just the library (got '$out')" '[ "$out" = "$LIB" ]'

capture_fresh "$ENVSAFE" run -- "$ENVSAFE" run -- sh -c 'printf %s "$LD_PRELOAD"'
is "running run under run does not preload twice (got '$out')" '[ "$out" = "$LIB" ]'

# The command itself, its child and its grandchild all have the library
# mapped: the preload is inherited through the environment.
capture "$ENVSAFE" run -- sh -c 'grep -c "/libenvsafe.so" /proc/$$/maps'
is "the command has libenvsafe.so mapped" '[ $rc -eq 0 ] && [ "${out:-0}" -gt 0 ]'
capture "$ENVSAFE" run -- sh -c 'sh -c "sh -c '\''grep -c /libenvsafe.so /proc/\$\$/maps'\''"'
is "a grandchild of the command has libenvsafe.so mapped" '[ $rc -eq 0 ] && [ "${out:-0}" -gt 0 ]'
capture "$STOCK_RUN" sh -c 'grep -c "/libenvsafe.so" /proc/$$/maps'
is "without run, libenvsafe.so is not mapped (control, on stock libc: $err)" '[ $rc -eq 1 ]'

# Variables set in one protected generation reach the next.
capture "$ENVSAFE" run -- sh -c 'X=1 sh -c "export Y=2; sh -c \"echo \\\$X\\\$Y\""'
is "variables pass through protected generations (got '$out')" '[ "$out" = "12" ]'

capture "$ENVSAFE" run --strict=abort -- sh -c 'printf %s "$ENVSAFE_STRICT"'
is "--strict=abort sets ENVSAFE_STRICT=abort (got '$out')" '[ "$out" = "abort" ] && [ $rc -eq 0 ]'
capture "$ENVSAFE" run --strict=warn -- sh -c 'printf %s "$ENVSAFE_STRICT"'
is "--strict=warn sets ENVSAFE_STRICT=warn (got '$out')" '[ "$out" = "warn" ]'
capture "$ENVSAFE" run --strict -- sh -c 'printf %s "$ENVSAFE_STRICT"'
is "--strict alone means warn (got '$out')" '[ "$out" = "warn" ]'
capture "$ENVSAFE" run --strict abort -- sh -c 'printf %s "$ENVSAFE_STRICT"'
is "--strict abort (two words) means abort, not a command (got '$out', $rc)" '[ "$out" = "abort" ] && [ $rc -eq 0 ]'
capture "$ENVSAFE" run -- sh -c 'printf %s "${ENVSAFE_STRICT-unset}"'
is "without --strict, ENVSAFE_STRICT is not set (got '$out')" '[ "$out" = "unset" ]'

# --trace hands over to envsafe trace: the command's status still comes
# back, the log is created 0600 and records the fixture's setenv, and
# --strict still reaches the command.
capture "$ENVSAFE" run --strict=warn --trace="$TMP/trace.log" -- \
	sh -c 'printf %s "$ENVSAFE_STRICT"; "$1" >/dev/null; exit 5' sh "$FIXTURES/scan-main"
is "--trace keeps the command's exit status (got $rc)" '[ $rc -eq 5 ]'
is "--trace with --strict still sets ENVSAFE_STRICT (got '$out')" '[ "$out" = "warn" ]'
is "--trace creates the log with mode 0600" '[ "$(stat -c %a "$TMP/trace.log" 2>/dev/null)" = 600 ]'
is "--trace follows children: a setenv in a child of the command is logged" \
	'grep -q "setenv ENVSAFE_SCAN_FIXTURE" "$TMP/trace.log"'

capture "$ENVSAFE" run --help
is "run --help exits 0 with usage" '[ $rc -eq 0 ] && contains "$out" "Usage: envsafe run"'

done_testing
