# core.sh - run the core suite's programs on a cross flavour (aarch64
# under qemu, musl natively).  Sourced by aarch64.t and musl.t after
# tests/sanitizers/tap.sh; $runner is the command prefix ("" natively,
# "qemu-aarch64 -L ..." under emulation) and $preload the prefix that
# makes the library preloaded for it ($preload_only: the same without
# ES_PRELOAD_TRIED, for the semantics script, which prints environ).

# tap_program WHAT CMD...: CMD prints TAP; pass on exit 0 with no failure.
tap_program() {
	what=$1
	shift
	run 300 "$@"
	grep -q '^not ok' "$tap_tmp/out"; failed=$?
	count=$(grep -c '^ok' "$tap_tmp/out")
	[ "$rc" = 0 ] && [ "$failed" = 1 ] && [ "$count" -gt 0 ]
	ok $? "$what: $count checks passed (exit $rc)"
	[ "$rc" = 0 ] && [ "$failed" = 1 ] || {
		grep '^not ok\|^Bail' "$tap_tmp/out" | head -n 5 | sed 's/^/#   /'
		show_err 10
	}
}

core_programs() {
	C=$ES_BUILD_DIR/tests/core
	for f in "$C/semantics/script" "$C/index/index_fallback" "$C/api/linked" "$C/api/getenv_r" \
		"$C/api/linked_static" "$C/semantics/secure_static" \
		"$C/pointers/stable_pointers_valgrind" "$ES_BUILD_DIR/tests/faults/fault-ops"; do
		need_file "$f" "$1"
	done
	# ES_PRELOAD_TRIED: a program that finds the library missing bails out
	# instead of re-executing itself.
	tap_program "index fallback, preloaded" $preload "$C/index/index_fallback"
	tap_program "stable getenv pointers, preloaded" $preload "$C/pointers/stable_pointers_valgrind"
	tap_program "API, linked" $runner "$C/api/linked"
	tap_program "API, linked statically" $runner "$C/api/linked_static"
	tap_program "getenv_r, linked" $runner "$C/api/getenv_r"
	tap_program "every allocation failing in turn (fault injection)" $runner "$ES_BUILD_DIR/tests/faults/fault-ops"

	run 60 env ES_SECRET=hidden $runner "$C/semantics/secure_static"
	grep -qx 'secure_getenv_in_program=1' "$tap_tmp/out" && grep -qx 'secure_getenv=hidden' "$tap_tmp/out"
	ok $? "secure_getenv comes from the static library and returns the value (exit $rc)"

	run 60 env -i INIT1=x INIT2=y $preload_only "$C/semantics/script"
	cp "$tap_tmp/out" "$tap_tmp/script.envsafe"
	[ "$rc" = 0 ] && grep -qx end "$tap_tmp/script.envsafe"
	ok $? "semantics script runs to completion with libenvsafe (exit $rc)"
}

# same_output WHAT REFERENCE: the last semantics script output equals
# REFERENCE line for line.
same_output() {
	if diff -u "$2" "$tap_tmp/script.envsafe" > "$tap_tmp/diff"; then
		ok 0 "$1"
	else
		ok 1 "$1"
		head -n 40 "$tap_tmp/diff" | sed 's/^/#   /'
	fi
}
