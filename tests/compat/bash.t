#!/bin/bash
# bash: export, unset, readonly, export -n, prefix assignments, env -i,
# subshells and exec, as children see them, on stock libc and under
# `envsafe run`.  Both runs must print exactly the expected report.
. "$ES_SRC_DIR/tests/compat/compat.sh"

compat_need_envsafe
expected=$compat_tmp/expected
cat >"$expected" <<'END'
export:ENVSAFE_T_A=1 
overwrite:ENVSAFE_T_A=two words 
unset:
export -n:
readonly:ENVSAFE_T_RO=fixed 
subshell:ENVSAFE_T_RO=fixed ENVSAFE_T_SUB=sub 
after subshell:ENVSAFE_T_RO=fixed 
prefix assignment to a function:ENVSAFE_T_PREFIX=once ENVSAFE_T_RO=fixed 
prefix assignment to a command:ENVSAFE_T_PREFIX=once ENVSAFE_T_RO=fixed 
printenv: fixed
env NAME=VALUE:ENVSAFE_T_NEW=new ENVSAFE_T_RO=changed 
env -u:
env -i:ENVSAFE_T_ONLY=1 
env -i, then bash exports:ENVSAFE_T_INNER=in 
exec in a subshell:ENVSAFE_T_EXEC=replaced ENVSAFE_T_RO=fixed 
nested bash:ENVSAFE_T_NESTED=1 
sh:ENVSAFE_T_RO=fixed ENVSAFE_T_SH=sh 
unset of a readonly refused: 1
END

# check_report OUT MAPPED ENV_I: the report matches, and libenvsafe is
# (or is not) in bash and in its children; env -i drops LD_PRELOAD either
# way, so an env -i child maps the library ENV_I times: none on stock,
# and under envsafe run as often as /etc/ld.so.preload makes it here.
check_report() {
	{
		cat "$expected"
		echo "libenvsafe=$2"
		echo "child_libenvsafe=$2"
		echo "env -i child libenvsafe=$3"
	} | diff -u - "$1.out" >"$1.diff"
}
system_wide=$(/usr/bin/env -i /bin/cat /proc/self/maps | grep -c libenvsafe.so)

script=$COMPAT_DIR/bash_env.sh
out=$compat_tmp/stock
compat_run "$out" "$COMPAT_STOCK_RUN" /bin/bash "$script"
rc=$?
check_report "$out" no 0 && [ "$rc" -eq 0 ]
compat_ok $? "stock: bash exports reach children as expected"
[ -s "$out.diff" ] && compat_diag "$(cat "$out.diff" "$out.err")"

out=$compat_tmp/envsafe
compat_run "$out" "$ENVSAFE" run -- /bin/bash "$script"
rc=$?
check_report "$out" yes "$system_wide" && [ "$rc" -eq 0 ]
compat_ok $? "envsafe run: bash exports reach children as expected"
[ -s "$out.diff" ] && compat_diag "$(cat "$out.diff" "$out.err")"

diff <(grep -v libenvsafe "$compat_tmp/stock.out") <(grep -v libenvsafe "$out.out") >/dev/null
compat_ok $? "stock and envsafe run print the same report"
compat_done
