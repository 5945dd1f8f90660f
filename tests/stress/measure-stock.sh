#!/bin/bash
# Measure how reliably each envsafe-stress mode makes the stock C library
# fail: RUNS runs per mode (default 20) of SECONDS each (default 2),
# printing the failure rate, how the runs failed and the median time to
# failure.  With --preload LIB the same runs use LD_PRELOAD=LIB instead.
# Not part of `make check`: it takes a while and asserts nothing.
#
#   tests/stress/measure-stock.sh [--preload LIB] [BIN [RUNS [SECONDS]]]
set -u
preload=
if [ "${1:-}" = --preload ]; then preload=$2; shift 2; fi
bin=${1:-build/envsafe-stress}
runs=${2:-20}
seconds=${3:-2}
ulimit -c 0
printf '%-12s %9s %10s  %s\n' mode failed median_s outcomes
for mode in $("$bin" --list); do
	failed=0 times=() outcomes=
	for ((i = 0; i < runs; i++)); do
		start=$(date +%s%N)
		rc=$( { env -u LD_PRELOAD ${preload:+LD_PRELOAD=$preload} timeout -k 2 $((${seconds%.*} + 5)) \
			"$bin" --mode "$mode" --seconds "$seconds" --quiet >/dev/null 2>&1; echo $?; } 2>/dev/null )
		ns=$(( $(date +%s%N) - start ))
		case $rc in
		0) outcomes+=". " ;;
		1) outcomes+="miss " ;;
		124|137) outcomes+="hung " ;;
		*) outcomes+="SIG$(kill -l $((rc - 128)) 2>/dev/null || echo "?$rc") " ;;
		esac
		if [ "$rc" -ne 0 ]; then failed=$((failed + 1)); times+=("$ns"); fi
	done
	median=-
	[ ${#times[@]} -gt 0 ] && median=$(printf '%s\n' "${times[@]}" | sort -n |
		awk '{ t[NR] = $1 } END { printf "%.3f", t[int((NR + 1) / 2)] / 1e9 }')
	summary=$(echo "$outcomes" | tr ' ' '\n' | grep -v '^$' | sort | uniq -c | awk '{ printf "%s%sx%s", sep, $1, $2; sep = " " }')
	printf '%-12s %6d/%-3d %10s  %s\n' "$mode" "$failed" "$runs" "$median" "$summary"
done
