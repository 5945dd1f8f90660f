#!/bin/sh
# `envsafe preload enable` and foreign architectures: with the library in
# the loader's $LIB directory the line uses $LIB, and an aarch64 program
# under qemu-user loads the aarch64 build, silently, while host programs
# load the host build.  Controls: without an aarch64 build, and with a
# fixed path, the aarch64 loader prints "cannot be preloaded".
# Runs in a private mount namespace over an overlay of /etc
# (tests/system/with-private-etc.sh); the real /etc/ld.so.preload is never
# written.  Run by `make check-preload-multiarch`, which builds the
# aarch64 library and the probes.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

[ "$(id -u)" -eq 0 ] || bail "preload_multiarch.t needs root for a private mount namespace"
command -v qemu-aarch64 >/dev/null || bail "qemu-aarch64 not found (Debian package qemu-user)"
SYSROOT=${ES_QEMU_SYSROOT:?ES_QEMU_SYSROOT is not set (run make check-preload-multiarch)}
A64=${ES_AARCH64_LIB:?ES_AARCH64_LIB is not set (run make check-preload-multiarch)}
HOST_PROBE=$ES_BUILD_DIR/tests/multiarch/maps-probe-host
A64_PROBE=$ES_BUILD_DIR/tests/multiarch/maps-probe-aarch64
for f in "$A64" "$HOST_PROBE" "$A64_PROBE" "$ES_BUILD_DIR/libenvsafe.so"; do
	[ -f "$f" ] || bail "$f is missing (run make check-preload-multiarch)"
done
host_triplet=$(${CC:-cc} -print-multiarch 2>/dev/null)
[ -n "$host_triplet" ] || bail "cannot tell the host's multiarch triplet (cc -print-multiarch)"

P=$TMP/prefix
mkdir -p "$P/lib/$host_triplet" "$P/lib/aarch64-linux-gnu" "$P/fixed" "$TMP/ns"
cp "$ES_BUILD_DIR/libenvsafe.so" "$P/lib/$host_triplet/libenvsafe.so"
cp "$ES_BUILD_DIR/libenvsafe.so" "$P/fixed/libenvsafe.so"
cp "$A64" "$P/lib/aarch64-linux-gnu/libenvsafe.so"
chmod -R a+rX "$TMP"

# shellcheck disable=SC2016 # expanded by the inner shell
capture "$ES_SRC_DIR/tests/system/with-private-etc.sh" "$TMP/ns" sh -c '
	E=$1 P=$2 T=$3 HOST=$4 A64=$5 SYSROOT=$6 TRIPLET=$7
	rm -f /etc/ld.so.preload
	"$E" preload enable --lib "$P/lib/$TRIPLET/libenvsafe.so" >"$T/enable.out" 2>&1 || exit 10
	cp /etc/ld.so.preload "$T/lib-token.line"
	"$HOST" >"$T/host.out" 2>"$T/host.err"
	qemu-aarch64 -L "$SYSROOT" "$A64" >"$T/a64.out" 2>"$T/a64.err"
	mv "$P/lib/aarch64-linux-gnu/libenvsafe.so" "$T/a64-build.so"
	qemu-aarch64 -L "$SYSROOT" "$A64" >"$T/a64-none.out" 2>"$T/a64-none.err"
	"$E" preload disable >/dev/null || exit 11
	"$E" preload enable --lib "$P/fixed/libenvsafe.so" >/dev/null 2>&1 || exit 12
	cp /etc/ld.so.preload "$T/fixed.line"
	mv "$T/a64-build.so" "$P/lib/aarch64-linux-gnu/libenvsafe.so"
	qemu-aarch64 -L "$SYSROOT" "$A64" >"$T/a64-fixed.out" 2>"$T/a64-fixed.err"
	exit 0' sh "$ENVSAFE" "$P" "$TMP" "$HOST_PROBE" "$A64_PROBE" "$SYSROOT" "$host_triplet"
is "the namespace ran every step (rc $rc: $err)" '[ $rc -eq 0 ]'
is "enable wrote the line with the loader's \$LIB token" \
	'[ "$(cat "$TMP/lib-token.line")" = "$P/\$LIB/libenvsafe.so" ]'
is "a host program loads the host build, silently" \
	'[ "$(cat "$TMP/host.out")" = "$P/lib/$host_triplet/libenvsafe.so" ] && [ ! -s "$TMP/host.err" ]'
is "an aarch64 program under qemu-user loads the aarch64 build, silently ($(cat "$TMP/a64.err"))" \
	'[ "$(cat "$TMP/a64.out")" = "$P/lib/aarch64-linux-gnu/libenvsafe.so" ] && [ ! -s "$TMP/a64.err" ]'
is "control: with no aarch64 build, the aarch64 loader says it cannot preload (documented)" \
	'[ ! -s "$TMP/a64-none.out" ] && grep -q "cannot be preloaded" "$TMP/a64-none.err"'
is "control: a fixed path is written as is when the library is not in \$LIB" \
	'[ "$(cat "$TMP/fixed.line")" = "$P/fixed/libenvsafe.so" ]'
is "control: with a fixed path, the aarch64 loader complains even with its build installed" \
	'[ ! -s "$TMP/a64-fixed.out" ] && grep -q "cannot be preloaded" "$TMP/a64-fixed.err"'
is "enable noted the aarch64 loader" 'grep -q "^note: aarch64 programs" "$TMP/enable.out"'
is "the real /etc/ld.so.preload was not created or changed" \
	'[ ! -e /etc/ld.so.preload ] || ! grep -q "$P" /etc/ld.so.preload'

done_testing
