#!/bin/sh
# In a setgid envsafe (AT_SECURE) the caller cannot choose files or
# programs: run --trace is refused and ENVSAFE_STRESS is ignored, while a
# plain copy run by the same user honours both.  Needs root to make the
# setgid copy and to switch to nobody; CI runs as root.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

[ "$(id -u)" -eq 0 ] || bail "secure.t needs root to create a setgid program and switch users"
command -v setpriv >/dev/null || bail "setpriv not found (Debian package util-linux)"
[ -x "$FIXTURES/stress-standin" ] || bail "$FIXTURES/stress-standin is missing"

chmod 755 "$TMP"
# shellcheck disable=SC2086 # $AS_NOBODY is split on purpose below
mkdir "$TMP/logs" && chmod 777 "$TMP/logs"
for kind in plain setgid; do
	cp "$ENVSAFE" "$TMP/$kind"
	chown 0:0 "$TMP/$kind"
done
chmod 755 "$TMP/plain"
chmod 2755 "$TMP/setgid"
# The plain copy finds the library beside itself, as in the build tree.
cp "$ES_BUILD_DIR/libenvsafe.so" "$TMP/libenvsafe.so"
# nobody cannot reach a build tree inside a private (0700) directory, such
# as a clone made under mktemp -d: the workload it runs is copied too.
cp "$FIXTURES/stress-standin" "$TMP/stress-standin" && chmod 755 "$TMP/stress-standin"
# A command prefix, not a function: capture runs it under timeout(1).
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --"
# shellcheck disable=SC2086
$AS_NOBODY test -x "$TMP/plain" -a -x "$TMP/stress-standin" -a -w "$TMP/logs" ||
	bail "nobody cannot reach the copies in $TMP: ${TMPDIR:-/tmp} must be reachable by every user (set TMPDIR)"

capture $AS_NOBODY "$TMP/plain" run --trace="$TMP/logs/plain.log" -- true
is "control: a plain copy run by nobody writes the trace file (got $rc)" \
	'[ $rc -eq 0 ] && [ -f "$TMP/logs/plain.log" ]'
capture $AS_NOBODY "$TMP/setgid" run --trace="$TMP/logs/setgid.log" -- true
is "setgid: run --trace is refused with one line, exit 2 (got $rc, $err_lines lines)" \
	'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ] && contains "$err" "setuid/setgid"'
is "setgid: no trace file is created" '[ ! -e "$TMP/logs/setgid.log" ]'

ENVSAFE_STRESS="$TMP/stress-standin" capture $AS_NOBODY "$TMP/plain" torture --stock --seconds 0.3 --mode ok
is "control: a plain copy runs the ENVSAFE_STRESS workload (got $rc)" \
	'[ $rc -eq 0 ] && printf "%s\n" "$out" | grep -q "^ok  *stock  *survived"'
[ $tap_last_failed = 0 ] || diag "stdout: $out" "stderr: $err"
ENVSAFE_STRESS="$TMP/stress-standin" capture $AS_NOBODY "$TMP/setgid" torture --stock --seconds 0.3 --mode ok
is "setgid: ENVSAFE_STRESS is ignored, the stand-in never runs (got $rc)" \
	'[ $rc -eq 2 ] && ! printf "%s\n" "$out" | grep -q "^ok  *stock"'

done_testing
