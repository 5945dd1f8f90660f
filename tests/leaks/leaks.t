#!/bin/sh
# Leak checkers stay clean with the library preloaded: every block the
# library keeps (views and index tables it replaced, name entries,
# interned strings) is reachable through a pointer to its start.  The
# workload writes the environment every way there is (workload.c).
#
#   valgrind --leak-check=full: 0 bytes definitely and possibly lost;
#   clang -fsanitize=address, default options (LeakSanitizer on): exit 0;
#   gcc -fsanitize=leak: exit 0.
#
# Controls: each checker passes the same program on stock libc, and
# reports the deliberate leak of --leak, so a pass is not a checker that
# looks at nothing.
set -u
. "$ES_SRC_DIR/tests/sanitizers/tap.sh"

command -v valgrind > /dev/null || { echo "Bail out! valgrind is missing (apt-get install valgrind)"; exit 255; }
lib=$ES_BUILD_DIR/libenvsafe.so
L=$ES_BUILD_DIR/tests/leaks
for f in "$lib" "$L/workload" "$L/workload_asan" "$L/workload_lsan"; do need_file "$f" all; done
# Only the default options: whatever the caller's environment says.
unset ASAN_OPTIONS LSAN_OPTIONS

# under PROVIDER CMD...: run CMD on stock libc or with the library preloaded.
under() {
	provider=$1
	shift
	if [ "$provider" = libenvsafe ]; then
		run 300 env LD_PRELOAD="$lib" "$@"
	else
		# Truly stock, even where /etc/ld.so.preload loads a library.
		run 300 "$ES_SRC_DIR/tests/stock-run" "$@"
	fi
	grep -q "^provider=$provider\$" "$tap_tmp/out" || { rc=-1; echo "# did not run on $provider"; }
}

# valgrind's summary line "<kind> lost: N bytes", as N (absent: 0).
lost() {
	n=$(sed -n "s/.*$1 lost: \([0-9,]*\) bytes.*/\1/p" "$tap_tmp/vg" | tr -d ,)
	echo "${n:-0}"
}

for provider in libc libenvsafe; do
	# valgrind: CMD's exit code goes through unless memcheck finds errors.
	under "$provider" valgrind --leak-check=full --errors-for-leak-kinds=definite,possible \
		--error-exitcode=99 --log-file="$tap_tmp/vg" "$L/workload"
	definite=$(lost definitely) possible=$(lost possibly)
	[ "$rc" = 0 ] && [ "$definite" = 0 ] && [ "$possible" = 0 ]
	ok $? "valgrind, $provider: exit $rc, $definite bytes definitely and $possible possibly lost"
	[ "$rc" = 0 ] && [ "$definite" = 0 ] && [ "$possible" = 0 ] || grep -A8 'lost in loss' "$tap_tmp/vg" | head -n 40 | sed 's/^/#   /'

	for checker in asan lsan; do
		under "$provider" "$L/workload_$checker"
		[ "$rc" = 0 ] && ! grep -q 'LeakSanitizer' "$tap_tmp/err"
		ok $? "$checker (default options), $provider: exit $rc"
		[ "$rc" = 0 ] || show_err 30
	done
done

# The checkers do look: a dropped block is reported.
under libenvsafe valgrind --leak-check=full --errors-for-leak-kinds=definite,possible \
	--error-exitcode=99 --log-file="$tap_tmp/vg" "$L/workload" --leak
[ "$rc" = 99 ] && [ "$(lost definitely)" -ge 40000 ]
ok $? "valgrind reports the workload's deliberate leak (exit $rc)"
for checker in asan lsan; do
	under libenvsafe "$L/workload_$checker" --leak
	[ "$rc" != 0 ] && grep -q 'LeakSanitizer: detected memory leaks' "$tap_tmp/err"
	ok $? "$checker reports the workload's deliberate leak (exit $rc)"
done

done_testing
