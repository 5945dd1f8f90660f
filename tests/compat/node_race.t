#!/bin/bash
# Node: process.env writes in the main thread while worker threads read
# HOME through libuv (os.homedir) and the libuv threadpool resolves
# localhost with getaddrinfo.
. "$ES_SRC_DIR/tests/compat/compat.sh"

compat_need_tool node nodejs
compat_need_envsafe

check_race() {
	compat_mapped "$1" "$2" &&
		grep -q '^rounds=[1-9][0-9]*$' "$1.out" &&
		grep -q '^reader_calls=[1-9][0-9]*$' "$1.out" &&
		grep -q '^lookups=[1-9][0-9]*$' "$1.out" &&
		! grep -q '^FAIL' "$1.out"
}

prog=$COMPAT_DIR/node_env_race.js
compat_stock "node process.env race" check_race node "$prog" 1.5
compat_protected "node process.env race" check_race node "$prog" 1.5
compat_done
