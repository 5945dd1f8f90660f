#!/bin/sh
# AddressSanitizer programs on a machine whose /etc/ld.so.preload loads
# libenvsafe (a private mount namespace, tests/system/with-private-etc.sh):
# by default they refuse to start ("ASan runtime does not come first");
# with ASAN_OPTIONS=verify_asan_link_order=0, the workaround the README's
# Deploy section gives, they run, and with leak detection on they must
# report nothing.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

[ "$(id -u)" -eq 0 ] || bail "preload_asan.t needs root for a private mount namespace"
PROG=$FIXTURES/deploy-asan-env
[ -x "$PROG" ] || bail "$PROG is missing (run make first)"
unset LD_PRELOAD ASAN_OPTIONS

# When the library is already preloaded system-wide, the control runs
# with an empty /etc/ld.so.preload.
if sh -c 'grep -q "/libenvsafe\.so" /proc/$$/maps'; then
	# shellcheck disable=SC2016 # expanded by the inner shell
	capture unshare -m sh -c 'mount --make-rprivate / && mount --bind /dev/null /etc/ld.so.preload && exec "$1"' sh "$PROG"
else
	capture "$PROG"
fi
is "control: the ASan program runs clean without any preload (rc $rc)" '[ $rc -eq 0 ] && [ -z "$err" ]'

mkdir "$TMP/ns"
# shellcheck disable=SC2016 # expanded by the inner shell
capture "$ES_SRC_DIR/tests/system/with-private-etc.sh" "$TMP/ns" sh -c '
	rm -f /etc/ld.so.preload
	"$1" preload enable >/dev/null || exit 10
	"$2" 2>"$3/default.err"; echo "default: $?"
	ASAN_OPTIONS=verify_asan_link_order=0 "$2" 2>"$3/workaround.err"; echo "workaround: $?"
	grep -c /libenvsafe.so /proc/self/maps | sed "s/^/mapped: /"' sh "$ENVSAFE" "$PROG" "$TMP"
is "the namespace was set up and the library enabled (rc $rc: $err)" '[ $rc -eq 0 ]'
is "by default ASan refuses to start under /etc/ld.so.preload" \
	'contains "$out" "default: 1" && grep -q "ASan runtime does not come first" "$TMP/default.err"'
is "with verify_asan_link_order=0 the program starts and does its work" \
	'! grep -q "does not come first" "$TMP/workaround.err" && ! grep -q "ERROR: AddressSanitizer" "$TMP/workaround.err"'
# The library keeps every block it allocates reachable from its start
# (tests/leaks/leaks.t), so LeakSanitizer at its defaults reports nothing.
leaks=$(grep -c "LeakSanitizer" "$TMP/workaround.err")
is "... and exits 0 with LeakSanitizer on, reporting nothing ($leaks reports)" \
	'contains "$out" "workaround: 0" && [ "$leaks" -eq 0 ]'
[ "$leaks" -eq 0 ] || diag "$(head -n 8 "$TMP/workaround.err")"

done_testing
