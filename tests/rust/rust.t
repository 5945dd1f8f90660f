#!/bin/bash
# The Rust crate (bindings/rust): `cargo test --offline`, whose tests build
# programs that depend on the crate and run them in child processes (the
# blog's race, a putenv/unsetenv plugin, nm -D, the preloaded library
# alongside, the crate in a shared library, a 2024-edition dependent), then
# `envsafe trace` of a fixture and the crate's example.  Each Rust test becomes one TAP line; crash counts
# are printed as diagnostics.
#
# It runs with the cargo on PATH and, when Debian's cargo and rustc are
# also installed and are another version (a rustup toolchain first on
# PATH), again with those, so that both the oldest supported compiler
# (Debian 12's rustc 1.63) and the current one are tested.
. "$ES_SRC_DIR/tests/cli/tap.sh"

crate=$ES_SRC_DIR/bindings/rust
out=$ES_BUILD_DIR/rust
mkdir -p "$out" || bail "cannot create $out"
# The crate is the protection under test, and its controls must crash:
# cargo runs on the stock C library even on a machine that preloads
# envsafe system-wide (tests/stock-run; the tests preload the library
# themselves, through ENVSAFE_PRELOAD_LIBRARY, where they mean to).
stock_run=$ES_SRC_DIR/tests/stock-run
# Tests preload the library built by make, not one of their own.
export ENVSAFE_PRELOAD_LIBRARY=$ES_BUILD_DIR/libenvsafe.so
[ -f "$ENVSAFE_PRELOAD_LIBRARY" ] || bail "$ENVSAFE_PRELOAD_LIBRARY is missing: run make first"
command -v cargo >/dev/null && command -v rustc >/dev/null ||
	bail "cargo and rustc are needed (Debian packages cargo and rustc)"

# run_crate LABEL PATH: the crate's tests and example with the cargo and
# rustc found on PATH, building into $out/LABEL.
run_crate() {
	local label=$1 path=$2 log=$out/$1.log version rc line name result skipped_2024=no
	version=$(PATH=$path cargo --version 2>&1)
	diag "$label toolchain: $version, $(PATH=$path rustc --version 2>&1)"
	(cd "$crate" && PATH=$path CARGO_TARGET_DIR=$out/$label \
		"$stock_run" cargo test --offline -- --nocapture --test-threads=2) >"$log" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"test edition_2024_dependent ... ok")
			# Reported as a skip below when the fixture was not built.
			[ "$skipped_2024" = yes ] || ok 0 "$label: edition_2024_dependent" ;;
		"test "*" ... ok")
			name=${line#test }
			ok 0 "$label: ${name% ... ok}" ;;
		"test "*" ... FAILED" | "test "*" ... ignored")
			name=${line#test }
			result=${name##* ... }
			ok 1 "$label: ${name% ... *} ($result)" ;;
		*"crashed in "*)
			diag "$label: $line" ;;
		"edition 2024 not tested: "*)
			# An old cargo cannot build the 2024 fixture; say so.
			skipped_2024=yes
			tap_n=$((tap_n + 1))
			echo "ok $tap_n # SKIP $label: $line" ;;
		esac
	done <"$log"
	ok "$rc" "$label: cargo test --offline exited $rc (log: $log)"
	[ "$rc" -eq 0 ] || diag "$(tail -n 30 "$log")"

	# envsafe trace preloads the library into a binary that has the
	# crate's copy too: each write must be recorded once, by the owner.
	local race=$out/$label/envsafe-fixtures/protected/release/race trace
	trace=$(timeout -s KILL 120 "$ES_BUILD_DIR/envsafe" trace -- "$race" once 2>&1)
	contains "$trace" "envsafe trace summary: 1 event in 1 process" &&
		contains "$trace" "[setenv SSL_CERT_FILE]"
	rc=$?
	ok "$rc" "$label: envsafe trace of the crate's race fixture records its one write once"
	[ "$rc" -eq 0 ] || diag "$trace"

	# The example reproduces the seed incident in a child on libc's
	# setenv, then survives it with envsafe.
	(cd "$crate" && PATH=$path CARGO_TARGET_DIR=$out/$label \
		"$stock_run" cargo run --offline --quiet --example openssl_probe_race) >"$log.example" 2>&1
	rc=$?
	diag "$(sed "s/^/$label example: /" "$log.example")"
	check "$label: example openssl_probe_race survives with envsafe" \
		grep -q '^std::env::set_var + envsafe *survived' "$log.example"
	ok "$rc" "$label: example exited $rc"
	if [ "$(stock_crashes)" = yes ]; then
		check "$label: example crashes on libc's setenv" \
			grep -q "^libc's setenv (no envsafe) *crashed with signal" "$log.example"
	fi
}

# Stock glibc before 2.41 frees environ under its readers.
stock_crashes() {
	local v
	v=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
	case $v in
	2.[0-9] | 2.[0-3][0-9] | 2.40) echo yes ;;
	*) echo no ;;
	esac
}

run_crate default "$PATH"
debian=/usr/sbin:/usr/bin:/sbin:/bin
if [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] &&
	[ "$(cargo --version)" != "$(PATH=$debian cargo --version)" ]; then
	run_crate debian "$debian"
fi
done_testing
