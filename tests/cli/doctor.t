#!/bin/sh
# envsafe doctor: the C library report, and the verdict and exit status on
# a multithreaded service that writes its environment, plain (at risk) and
# under envsafe run (protected), on a single-threaded one (not at risk), on
# a process that is gone or not ours (3), and usage errors (2).
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"
. "${ES_SRC_DIR:-.}/tests/cli/deploy_helpers.sh"

# ---- without --pid -----------------------------------------------------
capture "$ENVSAFE" doctor
is "doctor exits 0 (got $rc)" '[ $rc -eq 0 ]'
libc_version=$(getconf GNU_LIBC_VERSION 2>/dev/null)
is "doctor names the C library and version ('$libc_version')" \
	'printf "%s\n" "$out" | grep -q "^C library: *${libc_version}\$"'
minor=${libc_version#glibc 2.}
if [ "${minor:-99}" -lt 41 ]; then expect_affected=true; else expect_affected=false; fi
is "the getenv verdict matches the version (affected: $expect_affected)" \
	'if $expect_affected; then contains "$out" "getenv:      affected"; else contains "$out" "getenv is safe"; fi'
LIB=$(readlink -f "$ES_BUILD_DIR/libenvsafe.so")	# the file the tool resolves (the soname)
is "the build's libenvsafe is found beside envsafe" 'contains "$out" "libenvsafe:  $LIB (x86_64)" || contains "$out" "$LIB ("'
is "the preload line is reported" 'printf "%s\n" "$out" | grep -q "^preload: *"'

capture env ENVSAFE_STRICT=bogus ENVSAFE_TRACE_VALUES=2 ENVSAFE_TRACE_FD=x ENVSAFE_STRCT=warn "$ENVSAFE" doctor
is "invalid settings are reported, each by name (got: $out)" \
	'contains "$out" "ENVSAFE_STRICT=bogus is ignored: expected warn, abort or off" &&
	 contains "$out" "ENVSAFE_TRACE_VALUES=2 is ignored" && contains "$out" "ENVSAFE_TRACE_FD=x is ignored" &&
	 contains "$out" "ENVSAFE_STRCT=warn is ignored: not a setting"'
capture env ENVSAFE_STRICT=abort ENVSAFE_TRACE_VALUES=1 "$ENVSAFE" doctor
is "valid settings are not reported" 'contains "$out" "no invalid ENVSAFE_* setting"'
capture env ENVSAFE_TRACE_FD=0 "$ENVSAFE" doctor </dev/null
is "a trace descriptor that is not a pipe is reported" 'contains "$out" "ENVSAFE_TRACE_FD=0 is ignored: not a pipe"'

capture env ENVSAFE_STRICT=bogus "$ENVSAFE" doctor --json
is "doctor --json prints one valid object (rc $rc)" \
	'[ $rc -eq 0 ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"libc\"][\"name\"] == \"glibc\"; assert d[\"getenv_affected\"] is $( [ $expect_affected = true ] && echo True || echo False ); assert [s[\"name\"] for s in d[\"invalid_settings\"]] == [\"ENVSAFE_STRICT\"]; assert isinstance(d[\"preload\"][\"enabled\"], bool)" "$TMP/out"'

# ---- --pid: three services ------------------------------------------------
start_three_services 4

capture "$ENVSAFE" doctor --pid "$risky"
is "plain multithreaded writer: exit 1 (got $rc)" '[ $rc -eq 1 ]'
is "plain multithreaded writer: 'verdict: at risk' naming the writer" \
	'printf "%s\n" "$out" | grep -q "^verdict: at risk: 4 threads; .*deploy-service imports setenv"'
is "plain: threads and libenvsafe lines" \
	'printf "%s\n" "$out" | grep -q "^threads: *4$" && printf "%s\n" "$out" | grep -q "^libenvsafe: *not mapped$"'
is "exactly one verdict line" '[ "$(printf "%s\n" "$out" | grep -c "^verdict: ")" -eq 1 ]'

capture "$ENVSAFE" doctor --pid "$protected"
is "under envsafe run: exit 0 (got $rc)" '[ $rc -eq 0 ]'
is "under envsafe run: 'verdict: protected' naming the library" \
	'printf "%s\n" "$out" | grep -q "^verdict: protected: libenvsafe is mapped (.*libenvsafe\.so[.0-9]*)"'

capture "$ENVSAFE" doctor --pid "$single"
is "single-threaded writer: exit 0 (got $rc)" '[ $rc -eq 0 ]'
is "single-threaded writer: 'verdict: not at risk'" \
	'printf "%s\n" "$out" | grep -q "^verdict: not at risk: single-threaded; .*deploy-service imports setenv"'

capture "$ENVSAFE" doctor --pid "$risky" --json
is "doctor --pid --json: one object agreeing with the text (rc $rc)" \
	'[ $rc -eq 1 ] && [ "$(json_field "$TMP/out" at_risk)" = true ] && [ "$(json_field "$TMP/out" protected)" = false ] &&
	 [ "$(json_field "$TMP/out" threads)" = 4 ] && [ "$(json_field "$TMP/out" verdict)" = "\"at risk\"" ]'
cp "$TMP/out" "$TMP/risky.json"
capture "$ENVSAFE" doctor --json --pid "$protected"
is "protected --json: protected true, at_risk false (rc $rc)" \
	'[ $rc -eq 0 ] && [ "$(json_field "$TMP/out" protected)" = true ] && [ "$(json_field "$TMP/out" at_risk)" = false ]'

# The settings a process started with are checked too.
start_service 1 env ENVSAFE_STRICT=sometimes "$ENVSAFE" run -- "$SERVICE" single 2>/dev/null || true
capture "$ENVSAFE" doctor --pid "$service_pid"
is "doctor --pid reports the process's invalid settings" \
	'contains "$out" "ENVSAFE_STRICT=sometimes is ignored: expected warn, abort or off"'
stop_service 1

stop_service 2
stop_service 3
wait

# ---- processes that cannot be inspected ---------------------------------
sh -c 'exit 0' &
gone=$!
wait "$gone"
capture "$ENVSAFE" doctor --pid "$gone"
is "a process that is gone: exit 3 with the reason (got $rc: $err)" \
	'[ $rc -eq 3 ] && contains "$err" "no process with pid $gone" && [ -z "$out" ]'
capture "$ENVSAFE" doctor --pid "$gone" --json
is "gone, --json: exit 3 and an object saying so" \
	'[ $rc -eq 3 ] && [ "$(json_field "$TMP/out" error)" = "\"gone\"" ]'

if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || bail "setpriv not found (Debian package util-linux)"
	mkdir "$TMP/bin" && chmod 755 "$TMP" "$TMP/bin"
	cp "$ENVSAFE" "$TMP/bin/envsafe" && chmod 755 "$TMP/bin/envsafe"
	capture setpriv --reuid=65534 --regid=65534 --clear-groups -- "$TMP/bin/envsafe" doctor --pid $$
	is "another user's process: exit 3, permission denied (got $rc: $err)" \
		'[ $rc -eq 3 ] && contains "$err" "permission denied"'
	# Same user, no root: nobody inspects its own process.
	capture setpriv --reuid=65534 --regid=65534 --clear-groups -- sh -c '"$1" doctor --pid $$' sh "$TMP/bin/envsafe"
	is "a process of the same user, without root: inspected (got $rc)" \
		'[ $rc -eq 0 ] && printf "%s\n" "$out" | grep -Eq "^verdict: (not at risk|protected): "'
else
	ok 1 "permission tests need root to switch to another user"
fi

# ---- usage errors -----------------------------------------------------------
for args in "--pid" "--pid=" "--pid 0" "--pid -5" "--pid abc" "--pid 12x" "--bogus" "extra"; do
	# shellcheck disable=SC2086 # split on purpose
	capture "$ENVSAFE" doctor $args
	is "doctor $args: exit 2 with one line on stderr (got $rc, $err_lines lines)" \
		'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ] && [ -z "$out" ]'
done
capture "$ENVSAFE" doctor --help
is "doctor --help exits 0 and documents the verdicts" '[ $rc -eq 0 ] && contains "$out" "verdict: at risk"'

done_testing
