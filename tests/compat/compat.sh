# compat.sh - shared TAP harness for the real-runtime tests in tests/compat.
#
# Sourced by the *.t scripts.  Every runtime test runs one program twice:
# on stock libc, in a child under a watchdog, where a crash (or a wrong
# result) is the expected outcome, and under `envsafe run`, where it must
# exit 0 with the expected output.  A stock run that happens to survive is
# retried; if it never fails the result is a TAP TODO with a diagnostic,
# so a lucky stock run is visible instead of a silent pass.

: "${ES_BUILD_DIR:?ES_BUILD_DIR must name the build directory}"
: "${ES_SRC_DIR:?ES_SRC_DIR must name the source tree}"

COMPAT_DIR=$ES_SRC_DIR/tests/compat
# Runs a command on the stock C library, even where /etc/ld.so.preload
# loads envsafe everywhere (or says why it cannot, and exits 125).
COMPAT_STOCK_RUN=$ES_SRC_DIR/tests/stock-run
. "$ES_SRC_DIR/tests/glibc_version.sh"
ENVSAFE=$ES_BUILD_DIR/envsafe
# How often a surviving stock run is repeated before it is reported.
COMPAT_STOCK_ATTEMPTS=${COMPAT_STOCK_ATTEMPTS:-3}
# A program that outlives this many seconds is hung; the watchdog kills it.
# ES_TEST_TIME_SCALE stretches it (and every other deadline of the tests).
COMPAT_WATCHDOG=${COMPAT_WATCHDOG:-$((60 * ${ES_TEST_TIME_SCALE:-1}))}

compat_count=0
compat_failed=0
compat_tmp=$(mktemp -d "${TMPDIR:-/tmp}/envsafe-compat.XXXXXX") || exit 255
trap 'rm -rf "$compat_tmp"' EXIT
# Stock runs are expected to crash; their core files are noise.
ulimit -c 0

compat_bail() {
	echo "Bail out! $*"
	echo "Bail out! $*" >&2
	exit 255
}

# compat_diag TEXT: TAP comments; after a failing check, on stderr too.
compat_diag() {
	local line
	while IFS= read -r line; do
		echo "# $line"
		[ "${compat_last_failed:-0}" = 0 ] || echo "# $line" >&2
	done <<<"$*"
}

# compat_ok STATUS DESCRIPTION: STATUS 0 is a pass.
compat_ok() {
	compat_count=$((compat_count + 1))
	compat_last_failed=$(( $1 != 0 ))
	if [ "$1" -eq 0 ]; then
		echo "ok $compat_count - $2"
	else
		echo "not ok $compat_count - $2"
		compat_failed=$((compat_failed + 1))
		# prove shows stderr without -v: the reason, not only "Dubious".
		echo "not ok $compat_count - $2" >&2
	fi
}

compat_todo() {
	compat_count=$((compat_count + 1))
	echo "not ok $compat_count - $1 # TODO $2"
}

compat_done() {
	echo "1..$compat_count"
	[ "$compat_failed" -eq 0 ]
	exit $?
}

# compat_need_tool NAME PACKAGE: a missing prerequisite stops the test loudly.
compat_need_tool() {
	command -v "$1" >/dev/null 2>&1 ||
		compat_bail "$1 not found on PATH (Debian package $2)"
}

compat_need_envsafe() {
	[ -x "$ENVSAFE" ] || compat_bail "$ENVSAFE is missing: run make first"
	[ -r "$ES_BUILD_DIR/libenvsafe.so" ] ||
		compat_bail "$ES_BUILD_DIR/libenvsafe.so is missing: run make first"
}

# compat_describe_status RC: a wait status as a person would say it.
compat_describe_status() {
	local rc=$1
	if [ "$rc" -eq 124 ]; then
		echo "hung and was stopped by the ${COMPAT_WATCHDOG}s watchdog"
	elif [ "$rc" -eq 137 ]; then
		echo "died of SIGKILL (the watchdog's last resort, or the OOM killer)"
	elif [ "$rc" -gt 128 ]; then
		echo "died of SIG$(kill -l $((rc - 128)))"
	else
		echo "exited with status $rc"
	fi
}

# compat_run OUT CMD...: run CMD under the watchdog, stdout to OUT.out and
# stderr to OUT.err; returns its status (128+N for signal N).
compat_run() {
	local out=$1
	shift
	# The subshell keeps bash's "Segmentation fault" job notice out of
	# the TAP stream; the explicit exit stops it from exec'ing timeout.
	(
		timeout -k 5 "$COMPAT_WATCHDOG" "$@" >"$out.out" 2>"$out.err" </dev/null
		exit $?
	) 2>/dev/null
}

# compat_stock NAME CHECK CMD...: run CMD on stock libc until it fails, at
# most COMPAT_STOCK_ATTEMPTS times.  CHECK is a function that is given the
# output file prefix and returns 0 when the output is right; a run that
# exits 0 with wrong output counts as misbehaviour.  CHECK's second
# argument says whether libenvsafe should have been mapped ("yes"/"no").
compat_stock() {
	local name=$1 check=$2 attempt rc out what
	shift 2
	# glibc 2.41+ no longer frees environ under readers: these races are
	# then no evidence either way, and the stock run is only shown
	# (tests/stress/stress.t asserts what stock 2.41+ still gets wrong).
	if [ "$STOCK_FREES_ENVIRON" = 0 ]; then
		out=$compat_tmp/stock-1
		compat_run "$out" "$COMPAT_STOCK_RUN" "$@"
		rc=$?
		what=$(compat_describe_status "$rc")
		[ "$rc" -eq 0 ] && ! "$check" "$out" no && what="misbehaved (exit 0, wrong output)"
		compat_diag "glibc >= 2.41: stock $name $what (shown only: this glibc no longer frees environ)"
		return 0
	fi
	for attempt in $(seq 1 "$COMPAT_STOCK_ATTEMPTS"); do
		out=$compat_tmp/stock-$attempt
		compat_run "$out" "$COMPAT_STOCK_RUN" "$@"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			what=$(compat_describe_status "$rc")
		elif ! "$check" "$out" no; then
			what="misbehaved (exit 0, wrong output)"
		else
			continue
		fi
		compat_ok 0 "stock: $name $what (attempt $attempt of $COMPAT_STOCK_ATTEMPTS)"
		[ -s "$out.err" ] && compat_diag "$(tail -n 3 "$out.err")"
		return 0
	done
	compat_todo "stock: $name failed" "survived $COMPAT_STOCK_ATTEMPTS attempts on stock libc"
	compat_diag "the race did not strike this time; its output was:" "$(tail -n 3 "$out.out")"
	return 1
}

# compat_protected NAME CHECK CMD...: CMD under `envsafe run` must exit 0
# and pass CHECK.
compat_protected() {
	local name=$1 check=$2 rc out=$compat_tmp/protected start end
	shift 2
	start=$(date +%s.%N)
	compat_run "$out" "$ENVSAFE" run -- "$@"
	rc=$?
	end=$(date +%s.%N)
	compat_ok "$rc" "envsafe run: $name exits 0"
	if [ "$rc" -ne 0 ]; then
		compat_diag "it $(compat_describe_status "$rc")" "$(tail -n 5 "$out.err")"
	fi
	"$check" "$out" yes
	rc=$?
	compat_ok "$rc" "envsafe run: $name output is right"
	[ "$rc" -eq 0 ] || compat_diag "output:" "$(tail -n 5 "$out.out")"
	compat_diag "$name: $(grep -E '^[a-z_]+=' "$out.out" | tr '\n' ' ')"
	compat_diag "$(awk -v n="$name" -v s="$start" -v e="$end" 'BEGIN { printf "envsafe run: %s took %.1f s", n, e - s }')"
}

# compat_limitation NAME REASON CMD...: CMD is known to fail under
# `envsafe run` for REASON, which the library cannot change.  It is run
# anyway so the output keeps showing what happens, as a TAP TODO either
# way (a pass only means the race did not strike).
compat_limitation() {
	local name=$1 reason=$2 rc out=$compat_tmp/limitation
	shift 2
	compat_run "$out" "$ENVSAFE" run -- "$@"
	rc=$?
	compat_count=$((compat_count + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $compat_count - envsafe run: $name survived this time # TODO $reason"
	else
		echo "not ok $compat_count - envsafe run: $name $(compat_describe_status "$rc") # TODO $reason"
	fi
}

# compat_mapped OUT: the program reported (on a line "libenvsafe=yes|no")
# whether libenvsafe.so was mapped into it.
compat_mapped() {
	grep -qx "libenvsafe=$2" "$1.out"
}
