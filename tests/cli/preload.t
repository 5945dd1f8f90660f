#!/bin/sh
# envsafe preload enable|disable|status against scratch roots (--root):
# foreign entries and their order kept, idempotence, bogus, crashing and
# missing libraries refused with the file untouched, a read-only /etc,
# disable removing only its own line.  Then, as root, the real path
# /etc/ld.so.preload inside a private mount namespace (an overlay of /etc,
# tests/system/with-private-etc.sh): new processes map the library,
# doctor sees it, and envsafe run no longer adds it to LD_PRELOAD.
# The real /etc/ld.so.preload is never written.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

LIB=$(readlink -f "$ES_BUILD_DIR/libenvsafe.so")	# the file the tool resolves (the soname)
CRASHING=$(cd "$FIXTURES" && pwd -P)/crashing/libenvsafe.so
[ -f "$LIB" ] || bail "$LIB is missing"
[ -f "$CRASHING" ] || bail "$CRASHING is missing (run make first)"
unset LD_PRELOAD

R=$TMP/root
mkdir -p "$R/etc"
F=$R/etc/ld.so.preload
printf '/usr/lib/foreign/libfoo.so\n# a comment, kept\n/opt/a.so:/opt/b.so\n' >"$F"
cp "$F" "$TMP/original"
inode() { stat -c %i "$1"; }

capture "$ENVSAFE" preload status --root "$R"
is "status on a file without libenvsafe: disabled (rc $rc)" \
	'[ $rc -eq 0 ] && [ "$out" = "disabled: $F has no libenvsafe entry" ]'

# ---- refusals leave the file untouched --------------------------------
before=$(inode "$F")
printf 'not a library\n' >"$TMP/bogus.so"
capture "$ENVSAFE" preload enable --root "$R" --lib "$TMP/bogus.so"
is "a bogus library is refused: exit 1, one line (got $rc: $err)" \
	'[ $rc -eq 1 ] && [ "$err_lines" -eq 1 ] && contains "$err" "refusing $TMP/bogus.so"'
is "... and the file is untouched (same bytes, same inode)" \
	'cmp -s "$F" "$TMP/original" && [ "$(inode "$F")" = "$before" ]'

capture "$ENVSAFE" preload enable --root "$R" --lib "$CRASHING"
is "a library that kills its canary is refused (got $rc: $err)" \
	'[ $rc -eq 1 ] && contains "$err" "canary process died of signal"'
is "... and the file is untouched" 'cmp -s "$F" "$TMP/original" && [ "$(inode "$F")" = "$before" ]'

capture "$ENVSAFE" preload enable --root "$R" --lib "$TMP/missing/libenvsafe.so"
is "a missing library: exit 1 naming it (got $rc: $err)" \
	'[ $rc -eq 1 ] && contains "$err" "$TMP/missing/libenvsafe.so: No such file or directory"'
capture "$ENVSAFE" preload enable --root "$R" --lib "$FIXTURES/libscanclean.so"
is "a loadable library that is not libenvsafe is refused (got $rc)" \
	'[ $rc -eq 1 ] && contains "$err" "not libenvsafe"'
is "... and the file is still untouched" 'cmp -s "$F" "$TMP/original" && [ "$(inode "$F")" = "$before" ]'
is "no temporary file is left behind" '[ "$(ls -A "$R/etc")" = "ld.so.preload" ]'

# ---- enable, twice ------------------------------------------------------
capture "$ENVSAFE" preload enable --root "$R" --lib "$LIB"
{ cat "$TMP/original"; printf '%s\n' "$LIB"; } >"$TMP/expected"
is "enable: exit 0, reports what the canary mapped (got $rc: $out $err)" \
	'[ $rc -eq 0 ] && contains "$out" "enabled: $F preloads $LIB (the canary mapped $LIB)"'
is "enable appends one line and keeps every other entry in order" 'cmp -s "$F" "$TMP/expected"'
is "the file stays readable by every user (0644)" '[ "$(stat -c %a "$F")" = 644 ]'
before=$(inode "$F")
capture "$ENVSAFE" preload enable --root "$R" --lib "$LIB"
is "enable again: exit 0, 'already enabled', nothing rewritten" \
	'[ $rc -eq 0 ] && contains "$out" "already enabled" && cmp -s "$F" "$TMP/expected" && [ "$(inode "$F")" = "$before" ]'
capture "$ENVSAFE" preload status --root "$R"
is "status: enabled, with the path and line" '[ "$out" = "enabled: $F preloads $LIB (line 4)" ]'

# ---- disable --------------------------------------------------------------
capture "$ENVSAFE" preload disable --root "$R"
is "disable: exit 0 and every other line is back as it was" \
	'[ $rc -eq 0 ] && cmp -s "$F" "$TMP/original"'
capture "$ENVSAFE" preload disable --root "$R"
is "disable again: exit 0, 'already disabled'" '[ $rc -eq 0 ] && contains "$out" "already disabled"'

# A file without a final newline, and one that does not exist yet.
printf '/opt/last.so' >"$F"
"$ENVSAFE" preload enable --root "$R" --lib "$LIB" >/dev/null
is "enable after a last line without a newline starts a new line" \
	'[ "$(cat "$F")" = "$(printf "/opt/last.so\n%s" "$LIB")" ]'
rm -f "$F"
capture "$ENVSAFE" preload enable --root "$R" --lib "$LIB"
is "enable creates a missing file holding just the line, mode 0644" \
	'[ $rc -eq 0 ] && [ "$(cat "$F")" = "$LIB" ] && [ "$(stat -c %a "$F")" = 644 ]'

# Lines it does not own alone are never rewritten.
printf '%s:/opt/x.so\n' "$LIB" >"$F"
cp "$F" "$TMP/shared"
capture "$ENVSAFE" preload disable --root "$R"
is "libenvsafe sharing a line with another entry: disable refuses, file untouched" \
	'[ $rc -eq 1 ] && contains "$err" "edit it by hand" && cmp -s "$F" "$TMP/shared"'
printf '/usr/lib/elsewhere/libenvsafe.so\n' >"$F"
cp "$F" "$TMP/other"
capture "$ENVSAFE" preload enable --root "$R" --lib "$LIB"
is "another libenvsafe already listed: enable refuses (two copies), file untouched" \
	'[ $rc -eq 1 ] && contains "$err" "another libenvsafe" && cmp -s "$F" "$TMP/other"'

# ---- a read-only /etc -------------------------------------------------------
cp "$TMP/original" "$F"
if [ "$(id -u)" -eq 0 ]; then
	command -v unshare >/dev/null || bail "unshare(1) not found (util-linux)"
	# shellcheck disable=SC2016 # expanded by the inner shell
	capture unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1" "$1" &&
		mount -o remount,bind,ro "$1" && exec "$2" preload enable --root "$3" --lib "$4"' \
		sh "$R/etc" "$ENVSAFE" "$R" "$LIB"
else
	chmod 555 "$R/etc"
	capture "$ENVSAFE" preload enable --root "$R" --lib "$LIB"
	chmod 755 "$R/etc"
fi
is "a read-only /etc: exit 1 with a clear error (got $rc: $err)" \
	'[ $rc -eq 1 ] && contains "$err" "$R/etc" &&
	 { contains "$err" "Read-only file system" || contains "$err" "Permission denied"; }'
is "... and the file is untouched" 'cmp -s "$F" "$TMP/original"'

# ---- usage errors -----------------------------------------------------------
capture "$ENVSAFE" preload enable --root "$TMP/no-such-root" --lib "$LIB"
is "--root without an etc directory: exit 1 naming it" '[ $rc -eq 1 ] && contains "$err" "$TMP/no-such-root/etc"'
for args in "" "frobnicate" "enable disable" "enable --lib relative/libenvsafe.so" "enable --lib" \
	"status --root" "enable --lib /a:b/libenvsafe.so" "--bogus status"; do
	# shellcheck disable=SC2086 # split on purpose
	capture "$ENVSAFE" preload $args
	is "preload $args: exit 2 with one line on stderr (got $rc, $err_lines lines)" \
		'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ] && [ -z "$out" ]'
done

# ---- the real path, in a private mount namespace -----------------------
[ "$(id -u)" -eq 0 ] || bail "the /etc/ld.so.preload part needs root for a private mount namespace"
real_before=$(cat /etc/ld.so.preload 2>/dev/null || echo "(none)")
mkdir "$TMP/ns"
# shellcheck disable=SC2016 # expanded by the inner shell
capture "$ES_SRC_DIR/tests/system/with-private-etc.sh" "$TMP/ns" sh -c '
	E=$1
	rm -f /etc/ld.so.preload  # private: a system-wide entry would be "another libenvsafe"
	"$E" preload enable || exit 10
	echo "mapped: $(sh -c "grep -c /libenvsafe.so /proc/\$\$/maps")"
	"$E" doctor | grep "^preload:"
	"$E" run -- sh -c "echo \"run LD_PRELOAD: \${LD_PRELOAD-unset}\""
	"$E" run --strict=warn -- sh -c "echo \"run strict: \$ENVSAFE_STRICT\""
	sh -c "\"$E\" doctor --pid \$\$" | grep "^verdict:"
	"$E" preload disable || exit 11
	echo "after disable: $(sh -c "grep -c /libenvsafe.so /proc/\$\$/maps")"' sh "$ENVSAFE"
is "enable and disable of /etc/ld.so.preload in a private namespace (rc $rc, err: $err)" '[ $rc -eq 0 ]'
is "after enable, a new process maps the library" 'contains "$out" "mapped: " && ! contains "$out" "mapped: 0"'
is "doctor reports that /etc/ld.so.preload enables it" \
	'contains "$out" "preload:     /etc/ld.so.preload enables it: $LIB (line"'
is "envsafe run does not add the library again when ld.so.preload maps it" \
	'contains "$out" "run LD_PRELOAD: unset"'
is "... but still sets the options" 'contains "$out" "run strict: warn"'
is "doctor --pid: a plain process is protected" 'contains "$out" "verdict: protected: libenvsafe is mapped ($LIB)"'
is "after disable, new processes do not map it" 'contains "$out" "after disable: 0"'
is "the real /etc/ld.so.preload is unchanged" \
	'[ "$(cat /etc/ld.so.preload 2>/dev/null || echo "(none)")" = "$real_before" ]'

done_testing
