# tap.sh - what the checked-run scripts (tsan.t, asan.t, valgrind.t and
# the cross ones) share: TAP output and running one program under a
# watchdog with its output kept for the report.  Sourced, not run.

: "${ES_BUILD_DIR:?ES_BUILD_DIR must be set (run through make)}"
: "${ES_SRC_DIR:?ES_SRC_DIR must be set (run through make)}"

tap_n=0 tap_failed=0
tap_tmp=$(mktemp -d) || { echo "Bail out! mktemp failed"; exit 255; }
trap 'rm -rf "$tap_tmp"' EXIT

ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		echo "not ok $tap_n - $2" >&2
		tap_failed=1
	fi
}

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

done_testing() {
	echo "1..$tap_n"
	exit $tap_failed
}

need_file() {
	[ -e "$1" ] || { echo "Bail out! $1 is missing (build it with make $2)"; exit 255; }
}

# run SECONDS CMD...: run CMD with a watchdog; stdout and stderr go to
# $tap_tmp/out and $tap_tmp/err, the exit status to $rc (124 = hung).
run() {
	limit=$1
	shift
	timeout -k 5 "$((limit * ${ES_TEST_TIME_SCALE:-1}))" "$@" > "$tap_tmp/out" 2> "$tap_tmp/err"
	rc=$?
}

# The first lines of the last run's stderr, as TAP comments.
show_err() { head -n "${1:-40}" "$tap_tmp/err" | sed 's/^/#   /'; }
