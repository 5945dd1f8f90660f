#!/bin/bash
# crash_rates.sh [RUNS] [SECONDS] - how often each runtime's race program
# fails on stock libc and under `envsafe run`.  Not a test: the numbers
# depend on the machine and its load.  Run from the source tree after make:
#   ES_BUILD_DIR=$PWD/build ES_SRC_DIR=$PWD tests/compat/crash_rates.sh 20
. "$ES_SRC_DIR/tests/compat/compat.sh"
runs=${1:-10}
seconds=${2:-1.5}
compat_need_envsafe

# measure LABEL CMD...: RUNS runs; prints failures, their kinds and the
# mean wall time.
measure() {
	local label=$1 i rc fails=0 kinds start end
	shift
	kinds=$compat_tmp/kinds
	: >"$kinds"
	start=$(date +%s.%N)
	for i in $(seq 1 "$runs"); do
		compat_run "$compat_tmp/m" "$@"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			fails=$((fails + 1))
			compat_describe_status "$rc" >>"$kinds"
		fi
	done
	end=$(date +%s.%N)
	awk -v l="$label" -v f="$fails" -v n="$runs" -v s="$start" -v e="$end" \
		'BEGIN { printf "%-28s %3d/%-3d failed  %5.1f s/run  ", l, f, n, (e - s) / n }'
	sort "$kinds" | uniq -c | tr -s ' \n' ' '
	echo
}

rust=$ES_BUILD_DIR/tests/compat/rust_env_race
for mode in stock envsafe; do
	if [ "$mode" = stock ]; then run=(env -u LD_PRELOAD); else run=("$ENVSAFE" run --); fi
	measure "python ($mode)" "${run[@]}" /usr/bin/python3 "$COMPAT_DIR/python_env_race.py" "$seconds"
	measure "rust ($mode)" "${run[@]}" "$rust" "$seconds"
	measure "node ($mode)" "${run[@]}" node "$COMPAT_DIR/node_env_race.js" "$seconds"
	measure "perl ($mode)" "${run[@]}" perl "$COMPAT_DIR/perl_env_race.pl" "$seconds"
done
