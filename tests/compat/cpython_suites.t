#!/bin/bash
# CPython's own test_os, test_posix and test_time (Debian package
# libpython3.11-testsuite for /usr/bin/python3), once on stock libc and
# once under `envsafe run`: every test case must end the same way
# (passed, skipped, failure or error) in both runs.
# regrtest of these three modules takes 45-55 s under `prove -j2` on
# Python 3.13, longer on a busy machine: the watchdog only catches hangs.
COMPAT_WATCHDOG=${COMPAT_WATCHDOG:-600}
. "$ES_SRC_DIR/tests/compat/compat.sh"

PYTHON=${COMPAT_PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || compat_bail "$PYTHON not found (Debian package python3)"
suite_dir=$("$PYTHON" -c 'import os, test; print(os.path.dirname(test.__file__))' 2>/dev/null)
for t in test_os test_posix test_time; do
	[ -r "$suite_dir/$t.py" ] ||
		compat_bail "$PYTHON has no $t (Debian package libpython3.$("$PYTHON" -c 'import sys; print(sys.version_info[1])')-testsuite)"
done
compat_need_envsafe
suites="test_os test_posix test_time"

# regrtest writes scratch files into the working directory.
cd "$compat_tmp" || compat_bail "cannot enter $compat_tmp"

# run_suites LABEL PREFIX...: results of the suites in LABEL.results.
run_suites() {
	local label=$1 rc start end
	shift
	start=$(date +%s)
	compat_run "$compat_tmp/$label" "$@" "$PYTHON" -m test \
		--junit-xml "$compat_tmp/$label.xml" $suites
	rc=$?
	end=$(date +%s)
	compat_diag "$label: regrtest $(compat_describe_status "$rc") after $((end - start)) s"
	"$PYTHON" "$COMPAT_DIR/cpython_results.py" "$compat_tmp/$label.xml" \
		>"$compat_tmp/$label.results" 2>>"$compat_tmp/$label.err"
	compat_diag "$label: $(awk '{ print $2 }' "$compat_tmp/$label.results" | sort | uniq -c | tr -s ' \n' ' ')"
	return "$rc"
}

run_suites stock env -u LD_PRELOAD
stock_rc=$?
run_suites envsafe "$ENVSAFE" run --
envsafe_rc=$?

# Several hundred cases, from all three modules, or the comparison means nothing.
cases=$(wc -l <"$compat_tmp/stock.results")
modules=$(sed -n 's/^test\.\(test_[a-z]*\)\..*/\1/p' "$compat_tmp/stock.results" | sort -u | paste -sd ' ')
[ "$cases" -ge 300 ] && [ "$modules" = "$suites" ]
compat_ok $? "stock: regrtest reported $cases test cases from $modules"

diff -u "$compat_tmp/stock.results" "$compat_tmp/envsafe.results" >"$compat_tmp/results.diff"
compat_ok $? "envsafe run: every test case ends as it does on stock"
[ -s "$compat_tmp/results.diff" ] && compat_diag "$(head -n 40 "$compat_tmp/results.diff")"

[ "$stock_rc" -eq "$envsafe_rc" ]
compat_ok $? "envsafe run: regrtest exit status $envsafe_rc matches stock's $stock_rc"

has_envsafe='import ctypes; ctypes.CDLL(None).envsafe_version'
! env -u LD_PRELOAD "$PYTHON" -c "$has_envsafe" 2>/dev/null &&
	"$ENVSAFE" run -- "$PYTHON" -c "$has_envsafe"
compat_ok $? "only the envsafe run has libenvsafe's envsafe_version in the interpreter"
compat_done
