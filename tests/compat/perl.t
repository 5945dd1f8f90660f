#!/bin/bash
# Perl: %ENV written by the main interpreter while ithreads read the
# environment inside glibc; and Perl's own environ management (it replaces
# the array itself) seen through children, tzset and setlocale.
. "$ES_SRC_DIR/tests/compat/compat.sh"

compat_need_tool perl perl
perl -Mthreads -e 1 2>/dev/null || compat_bail "this perl has no ithreads (Debian's perl has)"
compat_need_envsafe

check_race() {
	compat_mapped "$1" "$2" &&
		grep -q '^rounds=[1-9][0-9]*$' "$1.out" &&
		grep -q '^reader_calls=[1-9][0-9]*$' "$1.out" &&
		! grep -q '^FAIL' "$1.out"
}

# Which environ Perl writes.  Up to 5.36 (Debian 11 and 12) my_setenv
# keeps its own copy of environ, reallocs and frees it itself, and never
# calls setenv: no setenv replacement sees those frees, so the race below
# is out of envsafe's reach.  From 5.38 (Debian 13's 5.40 on) it always
# calls setenv/unsetenv (clearenv for %ENV = ()), and the race must be
# fixed.  The trace tells them apart: it records every call to the
# library's writers, and always sees env(1)'s putenv.
trace=$compat_tmp/perl.trace
"$ENVSAFE" run --trace="$trace" -- perl -e '
	$ENV{ENVSAFE_T_PERL} = 1; $ENV{ENVSAFE_T_PERL} = 2; delete $ENV{ENVSAFE_T_PERL};
	system("/usr/bin/env", "ENVSAFE_T_ENV=1", "/bin/true") == 0 or exit 1' >/dev/null 2>&1
rc=$?
perl_version=$(perl -e 'printf "%vd", $^V')
if [ "$rc" -eq 0 ] && grep -q 'ENVSAFE_T_PERL' "$trace"; then
	perl_calls_setenv=1
	grep -Eq 'setenv ENVSAFE_T_PERL' "$trace" && grep -Eq 'unsetenv ENVSAFE_T_PERL' "$trace" &&
		perl -e 'exit !($] >= 5.038)'
	compat_ok $? "perl $perl_version: %ENV writes call setenv and unsetenv (Perl 5.38 and later)"
else
	perl_calls_setenv=0
	[ "$rc" -eq 0 ] && grep -q 'ENVSAFE_T_ENV' "$trace" && perl -e 'exit !($] < 5.038)'
	compat_ok $? "perl $perl_version: %ENV writes never reach setenv/putenv/unsetenv (env's putenv does; Perl before 5.38)"
fi
[ -r "$trace" ] && compat_diag "$(grep -E 'pid .* (setenv|putenv|unsetenv|clearenv) ' "$trace")"

race=$COMPAT_DIR/perl_env_race.pl
compat_stock "perl %ENV race" check_race perl "$race" 1.5
if [ "$perl_calls_setenv" = 1 ]; then
	compat_protected "perl %ENV race" check_race perl "$race" 1.5
else
	compat_limitation "perl %ENV race" \
		"Perl before 5.38 reallocs and frees its own environ array (my_setenv without PERL_USE_SAFE_PUTENV); no setenv replacement sees those frees" \
		perl "$race" 1.5
fi

expected=$compat_tmp/children.expected
cat >"$expected" <<'END'
set: ENVSAFE_T_A=1 ENVSAFE_T_B=two words
overwrite+delete: ENVSAFE_T_A=overwritten
local: ENVSAFE_T_A=overwritten ENVSAFE_T_LOCAL=inside
after local: ENVSAFE_T_A=overwritten
hundred names: 100
hundred deleted: ENVSAFE_T_A=overwritten
system: exec
pipe: exec
fork+exec: forked child
parent after fork: exec
TZ=ABC+3: 21:00 ABC
TZ=XYZ-5: 05:00 XYZ
setlocale from LC_ALL: C.UTF-8
setlocale from LC_ALL: C
hash assigned: ENVSAFE_T_ONLY=alone
names left: ENVSAFE_T_ONLY,PATH
END

# check_children OUT MAPPED: the report matches, line for line.
check_children() {
	{ cat "$expected"; echo "libenvsafe=$2"; } | diff -u - "$1.out" >"$1.diff"
}

children=$COMPAT_DIR/perl_env_children.pl
out=$compat_tmp/children-stock
compat_run "$out" "$COMPAT_STOCK_RUN" perl "$children"
rc=$?
check_children "$out" no && [ "$rc" -eq 0 ]
compat_ok $? "stock: perl %ENV changes reach children, tzset and setlocale"
[ -s "$out.diff" ] && compat_diag "$(cat "$out.diff" "$out.err")"

out=$compat_tmp/children-envsafe
compat_run "$out" "$ENVSAFE" run -- perl "$children"
rc=$?
check_children "$out" yes && [ "$rc" -eq 0 ]
compat_ok $? "envsafe run: perl %ENV changes reach children, tzset and setlocale"
[ -s "$out.diff" ] && compat_diag "$(cat "$out.diff" "$out.err")"
compat_done
