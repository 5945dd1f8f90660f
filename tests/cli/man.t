#!/bin/sh
# envsafe(1) renders without groff warnings and documents every
# subcommand and every long option that the subcommands' --help lists.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

command -v groff >/dev/null || bail "groff not found (Debian package groff-base)"
MAN=$ES_SRC_DIR/man/envsafe.1
[ -f "$MAN" ] || bail "$MAN is missing"

groff -man -ww -z "$MAN" >"$TMP/warnings" 2>&1
is "groff renders envsafe.1 without warnings ($(head -c 200 "$TMP/warnings"))" '[ ! -s "$TMP/warnings" ]'
groff -man -Tascii -P-cbu "$MAN" 2>/dev/null >"$TMP/man.txt"
text=$(cat "$TMP/man.txt")

for section in NAME SYNOPSIS DESCRIPTION COMMANDS "STRICT MODE" ENVIRONMENT "EXIT STATUS" EXAMPLES; do
	is "the page has a $section section" 'grep -q "^$section" "$TMP/man.txt"'
done
for cmd in run torture trace scan doctor ps preload systemd-dropin; do
	is "the page documents envsafe $cmd" 'grep -q "^   envsafe $cmd" "$TMP/man.txt"'
	capture "$ENVSAFE" "$cmd" --help
	for option in $(printf '%s\n' "$out" | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		is "envsafe $cmd: $option from --help is in the page" 'contains "$text" "$option"'
	done
done
is "AT_SECURE is stated in ENVIRONMENT" 'contains "$text" "AT_SECURE"'
is "ENVSAFE_STRICT is listed" 'contains "$text" "ENVSAFE_STRICT"'

done_testing
