#!/bin/sh
# envsafe ps: the table and JSON Lines agree with doctor on the same
# processes; --at-risk filters; processes that exit or cannot be read
# during the scan are reported, never fatal; exit statuses.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"
. "${ES_SRC_DIR:-.}/tests/cli/deploy_helpers.sh"

start_three_services 3

for pid in $risky $protected $single; do
	"$ENVSAFE" doctor --json --pid "$pid" >"$TMP/doctor.$pid"
done

capture "$ENVSAFE" ps --json
is "ps --json exits 1 when a process is at risk (got $rc)" '[ $rc -eq 1 ]'
cp "$TMP/out" "$TMP/ps.jsonl"
# Every line parses; each object has the documented fields; for our three
# services ps and doctor agree.
check_json() {
	python3 - "$TMP/ps.jsonl" "$@" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
rows = [json.loads(l) for l in lines]
for r in rows:
    for f in ("pid", "comm", "threads", "protected", "at_risk", "reason"):
        assert f in r, (f, r)
    assert isinstance(r["protected"], bool) and isinstance(r["at_risk"], bool)
by_pid = {r["pid"]: r for r in rows}
for path in sys.argv[2:]:
    d = json.load(open(path))
    p = by_pid[d["pid"]]
    for f in ("protected", "at_risk", "threads", "verdict", "reason", "comm"):
        assert p[f] == d[f], (f, p[f], d[f])
PY
}
check "every ps --json line has pid, comm, threads, protected, at_risk, reason; ps agrees with doctor" \
	check_json "$TMP/doctor.$risky" "$TMP/doctor.$protected" "$TMP/doctor.$single"
is "the plain service is at risk, the one under run protected" \
	'grep -q "^{\"pid\": $risky, .*\"at_risk\": true" "$TMP/ps.jsonl" &&
	 grep -q "^{\"pid\": $protected, .*\"protected\": true, \"at_risk\": false" "$TMP/ps.jsonl"'
is "ps lists itself" 'grep -q "\"comm\": \"envsafe\"" "$TMP/ps.jsonl"'

capture "$ENVSAFE" ps
is "the text table has the documented columns" \
	'printf "%s\n" "$out" | head -n 1 | grep -q "^ *PID COMMAND *THREADS PROTECTED AT RISK REASON$"'
is "the text row of the risky service" \
	'printf "%s\n" "$out" | grep -q "^ *$risky deploy-service *3 no *yes *3 threads; "'
is "the text row of the protected service" \
	'printf "%s\n" "$out" | grep -q "^ *$protected deploy-service *3 yes *no *libenvsafe is mapped"'
is "the summary line states the cost per process" \
	'printf "%s\n" "$out" | tail -n 1 | grep -q "processes: .* ms per process)$"'

capture "$ENVSAFE" ps --at-risk --json
is "--at-risk lists only processes at risk, the plain service among them" \
	'[ $rc -eq 1 ] && grep -q "\"pid\": $risky," "$TMP/out" && ! grep -q "\"at_risk\": false" "$TMP/out"'

stop_service 1
stop_service 2
stop_service 3
wait

# Processes come and go while ps runs: a churn of short-lived processes
# must never make it fail.  The churn stops when the stop file appears.
sh -c 'while [ ! -e "$1" ]; do /bin/true; done' sh "$TMP/stop" &
churn=$!
capture "$ENVSAFE" ps --json
: >"$TMP/stop"
wait "$churn"
is "ps survives processes exiting under it (rc $rc, stderr '$err')" \
	'[ $rc -le 1 ] && [ -z "$err" ] && python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$TMP/out"'

if [ "$(id -u)" -eq 0 ]; then
	mkdir "$TMP/bin" && chmod 755 "$TMP" "$TMP/bin"
	cp "$ENVSAFE" "$TMP/bin/envsafe" && chmod 755 "$TMP/bin/envsafe"
	capture setpriv --reuid=65534 --regid=65534 --clear-groups -- "$TMP/bin/envsafe" ps --json
	is "as another user, root's processes are listed as permission denied, not fatal (rc $rc)" \
		'[ $rc -le 1 ] && grep -q "^{\"pid\": $$, .*\"error\": \"permission denied\"" "$TMP/out"'
else
	ok 1 "the unreadable-process test needs root to switch to another user"
fi

if [ "$(id -u)" -eq 0 ]; then
	# shellcheck disable=SC2016 # expanded by the inner shell
	capture unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none /proc && exec "$1" ps' sh "$ENVSAFE"
	is "/proc without processes: exit 3 with one line saying so (got $rc: $err)" \
		'[ $rc -eq 3 ] && [ "$err_lines" -eq 1 ] && contains "$err" "cannot read /proc"'
	# shellcheck disable=SC2016 # expanded by the inner shell
	capture unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none /proc && exec "$1" doctor --pid 1' sh "$ENVSAFE"
	is "doctor --pid with no /proc: exit 3 (got $rc: $err)" '[ $rc -eq 3 ] && contains "$err" "cannot read /proc"'
else
	ok 1 "the unreadable-/proc test needs root for a private mount namespace"
fi

# A process chooses its own name (prctl PR_SET_NAME): doctor and ps must
# print it escaped, never as a terminal control or a forged line.
mkfifo "$TMP/named.ready" "$TMP/named.hold"
python3 -c '
import ctypes, sys
ctypes.CDLL(None).prctl(15, b"\x1b]0;pwn\x07\nevil", 0, 0, 0)
print("ready", flush=True)
sys.stdin.read()' <"$TMP/named.hold" >"$TMP/named.ready" &
named=$!
exec 8>"$TMP/named.hold"
read -r _ <"$TMP/named.ready"
esc=$(printf '\033')
for cmd in "doctor --pid $named" "ps"; do
	# shellcheck disable=SC2086 # split on purpose
	capture "$ENVSAFE" $cmd
	is "$cmd: a hostile process name is printed escaped (no raw ESC, no line starting 'evil')" \
		'! LC_ALL=C grep -q "$esc" "$TMP/out" && ! grep -q "^evil" "$TMP/out" &&
		 grep -qF "\\x1b]0;pwn\\x07\\x0aevil" "$TMP/out"'
done
exec 8>&-
wait "$named"

for args in "--bogus" "extra" "--json --nope"; do
	# shellcheck disable=SC2086 # split on purpose
	capture "$ENVSAFE" ps $args
	is "ps $args: exit 2 with one line on stderr (got $rc, $err_lines lines)" \
		'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ] && [ -z "$out" ]'
done

done_testing
