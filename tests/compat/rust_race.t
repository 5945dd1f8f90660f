#!/bin/bash
# Rust: std::env::set_var/remove_var racing glibc's internal getenv callers
# (tzset, strerror under C.UTF-8) in other threads, which bypass std's
# environment lock.  The program is built by mk/compat.mk with rustc.
. "$ES_SRC_DIR/tests/compat/compat.sh"

prog=$ES_BUILD_DIR/tests/compat/rust_env_race
[ -x "$prog" ] ||
	compat_bail "$prog was not built: is rustc on PATH (Debian package rustc)? then run make"
compat_need_envsafe

check_race() {
	compat_mapped "$1" "$2" &&
		grep -q '^rounds=[1-9][0-9]*$' "$1.out" &&
		grep -q '^reader_calls=[1-9][0-9]*$' "$1.out" &&
		! grep -q '^FAIL' "$1.out"
}

compat_stock "rust set_var race" check_race "$prog" 1.5
compat_protected "rust set_var race" check_race "$prog" 1.5
compat_done
