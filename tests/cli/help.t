#!/bin/sh
# The dispatcher: --help, --version, help CMD, --help on every
# subcommand, and one-line usage errors with exit 2.
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

capture "$ENVSAFE" --version
is "--version prints 'envsafe 1.0.0' (got '$out')" '[ $rc -eq 0 ] && [ "$out" = "envsafe 1.0.0" ]'

capture "$ENVSAFE" --help
is "--help exits 0" '[ $rc -eq 0 ] && [ -z "$err" ]'
for cmd in run torture trace scan doctor ps preload systemd-dropin; do
	is "--help lists $cmd" 'printf "%s\n" "$out" | grep -q "^  $cmd "'
done

for cmd in run torture trace scan doctor ps preload systemd-dropin; do
	capture "$ENVSAFE" "$cmd" --help
	is "envsafe $cmd --help exits 0 with its usage (got $rc)" \
		'[ $rc -eq 0 ] && contains "$out" "envsafe $cmd"'
	help_out=$out
	capture "$ENVSAFE" help "$cmd"
	is "envsafe help $cmd prints the same as $cmd --help" '[ $rc -eq 0 ] && [ "$out" = "$help_out" ]'
done

capture "$ENVSAFE"
is "no command: exit 2, one line on stderr (got $rc, $err_lines lines)" \
	'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ] && [ -z "$out" ]'
capture "$ENVSAFE" frobnicate
is "unknown command: exit 2, one line naming it (got $rc, $err_lines lines)" \
	'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ] && contains "$err" "frobnicate" && [ -z "$out" ]'
capture "$ENVSAFE" --frobnicate
is "unknown option: exit 2, one line (got $rc, $err_lines lines)" \
	'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ]'
capture "$ENVSAFE" help frobnicate
is "help for an unknown command: exit 2, one line (got $rc, $err_lines lines)" \
	'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ]'

done_testing
