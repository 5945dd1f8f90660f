# TAP helpers for the CLI shell tests (sourced, not run).
tap_n=0
tap_failed=0

# ok STATUS DESCRIPTION: STATUS 0 passes.
ok() {
	tap_n=$((tap_n + 1))
	# A description is one TAP line, whatever output it quotes.
	tap_line=$(printf '%s' "$2" | tr '\n' ' ' | cut -c1-300)
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $tap_line"
	else
		echo "not ok $tap_n - $tap_line"
		# prove shows stderr without -v: the reason, not only "Dubious".
		echo "not ok $tap_n - $tap_line" >&2
		tap_failed=$((tap_failed + 1))
	fi
	tap_last_failed=$(( $1 != 0 ))
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	tap_desc=$1
	shift
	if "$@"; then ok 0 "$tap_desc"; else ok 1 "$tap_desc"; fi
}

# diag LINE...: TAP comments; after a failing check, on stderr too.
diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
	[ "${tap_last_failed:-0}" = 0 ] || printf '%s\n' "$@" | sed 's/^/# /' >&2
}

bail() {
	echo "Bail out! $*"
	echo "Bail out! $*" >&2
	exit 255
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ] && return 0
	echo "$tap_failed of $tap_n checks failed (see \"not ok\" above)" >&2
	return 1
}

# scaled SECONDS: a deadline stretched by ES_TEST_TIME_SCALE (an integer,
# default 1), the one factor for every watchdog of the tests.  Deadlines
# only turn a hang into a failure; nothing must finish within them.
scaled() {
	echo $(( $1 * ${ES_TEST_TIME_SCALE:-1} ))
}

# contains HAYSTACK NEEDLE
contains() {
	case $1 in *"$2"*) return 0 ;; esac
	return 1
}

[ -n "$ES_BUILD_DIR" ] || bail "ES_BUILD_DIR is not set (run through make check)"
ENVSAFE=$ES_BUILD_DIR/envsafe
# Control runs on the stock C library, even where /etc/ld.so.preload loads
# envsafe everywhere (tests/stock-run says why when it cannot, exit 125).
STOCK_RUN=${ES_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/stock-run
FIXTURES=$ES_BUILD_DIR/tests/cli
[ -x "$ENVSAFE" ] || bail "$ENVSAFE is missing (run make first)"
command -v timeout >/dev/null || bail "timeout(1) is required"
TMP=$(mktemp -d) || bail "mktemp failed"
trap 'rm -rf "$TMP"' EXIT

# capture COMMAND...: runs it under a watchdog; sets rc, out, err and
# err_lines (stdout and stderr also stay in $TMP/out and $TMP/err).
capture() {
	timeout -s KILL "$(scaled 60)" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
	err_lines=$(wc -l <"$TMP/err")
}

# is DESCRIPTION EXPRESSION: passes when the shell EXPRESSION (evaluated
# here, so it sees rc, out, err...) succeeds.
is() {
	if eval "$2"; then ok 0 "$1"; else ok 1 "$1"; fi
}
