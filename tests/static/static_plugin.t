#!/bin/sh
# libenvsafe.a protects everything it is linked into: a program that calls
# only setenv, linked with the archive, exports all six functions, and a
# plugin churning putenv/unsetenv under strerror readers survives.  The
# controls (the same program with a one-object-per-file archive, and with
# libc alone) crash on a C library that frees environ under readers, which
# shows the test can fail.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"
. "${ES_SRC_DIR:-.}/tests/glibc_version.sh"

T=$ES_BUILD_DIR/tests/static
for f in static_plugin static_plugin_split static_plugin_stock libplugin.so; do
	[ -e "$T/$f" ] || bail "$T/$f is missing (run make)"
done
command -v nm >/dev/null || bail "nm is required (Debian package binutils)"
unset LD_PRELOAD ENVSAFE_STRICT ENVSAFE_TRACE

exported=$(nm -D --defined-only "$T/static_plugin" | awk '{ print $3 }' |
	grep -E '^(getenv|secure_getenv|setenv|unsetenv|putenv|clearenv)$' | sort | tr '\n' ' ')
is "all six functions are exported by a program that references only setenv (got '$exported')" \
	'[ "$exported" = "clearenv getenv putenv secure_getenv setenv unsetenv " ]'

# run PROGRAM: one 1-second churn in a child; sets rc.
# Through tests/stock-run: on a machine that preloads envsafe system-wide,
# the preloaded copy would protect the controls and hide what the archive
# alone does.
run() {
	capture "$ES_SRC_DIR/tests/stock-run" "$T/$1" "$T/libplugin.so" 1
}

survived=0
for i in 1 2 3 4 5; do
	run static_plugin
	[ $rc -eq 0 ] && survived=$((survived + 1))
	[ $rc -eq 0 ] || diag "run $i: exit $rc: $err"
done
is "linked with libenvsafe.a: the plugin's churn under strerror readers survives 5 of 5 runs ($survived)" \
	'[ $survived -eq 5 ]'

# control PROGRAM: runs it up to 10 times, stopping at the first crash;
# sets crashes (0 or 1) and last.
control() {
	crashes=0 last=
	for i in 1 2 3 4 5 6 7 8 9 10; do
		run "$1"
		last="exit $rc"
		if [ $rc -gt 128 ] && [ $rc -ne 137 ]; then crashes=1; last="signal $((rc - 128)) in run $i"; break; fi
		[ $rc -eq 0 ] || break
	done
}
for prog in static_plugin_split static_plugin_stock; do
	control $prog
	if [ "$STOCK_FREES_ENVIRON" = 1 ]; then
		is "control $prog: the readers crash ($last)" '[ $crashes -eq 1 ]'
	else
		# glibc >= 2.41 no longer frees environ under readers: the control
		# must still run the churn to its end, and is not evidence.
		is "control $prog on glibc >= 2.41: runs the churn ($last)" '[ $crashes -eq 1 ] || [ $rc -eq 0 ]'
	fi
done

done_testing
