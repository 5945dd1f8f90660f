#!/bin/sh
# envsafe scan: statuses, library closure attribution, directories,
# non-ELF and unreadable files, exit statuses and the JSON document.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

PY=$(command -v python3) || bail "python3 is required"
for f in libscanrisky.so libscanclean.so scan-main scan-main-norpath scan-main-linked scan-static scan-copyreloc scan-chain-rpath scan-chain-runpath; do
	[ -f "$FIXTURES/$f" ] || bail "$FIXTURES/$f is missing (run make first)"
done
RISKY_REAL=$(cd "$FIXTURES" && pwd -P)/libscanrisky.so
# The risky fixture's environment imports, as the linker recorded them:
# binutils 2.35 (Debian 11) adds a weak _environ import to the three the
# source uses, and scan rightly reports it.
command -v nm >/dev/null || bail "nm is required (Debian package binutils)"
RISKY_EXTRA=$(nm -D "$FIXTURES/libscanrisky.so" | awk '($1 == "U" || $1 == "v" || $1 == "w") && $2 ~ /^_environ(@|$)/ { print "_environ" }')
RISKY_USES="setenv, putenv, environ, __environ${RISKY_EXTRA:+, $RISKY_EXTRA}"
unset LD_LIBRARY_PATH

capture "$ENVSAFE" scan "$ES_BUILD_DIR/libenvsafe.so"
is "libenvsafe.so is a provider, exit 0 (got $rc)" \
	'[ $rc -eq 0 ] && contains "$out" "libenvsafe.so: provider"'

capture "$ENVSAFE" scan "$FIXTURES/libscanrisky.so"
is "a library calling setenv/putenv and walking environ is risky, exit 1 (got $rc)" \
	'[ $rc -eq 1 ] && contains "$out" "libscanrisky.so: risky"'
is "its own uses are listed" 'contains "$out" "uses setenv, putenv, environ"'

capture "$ENVSAFE" scan "$FIXTURES/libscanclean.so"
is "a library that only calls getenv is ok, exit 0 (got $rc)" \
	'[ $rc -eq 0 ] && contains "$out" "libscanclean.so: ok"'

capture "$ENVSAFE" scan "$FIXTURES/scan-main"
is "an executable is risky through the library it loads (got $rc)" \
	'[ $rc -eq 1 ] && contains "$out" "scan-main: risky"'
is "the closure names the library and where \$ORIGIN found it" \
	'contains "$out" "uses $RISKY_USES in libscanrisky.so => $RISKY_REAL"'
is "the executable itself is not blamed" '! contains "$out" "itself"'

# Linked with -lenvsafe, libenvsafe comes before libc in load order and
# serves the risky library's setenv.
capture "$ENVSAFE" scan "$FIXTURES/scan-main-linked"
is "an executable linked with -lenvsafe is protected, exit 0 (got $rc)" \
	'[ $rc -eq 0 ] && contains "$out" "scan-main-linked: protected"'
is "the risky use and the protecting library are both named" \
	'contains "$out" "in libscanrisky.so =>" && contains "$out" "protected by libenvsafe.so.1 =>"'

capture "$ENVSAFE" scan "$FIXTURES/scan-main-norpath"
is "without a run path the fixture libraries are reported missing" \
	'contains "$out" "missing: libscanrisky.so" && contains "$out" "missing: libscanclean.so" && [ $rc -eq 0 ]'
LD_LIBRARY_PATH=$FIXTURES capture "$ENVSAFE" scan "$FIXTURES/scan-main-norpath"
is "LD_LIBRARY_PATH is searched like the dynamic linker does (got $rc)" \
	'[ $rc -eq 1 ] && contains "$out" "in libscanrisky.so => $FIXTURES/libscanrisky.so"'

capture "$ENVSAFE" scan "$FIXTURES/scan-static"
is "a static executable is reported as such, with what it contains (got $rc)" \
	'[ $rc -eq 1 ] && contains "$out" "scan-static: static" && contains "$out" "contains setenv"'

# exe -> libscanouter.so -> libscanrisky.so.  The dynamic linker finds
# the last one through the executable's DT_RPATH but not its DT_RUNPATH;
# scan must agree with what actually happens when the programs run.
capture "$FIXTURES/scan-chain-rpath"
rpath_runs=$rc
capture "$FIXTURES/scan-chain-runpath"
runpath_runs=$rc
capture "$ENVSAFE" scan "$FIXTURES/scan-chain-rpath"
is "DT_RPATH is inherited: the indirect risky library is found, as ld.so finds it (runs: $rpath_runs)" \
	'[ $rc -eq 1 ] && [ $rpath_runs -eq 0 ] && contains "$out" "in libscanrisky.so => $RISKY_REAL"'
capture "$ENVSAFE" scan "$FIXTURES/scan-chain-runpath"
is "DT_RUNPATH is not inherited: reported missing, as ld.so fails (runs: $runpath_runs)" \
	'[ $rc -eq 0 ] && [ $runpath_runs -eq 127 ] && contains "$out" "missing: libscanrisky.so (needed by $(cd "$FIXTURES" && pwd -P)/libscanouter.so)"'

capture "$ENVSAFE" scan "$FIXTURES/scan-copyreloc"
is "a non-PIE executable reading environ through a copy relocation is risky (got $rc)" \
	'[ $rc -eq 1 ] && contains "$out" "scan-copyreloc: risky (executable," && contains "$out" "environ itself"'

# A directory is searched recursively; a symbolic link loop inside it is
# not followed; non-ELF files get their own line.
mkdir -p "$TMP/tree/sub/deeper"
cp "$FIXTURES/libscanrisky.so" "$TMP/tree/sub/deeper/"
cp "$FIXTURES/libscanclean.so" "$TMP/tree/"
printf '#!/bin/sh\necho hi\n' >"$TMP/tree/script.sh"
ln -s .. "$TMP/tree/sub/loop"
capture "$ENVSAFE" scan "$TMP/tree"
is "directory scan finishes despite a link loop (got $rc)" '[ $rc -eq 1 ]'
is "directory scan finds the nested risky library" 'contains "$out" "$TMP/tree/sub/deeper/libscanrisky.so: risky"'
is "directory scan reports the clean library" 'contains "$out" "$TMP/tree/libscanclean.so: ok"'
is "directory scan reports the script as not ELF" 'contains "$out" "$TMP/tree/script.sh: not-elf: not an ELF file"'
is "every file is reported exactly once (got $(grep -c "^$TMP" "$TMP/out") lines)" \
	'[ "$(grep -c "^$TMP" "$TMP/out")" -eq 3 ]'

# Unreadable and non-ELF files do not stop the scan; an unreadable one
# makes the exit status 2.  root reads everything, so drop to nobody.
printf 'plain text\n' >"$TMP/notes.txt"
printf 'secret\n' >"$TMP/unreadable"
chmod 000 "$TMP/unreadable"
chmod 755 "$TMP"
as_user=""
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || bail "setpriv (util-linux) is required when run as root"
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
# nobody cannot reach a build tree inside a private (0700) directory, so
# what it runs and reads comes from $TMP.
cp "$ENVSAFE" "$TMP/envsafe-copy" && cp "$FIXTURES/libscanclean.so" "$TMP/libscanclean.so" ||
	bail "cannot copy envsafe and libscanclean.so into $TMP"
# shellcheck disable=SC2086 # $as_user is a command prefix
$as_user test -x "$TMP/envsafe-copy" ||
	diag "$as_user cannot run $TMP/envsafe-copy: is ${TMPDIR:-/tmp} private? set TMPDIR to a directory every user can reach"
# shellcheck disable=SC2086 # $as_user is a command prefix
capture $as_user "$TMP/envsafe-copy" scan "$TMP/unreadable" "$TMP/notes.txt" "$TMP/missing" "$TMP/libscanclean.so"
is "unreadable file: one clear line" 'contains "$out" "$TMP/unreadable: error: cannot open: Permission denied"'
is "non-ELF file: one clear line" 'contains "$out" "$TMP/notes.txt: not-elf: not an ELF file"'
is "nonexistent path: one clear line" 'contains "$out" "$TMP/missing: error: cannot open: No such file or directory"'
is "the scan goes on after them" 'contains "$out" "libscanclean.so: ok"'
is "unreadable files make the exit status 2 (got $rc)" '[ $rc -eq 2 ]'

# A cut-off ELF file is an error, not "ok" or "static".
for size in 100 3000; do
	head -c $size "$FIXTURES/scan-main" >"$TMP/truncated"
	capture "$ENVSAFE" scan "$TMP/truncated"
	is "an ELF file cut at $size bytes is an error, exit 2 (got $rc)" \
		'[ $rc -eq 2 ] && contains "$out" "$TMP/truncated: error: truncated or damaged ELF file"'
done

capture "$ENVSAFE" scan "$TMP/notes.txt" "$FIXTURES/libscanclean.so"
is "non-ELF files alone do not fail the scan (got $rc)" '[ $rc -eq 0 ]'

# The JSON document, field by field.
capture "$ENVSAFE" scan --json "$FIXTURES/scan-main" "$TMP/notes.txt" "$TMP/missing" "$ES_BUILD_DIR/libenvsafe.so"
json_rc=$rc
cp "$TMP/out" "$TMP/scan.json"
is "--json keeps the exit status (got $json_rc)" '[ $json_rc -eq 2 ]'
"$PY" - "$TMP/scan.json" "$FIXTURES" "$RISKY_REAL" "$TMP" "$ES_BUILD_DIR" "$RISKY_USES" >"$TMP/py" 2>&1 <<'PYEOF'
import json, sys
doc_path, fixtures, risky_real, tmp, build, risky_uses = sys.argv[1:]
risky_uses = risky_uses.split(", ")
doc = json.load(open(doc_path))
checks = []
def check(cond, what):
    checks.append((bool(cond), what))
check(doc.get("envsafe_scan") == 1, "format version is 1")
files = doc["files"]
check([f["path"] for f in files] == [fixtures + "/scan-main", tmp + "/notes.txt", tmp + "/missing",
                                     build + "/libenvsafe.so"], "one entry per path, in order")
main, notes, missing, lib = files
check(main["status"] == "risky", "scan-main status risky")
check(main["type"] == "pie-executable" and main["machine"] == "x86_64" and main["class"] == 64,
      "scan-main type, machine and class")
check(main["imports"] == [], "scan-main imports nothing itself")
libs = {l["needed"]: l for l in main["libraries"]}
check(set(libs) >= {"libscanrisky.so", "libscanclean.so", "libc.so.6"}, "closure lists the libraries")
r = libs["libscanrisky.so"]
check(r["path"] == risky_real and r["needed_by"] == fixtures + "/scan-main", "risky library path and needer")
check(r["imports"] == risky_uses, "risky library imports")
check(r["provides_environment"] is False and r["envsafe"] is False, "risky library is no provider")
check(libs["libscanclean.so"]["imports"] == [], "clean library imports nothing")
check(libs["libc.so.6"]["provides_environment"] is True, "libc provides the environment")
check(main["missing"] == [], "nothing missing")
check([(x["symbol"], x["object"]) for x in main["risky"]] ==
      [(s, risky_real) for s in risky_uses], "flat risky list")
check(notes["status"] == "not-elf" and notes["message"] == "not an ELF file", "non-ELF entry")
check(missing["status"] == "error" and "No such file" in missing["message"], "error entry")
check(lib["status"] == "provider" and lib["type"] == "shared-object", "libenvsafe entry")
s = doc["summary"]
check(s["files"] == 4 and s["risky"] == 1 and s["not_elf"] == 1 and s["error"] == 1 and
      s["provider"] == 1 and s["ok"] == 0, "summary counts")
for good, what in checks:
    print(("ok" if good else "FAIL") + " " + what)
PYEOF
py_rc=$?
is "--json output parses as one JSON document" '[ $py_rc -eq 0 ] && [ -s "$TMP/py" ]'
[ $py_rc -eq 0 ] || diag "$(cat "$TMP/py")"
while IFS= read -r line; do
	is "json: ${line#* }" 'contains "$line" "ok "'
done <"$TMP/py"

capture "$ENVSAFE" scan
is "no PATH: exit 2 with one line (got $rc, $err_lines lines)" '[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ]'
capture "$ENVSAFE" scan --yaml "$FIXTURES/scan-main"
is "unknown option: exit 2 with one line (got $rc, $err_lines lines)" '[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ]'
capture "$ENVSAFE" scan --help
is "scan --help exits 0 with usage" '[ $rc -eq 0 ] && contains "$out" "Usage: envsafe scan"'

done_testing
