#!/bin/sh
# check-valgrind: memcheck over the semantics and API tests, with the
# library preloaded into programs linked against libc only, or linked
# (dynamically or statically).  Any invalid read or write, use of
# uninitialised memory or bad free fails the run.  Leaks are checked by
# tests/leaks/leaks.t, on a workload that frees what it allocates.
set -u
. "$ES_SRC_DIR/tests/sanitizers/tap.sh"

command -v valgrind > /dev/null || { echo "Bail out! valgrind is missing"; exit 255; }
lib=$ES_BUILD_DIR/libenvsafe.so
C=$ES_BUILD_DIR/tests/core
S=$ES_BUILD_DIR/tests/sanitizers
need_file "$lib" check-valgrind
need_file "$S/canary" check-valgrind

# --fair-sched: memcheck runs one thread at a time, and its default lock
# lets a busy thread starve the others (a writer that never runs fails the
# snapshot test's progress check).
# --run-libc-freeres=no: race forks while another thread is inside glibc's
# tzset, between its free and strdup of the saved TZ; the child's exit-time
# libc cleanup then frees that stale pointer again.  That is libc's state
# in a forked child, not the library's.
# vg WHAT PRELOAD CMD...: memcheck CMD (with libenvsafe preloaded when
# PRELOAD is "preload"); passes when CMD exits 0 and memcheck found nothing.
vg() {
	what=$1 mode=$2
	shift 2
	need_file "$1" check-valgrind
	set -- valgrind -q --fair-sched=yes --run-libc-freeres=no --error-exitcode=99 --log-file="$tap_tmp/vg" "$@"
	if [ "$mode" = preload ]; then
		# ES_PRELOAD_TRIED: should the library not load, the harness
		# bails out instead of re-executing itself outside valgrind.
		run 300 env LD_PRELOAD="$lib" ES_PRELOAD_TRIED=1 "$@"
	else
		run 300 "$@"
	fi
	errors=$(grep -cE 'Invalid (read|write|free)|uninitialised|Mismatched free|Source and destination overlap' "$tap_tmp/vg")
	[ "$rc" = 0 ] && [ "$errors" = 0 ]
	ok $? "$what: exit $rc, $errors memcheck errors"
	if [ "$rc" != 0 ] || [ "$errors" != 0 ]; then
		head -n 40 "$tap_tmp/vg" | sed 's/^/#   /'
		grep '^not ok' "$tap_tmp/out" | head -n 5 | sed 's/^/#   /'
		show_err 10
	fi
}

# The library is what valgrind runs: preloaded under memcheck, the
# program sees libenvsafe.
run 120 env LD_PRELOAD="$lib" valgrind -q "$C/semantics/script" --probe
[ "$rc" = 0 ] && grep -qE '^[0-9]+\.[0-9]+\.[0-9]+$' "$tap_tmp/out"
ok $? "libenvsafe is loaded into the program under memcheck ($(cat "$tap_tmp/out"))"

# The checker works: a use after free is an error.
run 120 valgrind -q --error-exitcode=99 --log-file="$tap_tmp/vg" "$S/canary" use-after-free
grep -q 'Invalid read' "$tap_tmp/vg" && [ "$rc" = 99 ]
ok $? "canary: memcheck reports a use after free (exit $rc)"

vg "semantics script, preloaded" preload "$C/semantics/script"
vg "index fallback, preloaded" preload "$C/index/index_fallback"
vg "names read a word at a time, preloaded" preload "$C/index/name_edges"
vg "startup (constructors before the library's), preloaded" preload "$C/startup/early_main"
vg "API, linked" linked "$C/api/linked"
vg "API, linked statically" linked "$C/api/linked_static"
vg "getenv_r, linked" linked "$C/api/getenv_r"
vg "snapshots, linked" linked "$C/api/snapshot"
vg "signal handlers interrupting writers, linked" linked "$C/signal/signal_getenv"
vg "race (every reader against every writer), static" linked "$S/race" 1

done_testing
