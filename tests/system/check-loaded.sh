#!/bin/sh
# make check-loaded: `make check` as a user would run it, on a busy machine.
#
#   tests/system/check-loaded.sh SRC_DIR [ROUNDS [BUSY]]
#
# The committed HEAD of SRC_DIR is cloned into a fresh mktemp -d directory
# (mode 0700, like many home directories), built once, and `make check`
# runs ROUNDS times (default 10) while BUSY CPU-bound loops (default 4, for
# 2 cores) compete with it.  Every round must pass.  ES_TEST_TIME_SCALE and
# the other test settings pass through unchanged; none is set here, so the
# defaults are what is checked.
set -eu

fail() { echo "check-loaded: $*" >&2; exit 1; }
[ $# -ge 1 ] || fail "usage: $0 SRC_DIR [ROUNDS [BUSY]]"
src=$(cd "$1" && pwd)
rounds=${2:-10}
busy=${3:-4}
make=${MAKE:-make}
command -v git >/dev/null || fail "needs git"

work=$(mktemp -d "${TMPDIR:-/tmp}/envsafe-loaded.XXXXXX")
pids=
cleanup() {
	for pid in $pids; do kill "$pid" 2>/dev/null || :; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "check-loaded: cloning $(git -C "$src" rev-parse --short HEAD) into $work/p (mode $(stat -c %a "$work"))"
git clone -q "$src" "$work/p"
cd "$work/p"
$make -j2 all >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; fail "the clone does not build"; }

i=0
while [ $i -lt "$busy" ]; do
	sh -c 'while :; do :; done' &
	pids="$pids $!"
	i=$((i + 1))
done
echo "check-loaded: $busy busy loops on $(nproc) CPUs, $rounds rounds of make check"

passed=0
round=1
while [ $round -le "$rounds" ]; do
	start=$(date +%s)
	if $make check >"$work/round-$round.log" 2>&1; then
		passed=$((passed + 1))
		echo "check-loaded: round $round passed ($(( $(date +%s) - start )) s)"
	else
		echo "check-loaded: round $round FAILED ($(( $(date +%s) - start )) s); its failures:"
		grep -E "^(not ok|Bail out|#)|Dubious|Failed test|Wstat|^[^ ]+ +\(Wstat" "$work/round-$round.log" | head -n 60
		cp "$work/round-$round.log" "${TMPDIR:-/tmp}/envsafe-loaded-round-$round.log" 2>/dev/null &&
			echo "check-loaded: full log kept in ${TMPDIR:-/tmp}/envsafe-loaded-round-$round.log"
	fi
	round=$((round + 1))
done
echo "check-loaded: $passed of $rounds rounds passed"
[ "$passed" -eq "$rounds" ]
