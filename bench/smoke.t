#!/bin/sh
# The benchmark harness still measures what it claims to: envbench sees the
# implementation each preload installs, every implementation passes the
# same functional checks (so the benchmarks compare drop-in equivalents),
# and the subcommands the suite runs produce their records.  No timing is
# asserted here; `make bench` measures.
set -u
B=${ES_BUILD_DIR:?ES_BUILD_DIR is not set}
prog=$B/bench/envbench
envsafe=$B/libenvsafe.so
rwlock=$B/bench/librwlockenv.so
n=0
failed=0

ok() { # ok CONDITION-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2" | tee /dev/stderr
		failed=$((failed + 1))
	fi
}

for f in "$prog" "$envsafe" "$rwlock"; do
	[ -e "$f" ] || { echo "Bail out! $f is missing (run make)"; exit 255; }
done

# Each run gets a minimal environment and a watchdog, as in bench/run.py,
# and only the implementation it names, even where /etc/ld.so.preload
# loads envsafe into every process (tests/stock-run).
stock_run=${ES_SRC_DIR:-$(dirname "$0")/..}/tests/stock-run
run() { # run PRELOAD ARGS...
	preload=$1
	shift
	"$stock_run" env -i LD_PRELOAD="$preload" timeout $((60 * ${ES_TEST_TIME_SCALE:-1})) "$prog" "$@"
}

for impl in libc envsafe rwlock; do
	case $impl in
	libc) preload= ;;
	envsafe) preload=$envsafe ;;
	rwlock) preload=$rwlock ;;
	esac
	out=$(run "$preload" info)
	case $out in
	*"record info impl=$impl "*) ok 0 "$impl: envbench reports the $impl implementation" ;;
	*) ok 1 "$impl: envbench reports the $impl implementation (got: $out)" ;;
	esac
	out=$(run "$preload" selftest 2>&1)
	ok $? "$impl: setenv/getenv/unsetenv/putenv/clearenv behave as POSIX says"
	case $out in *"failures=0"*) ok 0 "$impl: selftest reports no failure" ;;
	*) ok 1 "$impl: selftest reports no failure ($out)" ;; esac
done

out=$(run "$envsafe" lookup 1 10 70)
count=$(printf '%s\n' "$out" | grep -c '^record lookup size=[0-9]* case=[a-z]* ns=[0-9.]*$')
ok $((count != 8)) "lookup prints 4 cases for each of 2 sizes (got $count)"

out=$(run "$envsafe" write 1 2 70)
count=$(printf '%s\n' "$out" | grep -c '^record write size=70 case=')
ok $((count != 3)) "write prints set_new, unset and overwrite (got $count)"

# Names the readers look up are never changed, so no implementation that
# survives a concurrent writer may report one as missing.
for impl in envsafe rwlock; do
	preload=$envsafe
	[ $impl = rwlock ] && preload=$rwlock
	out=$(run "$preload" throughput 2 1 0.1)
	case $out in
	*"record throughput readers=2 writer=1 "*" missing=0 "*) ok 0 "$impl: 2 readers and a writer, no stable name missed" ;;
	*) ok 1 "$impl: 2 readers and a writer, no stable name missed (got: $out)" ;;
	esac
done
out=$(run "$envsafe" latency churn 0.1)
case $out in
*"record latency mode=churn "*" missing=0 "*) ok 0 "envsafe: latency under churn, no stable name missed" ;;
*) ok 1 "envsafe: latency under churn, no stable name missed (got: $out)" ;;
esac

out=$(run "" memory 1000)
case $out in
*"record memory ops=1000 rss_before_kib="*) ok 0 "memory reports RSS" ;;
*) ok 1 "memory reports RSS (got: $out)" ;;
esac

echo "1..$n"
[ "$failed" -eq 0 ]
