#!/bin/sh
# Exhaustive interleaving check of the environ publication protocol
# (tests/model/publish.pml) with Spin: the protocol must pass, and each
# deliberately broken variant must be caught by the property it breaks.
# ES_MODEL_FULL=1 (make check-model) runs every variant, about 25 s of CPU.
set -u
src="${ES_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/model/publish.pml"
command -v spin >/dev/null 2>&1 || { echo "Bail out! spin is not installed (Debian package: spin)"; exit 255; }
cc="${CC:-cc}"
command -v "$cc" >/dev/null 2>&1 || cc=gcc
work=$(mktemp -d) || { echo "Bail out! mktemp failed"; exit 255; }
trap 'rm -rf "$work"' EXIT INT TERM
n=0
failed=0

# verify NAME DEFINES -> leaves pan's output in $work/out.  pan's search is
# finite (seconds of CPU); its watchdog only catches a hang and leaves room
# for a machine busy enough to make those seconds minutes.
verify() {
	(cd "$work" && rm -f pan pan.c pan.* *.trail && cp "$src" model.pml &&
		spin $2 -a model.pml >spin.log 2>&1 &&
		$cc -O0 -w -DSAFETY -o pan pan.c >cc.log 2>&1 &&
		timeout $((600 * ${ES_TEST_TIME_SCALE:-1})) ./pan -m100000 >out 2>&1)
	status=$?
	if [ ! -s "$work/out" ]; then
		echo "Bail out! could not build or run the verifier for $1 (status $status)"
		cat "$work/spin.log" "$work/cc.log" 2>/dev/null | sed 's/^/# /'
		exit 255
	fi
}

errors() { sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$work/out" | head -n 1; }
states() { sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$work/out" | head -n 1; }
depth_ok() { ! grep -q "max search depth too small" "$work/out"; }

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; echo "not ok $n - $2" >&2; failed=$((failed + 1)); fi
}

expect_pass() {
	verify "$1" "$2"
	e=$(errors); s=$(states)
	t=$(sed -n 's/^pan: elapsed time \([0-9.e+-]*\).*/\1/p' "$work/out" | head -n 1)
	[ "$e" = 0 ] && depth_ok; r=$?
	ok $r "$1: exhaustive, ${e:-?} errors ($s states stored, search ${t:-?} s)"
	[ $r = 0 ] || sed 's/^/# /' "$work/out"
}

expect_caught() {
	verify "$1" "$2"
	e=$(errors)
	grep -q "assertion violated.*$3" "$work/out"; r=$?
	[ "${e:-0}" -ge 1 ] || r=1
	ok $r "$1 is caught: $(grep -m1 'assertion violated' "$work/out" | sed 's/^pan:1: //')"
}

expect_pass "SC: protocol, acquire walker and envsafe getenv, one or two writer operations" ""
expect_pass "RA: protocol, acquire walker and envsafe getenv, one or two writer operations" "-DRA"
expect_pass "RA: protocol, plain walker (dependency-ordered environ load), one writer operation" "-DRA -DPLAIN_WALKER -DSINGLE_OP"
# `make check` stops here; `make check-model` (ES_MODEL_FULL=1, CI) runs
# every mutant and the known limitation too.
if [ "${ES_MODEL_FULL:-0}" != 1 ]; then
	expect_caught "SC mutant: unset fills the hole with the last entry (R2)" "-DMUTANT_MOVE_LAST" "found"
	echo "# the other mutants run in make check-model"
	echo "1..$n"
	[ $failed = 0 ]
	exit
fi

# Each broken variant must be caught (under RA, which also explores every
# sequentially consistent execution; the first one under SC as well, for
# its shorter counterexample).
expect_caught "SC mutant: unset fills the hole with the last entry (R2)" "-DMUTANT_MOVE_LAST" "found"
expect_caught "RA mutant: unset fills the hole with the last entry (R2)" "-DRA -DMUTANT_MOVE_LAST" "found"
expect_caught "RA mutant: unset of a middle entry drops the front entry (R2)" "-DRA -DMUTANT_NO_MOVE" "found"
expect_caught "RA mutant: add publishes environ before the slot (R2)" "-DRA -DMUTANT_ENVIRON_FIRST" "found"
expect_caught "RA mutant: growth frees the old buffer (R1)" "-DRA -DMUTANT_FREE_OLD" "freed"
expect_caught "RA mutant: overwrite rewrites the published string (R4)" "-DRA -DMUTANT_IN_PLACE" "said"
# Weak memory is really modelled: a relaxed publication passes under SC
# and must be caught under release/acquire.
expect_pass "SC is blind to a relaxed publication of environ (expected)" "-DMUTANT_RELAXED_PUBLISH"
expect_caught "RA mutant: add publishes environ with a relaxed store (R2)" "-DRA -DMUTANT_RELAXED_PUBLISH" "found"

# Known limitation (docs/VERIFICATION.md, docs/DESIGN.md 5.4): a plain
# walker, whose slot loads are not ordered with each other (libc's getenv
# on aarch64), can miss the front entry when an unset of a middle entry
# is followed by an add that reuses the old front slot during its walk.
# Reported as TODO until the protocol changes.
verify "plain walker, two operations" "-DRA -DPLAIN_WALKER"
e=$(errors)
n=$((n + 1))
if [ "${e:-0}" = 0 ]; then
	echo "ok $n - RA: plain walker, unset-middle then add: no miss # TODO fixed? update docs/VERIFICATION.md"
else
	echo "not ok $n - RA: plain walker, unset-middle then add: false miss # TODO known protocol limitation on weak memory"
fi

echo "1..$n"
[ $failed = 0 ]
