#!/bin/bash
# Exported variables reaching children.  bash keeps its own variable table
# and defines its own getenv/setenv/putenv/unsetenv, so inside bash those
# win over any preloaded library; what envsafe changes is every child
# (env, printenv, nested shells) that inherits LD_PRELOAD.  Each line must
# read the same on stock libc and under `envsafe run`.
set -u
export LC_ALL=C

view() {
	printf '%s:' "$1"
	/usr/bin/env | grep '^ENVSAFE_T_' | sort | tr '\n' ' '
	echo
}

export ENVSAFE_T_A=1
ENVSAFE_T_LOCAL_ONLY=hidden
view export
export ENVSAFE_T_A="two words"
view overwrite
unset ENVSAFE_T_A
view unset
export ENVSAFE_T_B=b
export -n ENVSAFE_T_B
view "export -n"
declare -rx ENVSAFE_T_RO=fixed
view readonly
(
	export ENVSAFE_T_SUB=sub
	unset ENVSAFE_T_LOCAL_ONLY
	view subshell
)
view "after subshell"
ENVSAFE_T_PREFIX=once view "prefix assignment to a function"
printf 'prefix assignment to a command:'
ENVSAFE_T_PREFIX=once /usr/bin/env | grep '^ENVSAFE_T_' | sort | tr '\n' ' '
echo
echo "printenv: $(/usr/bin/printenv ENVSAFE_T_RO)"
# env(1) edits its own environment with putenv/unsetenv before exec.
printf 'env NAME=VALUE:'
/usr/bin/env ENVSAFE_T_NEW=new ENVSAFE_T_RO=changed /usr/bin/env | grep '^ENVSAFE_T_' | sort | tr '\n' ' '
echo
printf 'env -u:'
/usr/bin/env -u ENVSAFE_T_RO /usr/bin/env | grep '^ENVSAFE_T_' | sort | tr '\n' ' '
echo
printf 'env -i:'
/usr/bin/env -i ENVSAFE_T_ONLY=1 /usr/bin/env | sort | tr '\n' ' '
echo
printf 'env -i, then bash exports:'
/usr/bin/env -i /bin/bash -c 'export ENVSAFE_T_INNER=in; /usr/bin/env' | grep '^ENVSAFE_T_' | sort | tr '\n' ' '
echo
printf 'exec in a subshell:'
(
	export ENVSAFE_T_EXEC=replaced
	exec /usr/bin/env
) | grep '^ENVSAFE_T_' | sort | tr '\n' ' '
echo
printf 'nested bash:'
/bin/bash -c 'export ENVSAFE_T_NESTED=1; unset ENVSAFE_T_RO 2>/dev/null; /usr/bin/env' | grep '^ENVSAFE_T_' | sort | tr '\n' ' '
echo
printf 'sh:'
/bin/sh -c 'ENVSAFE_T_SH=sh; export ENVSAFE_T_SH; /usr/bin/env' | grep '^ENVSAFE_T_' | sort | tr '\n' ' '
echo
readonly_kept=$( (unset ENVSAFE_T_RO) 2>&1 >/dev/null | grep -c readonly)
echo "unset of a readonly refused: $readonly_kept"

maps() {
	if grep -q libenvsafe.so "$1"; then echo yes; else echo no; fi
}
echo "libenvsafe=$(maps /proc/$$/maps)"
echo "child_libenvsafe=$(/bin/cat /proc/self/maps | grep -c libenvsafe.so | sed 's/^0$/no/; s/^[1-9][0-9]*$/yes/')"
echo "env -i child libenvsafe=$(/usr/bin/env -i /bin/cat /proc/self/maps | grep -c libenvsafe.so)"
