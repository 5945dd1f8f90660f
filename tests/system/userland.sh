#!/bin/sh
# userland.sh - a Debian userland with libenvsafe in /etc/ld.so.preload,
# compared with the same runs without it.
#
# Usage: tests/system/userland.sh [--quick] [--out DIR]
#        tests/system/userland.sh --help
#
# Expects to run as root inside a private mount namespace whose
# /etc/ld.so.preload loads libenvsafe (make check-userland sets that up
# with tests/system/with-private-etc.sh and `envsafe preload enable`; make
# check-system does the same around the whole suite).  It checks that a
# new process maps the library, and exits 2 if not.
#
# Each workload runs twice: as is (the library preloaded into every
# process), and "plain", in a nested mount namespace whose
# /etc/ld.so.preload is /dev/null.  The workloads:
#   bash      exports, unsets and subshells; the sorted result
#   env       env -i / env -u
#   git       init, add, commit with fixed dates, log, status
#   python    python3 -m venv (ensurepip, offline), pip --version and
#             pip list in it, threads writing os.environ while others
#             call time.localtime and os.strerror
#   perl      %ENV writes, delete, a child shell
#   gdb       runs a program to its exit code
#   valgrind  memcheck on a shell writing its environment
#   setpriv   a shell as user nobody (setpriv), and su -s /bin/sh nobody
#   cpython   CPython's test_os, test_subprocess and test_threading
#             (left out by --quick), compared per test case
# Output is normalised only where it must differ between any two runs
# (pids, addresses, temporary paths).  environ's order is documented to
# differ (README, Limits: new variables appear at the front), so every
# listing of the environment is sorted.
#
# Output: TAP on stdout, one "ok"/"not ok" per workload (identical output
# and exit status with and without the preload), one checking that the
# library was mapped in the preloaded runs and absent from the plain ones,
# and a final "# wall time" line with both totals and their ratio.
# Outputs are kept in DIR (default: a new directory under /tmp, printed).
#
# Exit status: 0 all identical; 1 some workload differs; 2 the setup is
# wrong (not root, the library not preloaded, a program missing).
set -u

quick=0
out=
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--workload) shift; break ;;
	--help | -h) sed -n '2,/^set -u/p' "$self" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "userland.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
	shift
done

# ---- the workloads (run through "$self --workload NAME DIR") ----------
w_bash() {
	bash -c 'for i in $(seq 200); do export "V$i=$i"; done
		unset V7; export V8=changed
		env | grep "^V[0-9]" | sort | cksum
		(export SUB=inner; bash -c "echo sub=\$SUB")
		echo "bash=${BASH_VERSINFO[0]}"'
}
w_env() {
	env -i C=3 A=1 B=2 env | sort
	env -u HOME sh -c 'echo "home=${HOME-unset}"'
	env -i PATH=/usr/bin:/bin X=1 sh -c 'export Y=2; env' | sort
}
w_git() {
	export HOME="$1" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=envsafe GIT_AUTHOR_EMAIL=e@example.org \
		GIT_COMMITTER_NAME=envsafe GIT_COMMITTER_EMAIL=e@example.org \
		GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z
	cd "$1" && git init -q -b main repo && cd repo && echo one >a && git add a &&
		git commit -qm first && echo two >>a && git commit -qam second &&
		git log --format='%H %s' && git status --porcelain && git rev-list --count HEAD
}
w_python() {
	/usr/bin/python3 -m venv "$1/venv" || return
	"$1/venv/bin/python" -m pip --version | sed 's/ from .* (/ (/'
	"$1/venv/bin/python" -m pip list --disable-pip-version-check --format=freeze | sed 's/==.*//' | sort
	"$1/venv/bin/python" - <<'PY'
import os, threading, time
stop = False
def writer(k):
    i = 0
    while not stop:
        os.environ["W%d_%d" % (k, i % 50)] = "x" * (i % 7)
        if i % 3 == 0:
            os.environ.pop("W%d_%d" % (k, (i + 25) % 50), None)
        i += 1
def reader():
    while not stop:
        time.localtime(); os.strerror(2); os.environ.get("PATH")
threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
threads += [threading.Thread(target=reader) for _ in range(2)]
for t in threads: t.start()
time.sleep(2)
stop = True
for t in threads: t.join()
print("python threads: done", sorted(k for k in os.environ if k.startswith("W"))[:3] != [])
PY
}
w_perl() {
	perl -e 'for (1..100) { $ENV{"P$_"} = $_ } delete $ENV{P5}; $ENV{P6} = "six";
		print join(",", map { "$_=$ENV{$_}" } sort grep { /^P\d+$/ } keys %ENV), "\n";
		system("sh", "-c", "echo child=\$P6");'
}
w_gdb() {
	gdb -nx -batch -iex 'set debuginfod enabled off' -ex run --args /bin/sh -c 'export G=1; exit 3' 2>&1 |
		sed -E 's/process [0-9]+/process N/g; s/0x[0-9a-f]+/ADDR/g' | grep -v '^\[Thread debugging' |
		grep -v '^Using host libthread_db'
}
w_valgrind() {
	valgrind -q --error-exitcode=9 /bin/sh -c 'for i in 1 2 3; do export "X$i=$i"; done; env | grep -c "^X"'
}
w_setpriv() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- sh -c 'id -u; export Z=1; sh -c "echo z=\$Z"'
	su -s /bin/sh nobody -c 'id -un; export Q=2; sh -c "echo q=\$Q"' 2>&1 | grep -v 'cannot change directory'
}
w_cpython() {
	cd "$1" && /usr/bin/python3 -m test --junit-xml "$1/junit.xml" test_os test_subprocess test_threading \
		>"$1/regrtest.log" 2>&1
	python3 "$src/tests/compat/cpython_results.py" "$1/junit.xml"
}

if [ "${1-}" != "" ] && [ "$(command -v "w_$1")" = "w_$1" ] && [ $# -eq 3 ]; then
	src=$3
	# Which copy of the library this workload's shell has, for the check.
	grep -o '/[^ ]*libenvsafe[^ ]*' /proc/$$/maps | sort -u >"$2.mapped"
	mkdir -p "$2.dir"
	"w_$1" "$2.dir"
	echo "exit=$?"
	exit 0
fi

# ---- setup ---------------------------------------------------------------
src=$(cd "$(dirname "$self")/../.." && pwd)
fail_setup() {
	echo "Bail out! $*"
	exit 2
}
[ "$(id -u)" -eq 0 ] || fail_setup "userland.sh needs root (nested mount namespaces, su, setpriv)"
for tool in bash env git perl gdb valgrind setpriv su unshare mount timeout cksum awk; do
	command -v "$tool" >/dev/null || fail_setup "$tool is required"
done
[ -x /usr/bin/python3 ] || fail_setup "/usr/bin/python3 is required (Debian python3, python3-venv)"
/usr/bin/python3 -c 'import venv, ensurepip, test.support' 2>/dev/null ||
	fail_setup "/usr/bin/python3 needs venv, ensurepip and the test suite (python3-venv, libpython3-testsuite)"
sh -c 'grep -q "/libenvsafe[^/]*\.so" /proc/$$/maps' ||
	fail_setup "a new process does not map libenvsafe: run this where /etc/ld.so.preload loads it (make check-userland)"
[ -e /etc/ld.so.preload ] || fail_setup "/etc/ld.so.preload does not exist"

[ -n "$out" ] || out=$(mktemp -d /tmp/envsafe-userland.XXXXXX) || fail_setup "mktemp failed"
mkdir -p "$out/preloaded" "$out/plain" || fail_setup "cannot create $out"
chmod 755 "$out" "$out/preloaded" "$out/plain"
echo "# userland: libenvsafe from /etc/ld.so.preload: $(tr '\n' ' ' </etc/ld.so.preload)"
echo "# outputs in $out"

# A nested private namespace with an empty /etc/ld.so.preload.
plain() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m sh -c 'mount --make-rprivate / && mount --bind /dev/null /etc/ld.so.preload && exec "$@"' sh "$@"
}
now() { date +%s.%N; }

workloads="bash env git python perl gdb valgrind setpriv"
[ "$quick" -eq 1 ] || workloads="$workloads cpython"
n=0
failed=0
total_pre=0
total_plain=0
for w in $workloads; do
	t0=$(now)
	timeout -s KILL 3600 "$self" --workload "$w" "$out/preloaded/$w" "$src" >"$out/preloaded/$w.out" 2>"$out/preloaded/$w.err"
	t1=$(now)
	plain timeout -s KILL 3600 "$self" --workload "$w" "$out/plain/$w" "$src" >"$out/plain/$w.out" 2>"$out/plain/$w.err"
	t2=$(now)
	pre=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	pla=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
	total_pre=$(awk -v a="$total_pre" -v b="$pre" 'BEGIN { printf "%.3f", a + b }')
	total_plain=$(awk -v a="$total_plain" -v b="$pla" 'BEGIN { printf "%.3f", a + b }')
	# Temporary paths differ between the two runs by construction.
	for mode in preloaded plain; do
		sed "s|$out/$mode/$w.dir|DIR|g" "$out/$mode/$w.out" >"$out/$mode/$w.norm"
	done
	n=$((n + 1))
	times=$(printf '%.2f s preloaded, %.2f s plain' "$pre" "$pla")
	if cmp -s "$out/preloaded/$w.norm" "$out/plain/$w.norm" && grep -q '^exit=0$' "$out/plain/$w.norm"; then
		echo "ok $n - $w: identical output and exit status with and without the preload ($times)"
	else
		echo "not ok $n - $w: differs with the preload, or failed ($times)"
		diff "$out/plain/$w.norm" "$out/preloaded/$w.norm" | head -n 20 | sed 's/^/# /'
		tail -n 5 "$out/preloaded/$w.err" | sed 's/^/# preloaded stderr: /'
		failed=$((failed + 1))
	fi
	n=$((n + 1))
	if [ -s "$out/preloaded/$w.mapped" ] && [ ! -s "$out/plain/$w.mapped" ]; then
		echo "ok $n - $w: the library was mapped in the preloaded run only ($(head -n 1 "$out/preloaded/$w.mapped"))"
	else
		echo "not ok $n - $w: the library was not mapped as expected (preloaded: '$(cat "$out/preloaded/$w.mapped")', plain: '$(cat "$out/plain/$w.mapped")')"
		failed=$((failed + 1))
	fi
done
awk -v a="$total_pre" -v b="$total_plain" \
	'BEGIN { printf "# wall time: preloaded %.1f s, plain %.1f s, ratio %.3f\n", a, b, a / b }'
echo "1..$n"
[ "$failed" -eq 0 ] || exit 1
exit 0
