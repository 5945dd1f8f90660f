#!/bin/bash
# Python: reader threads inside libc (strerror under C.UTF-8, tzset,
# localtime, getaddrinfo) while the main thread rewrites os.environ.
# Debian's /usr/bin/python3 is the interpreter CI installs.
. "$ES_SRC_DIR/tests/compat/compat.sh"

PYTHON=${COMPAT_PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || compat_bail "$PYTHON not found (Debian package python3)"
compat_need_envsafe

check_race() {
	compat_mapped "$1" "$2" &&
		grep -q '^rounds=[1-9][0-9]*$' "$1.out" &&
		! grep -q '^FAIL' "$1.out"
}

prog=$COMPAT_DIR/python_env_race.py
compat_stock "python os.environ race" check_race "$PYTHON" "$prog" 1.5
compat_protected "python os.environ race" check_race "$PYTHON" "$prog" 1.5
compat_done
