#!/bin/sh
# envsafe scan on hostile input: files that name devices and FIFOs, a file
# cut short while it is read, and small files built to make the scan do
# unbounded work (tests/cli/scan_hostile_elf.py writes them).
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

PY=$(command -v python3) || bail "python3 is required"
command -v strace >/dev/null || bail "strace is required (Debian package strace)"
GEN="$ES_SRC_DIR/tests/cli/scan_hostile_elf.py"
SHIM=$FIXTURES/libscantruncate.so
for f in "$SHIM" "$FIXTURES/scan-main" "$FIXTURES/libscanclean.so"; do
	[ -f "$f" ] || bail "$f is missing (run make first)"
done
unset LD_LIBRARY_PATH

# ---- never open a device, FIFO or socket ------------------------------
# DT_NEEDED /dev/full, DT_NEEDED zero with DT_RPATH /dev, DT_NEEDED of a
# FIFO, and, on the command line, the FIFO and a link to a device.  Every
# open(2) is traced: none may name any of them (stat(2) is fine).
mkfifo "$TMP/fifo" || bail "mkfifo failed"
ln -s /dev/full "$TMP/link-to-device"
"$PY" "$GEN" "$TMP/devices.so" --needed /dev/full --needed zero --needed "$TMP/fifo" \
	--rpath /dev --import setenv || bail "scan_hostile_elf.py failed"
capture strace -f -qq -e trace=open,openat,openat2,creat -o "$TMP/strace" \
	"$ENVSAFE" scan "$TMP/devices.so" "$TMP/fifo" "$TMP/link-to-device"
opened=$(grep -E "\"(/dev/full|/dev/zero|$TMP/fifo|$TMP/link-to-device)\"" "$TMP/strace")
is "scan_never_opens_devices: no open() of /dev/full, /dev/zero, a FIFO or a link to a device" \
	'[ -s "$TMP/strace" ] && [ -z "$opened" ]'
[ -z "$opened" ] || diag "$opened"
is "scan_never_opens_devices: DT_NEEDED devices are reported missing (exit $rc)" \
	'[ $rc -eq 1 ] && contains "$out" "missing: /dev/full" && contains "$out" "missing: zero" &&
	 contains "$out" "missing: $TMP/fifo"'
is "scan_never_opens_devices: a FIFO and a device on the command line are not regular files" \
	'contains "$out" "$TMP/fifo: not-elf: not a regular file" &&
	 contains "$out" "$TMP/link-to-device: not-elf: not a regular file"'

# ---- a file cut short while it is read ---------------------------------
# The preload truncates the file to 64 bytes when scan first asks libelf
# for a section's data, after the file's size was checked.  A mapped file
# then raises SIGBUS; a read one is an error and the scan goes on to the
# next file.
cp "$FIXTURES/scan-main" "$TMP/victim"
[ "$(wc -c <"$TMP/victim")" -gt 8192 ] || bail "scan-main is too small to be cut"
LD_PRELOAD=$SHIM SCAN_TEST_TRUNCATE=$TMP/victim capture "$ENVSAFE" scan "$TMP/victim" "$FIXTURES/libscanclean.so"
is "scan_survives_truncation_while_reading: the file really was cut (now $(wc -c <"$TMP/victim") bytes)" \
	'[ "$(wc -c <"$TMP/victim")" -eq 64 ]'
is "scan_survives_truncation_while_reading: no signal, exit 2 (got $rc)" '[ $rc -eq 2 ]'
is "scan_survives_truncation_while_reading: the cut file is an error, the next one is scanned" \
	'contains "$out" "$TMP/victim: error: " && contains "$out" "libscanclean.so: ok"'

# ---- bounded work ------------------------------------------------------
# 2000 DT_NEEDED x 2000 DT_RPATH directories: about 4 million lookups
# without bounds.
"$PY" "$GEN" "$TMP/needed-rpath.so" --needed-count 2000 --rpath-count 2000 --import setenv
capture "$ENVSAFE" scan "$TMP/needed-rpath.so"
is "scan_bounds_needed_and_rpath: finishes, still risky (exit $rc)" \
	'[ $rc -eq 1 ] && contains "$out" "needed-rpath.so: risky"'
is "scan_bounds_needed_and_rpath: says which bounds were reached" \
	'contains "$out" "incomplete: more than 1024 DT_NEEDED entries" &&
	 contains "$out" "incomplete: a search path of more than 256 entries" &&
	 contains "$out" "incomplete: more than 65536 library lookups"'
is "scan_bounds_needed_and_rpath: names it did not search, and says so in the summary" \
	'contains "$out" "not searched: libhostile1023.so" &&
	 contains "$out" "1 file(s) only partly analysed: a bound of envsafe scan was reached"'
capture "$ENVSAFE" scan --json "$TMP/needed-rpath.so"
"$PY" - "$TMP/out" >"$TMP/py" 2>&1 <<'PYEOF'
import json, sys
f = json.load(open(sys.argv[1]))["files"][0]
assert f["incomplete"] == ["needed", "search-path", "lookups"], f["incomplete"]
assert any(not m["searched"] for m in f["missing"]) and any(m["searched"] for m in f["missing"])
PYEOF
py_rc=$?
is "scan_bounds_needed_and_rpath: JSON lists the bounds and the unsearched names" '[ $py_rc -eq 0 ]'
[ $py_rc -eq 0 ] || diag "$(cat "$TMP/py")"

# The same file without imports would be "ok": an incomplete analysis
# must not pass a CI gate.
"$PY" "$GEN" "$TMP/needed-rpath-clean.so" --needed-count 2000 --rpath-count 300
capture "$ENVSAFE" scan "$TMP/needed-rpath-clean.so"
is "scan_incomplete_is_never_ok: an otherwise clean file is an error, exit 2 (got $rc)" \
	'[ $rc -eq 2 ] && contains "$out" "needed-rpath-clean.so: error (shared-object, x86_64" &&
	 contains "$out" "analysis incomplete: a bound was reached"'

# 60,000 dynamic symbol tables sharing their bytes (3.8 MB): quadratic
# before relocation sections were listed once.
"$PY" "$GEN" "$TMP/dynsyms.so" --dynsym-sections 60000 --import setenv
capture "$ENVSAFE" scan "$TMP/dynsyms.so"
is "scan_bounds_symbol_tables: finishes, still risky (exit $rc)" \
	'[ $rc -eq 1 ] && contains "$out" "dynsyms.so: risky" && contains "$out" "uses setenv itself"'
is "scan_bounds_symbol_tables: says the bound was reached" \
	'contains "$out" "incomplete: more than 16 symbol tables"'

"$PY" "$GEN" "$TMP/relocs.so" --rel-sections 100 --import setenv
capture "$ENVSAFE" scan "$TMP/relocs.so"
is "scan_bounds_relocation_sections: says the bound was reached (exit $rc)" \
	'[ $rc -eq 1 ] && contains "$out" "incomplete: more than 64 relocation sections"'

# 6001 libraries, each found through DT_RUNPATH $ORIGIN.
mkdir "$TMP/tree"
"$PY" "$GEN" "$TMP/tree" --tree 1000
capture "$ENVSAFE" scan "$TMP/tree/root.so"
is "scan_bounds_closure: stops at 4096 objects and says so (exit $rc)" \
	'[ $rc -eq 2 ] && contains "$out" "4095 libraries loaded" &&
	 contains "$out" "incomplete: more than 4096 libraries"'

done_testing
