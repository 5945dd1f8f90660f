#!/bin/sh
# envsafe systemd-dropin: the drop-in's contents, unit-name checks, and
# that the LD_PRELOAD it sets does load the library (tried with env(1),
# which reads the same NAME=value).
. "${ES_SRC_DIR:-.}/tests/cli/tap.sh"

LIB=$(readlink -f "$ES_BUILD_DIR/libenvsafe.so")	# the file the tool resolves (the soname)

capture "$ENVSAFE" systemd-dropin myapp
is "a drop-in is printed for myapp.service (rc $rc)" \
	'[ $rc -eq 0 ] && contains "$out" "/etc/systemd/system/myapp.service.d/envsafe.conf"'
is "it has a [Service] section setting LD_PRELOAD to the library" \
	'printf "%s\n" "$out" | grep -qx "\[Service\]" && printf "%s\n" "$out" | grep -qx "Environment=LD_PRELOAD=$LIB"'
is "every other line is a comment" \
	'[ -z "$(printf "%s\n" "$out" | grep -v "^#" | grep -vx "\[Service\]" | grep -v "^Environment=")" ]'
setting=$(printf '%s\n' "$out" | sed -n 's/^Environment=//p')
capture env "$setting" sh -c 'grep -c /libenvsafe.so /proc/$$/maps'
is "the LD_PRELOAD it sets loads the library" '[ $rc -eq 0 ] && [ "$out" -gt 0 ]'

capture "$ENVSAFE" systemd-dropin --strict=abort web@1.service
is "--strict=abort adds ENVSAFE_STRICT=abort; a template instance keeps its name" \
	'[ $rc -eq 0 ] && printf "%s\n" "$out" | grep -qx "Environment=ENVSAFE_STRICT=abort" && contains "$out" "web@1.service.d"'
capture "$ENVSAFE" systemd-dropin --lib /opt/100%/libenvsafe.so svc
is "a % in the path is escaped for systemd" 'printf "%s\n" "$out" | grep -qx "Environment=LD_PRELOAD=/opt/100%%/libenvsafe.so"'

for args in "" "a b" "bad/name" "x.socket" "--strict=sometimes svc" "--lib relative.so svc" "--bogus svc" "one two"; do
	# shellcheck disable=SC2086 # split on purpose
	capture "$ENVSAFE" systemd-dropin $args
	is "systemd-dropin $args: exit 2 with one line on stderr (got $rc, $err_lines lines)" \
		'[ $rc -eq 2 ] && [ "$err_lines" -eq 1 ] && [ -z "$out" ]'
done

done_testing
