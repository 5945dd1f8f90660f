#!/bin/sh
# make check-system: the test suite on a machine where envsafe is enabled
# system-wide, without touching the machine.
#
#   tests/system/check-system.sh BUILD_DIR [MAKE [MAKE ARGS...]]
#
# In a private mount namespace (unshare -m), /etc/ld.so.preload names
# BUILD_DIR/libenvsafe.so.  /etc gets a private overlay whose upper layer
# is a scratch directory, so the file (new or changed) is written there;
# where overlays are not available, a scratch file is bind-mounted over an
# existing /etc/ld.so.preload instead.  The entry is made by `envsafe
# preload enable` when the built envsafe has that command, else written
# directly.  The real /etc/ld.so.preload is never written: the mounts
# vanish with the namespace.  Inside, `make check` runs, then
# tests/system/userland.sh when it exists.  Needs root (mounts); says so
# and fails otherwise.
set -eu

fail() { echo "check-system: $*" >&2; exit 1; }

[ $# -ge 1 ] || fail "usage: $0 BUILD_DIR [MAKE [ARGS...]]"
build=$(cd "$1" && pwd) || fail "no build directory $1"
shift
[ $# -ge 1 ] || set -- make
lib="$build/libenvsafe.so"
[ -f "$lib" ] || fail "$lib is not built (run make all first)"
src=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${ES_CHECK_SYSTEM_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || fail "needs root: it mounts a scratch /etc/ld.so.preload in a private mount namespace (unshare -m)"
	command -v unshare >/dev/null || fail "needs unshare(1) from util-linux"
	# --propagation private: nothing mounted inside is seen outside.
	ES_CHECK_SYSTEM_INSIDE=1 exec unshare -m --propagation private \
		sh "$0" "$build" "$@"
fi

# Never mount in the machine's own namespace.
[ "$(readlink /proc/self/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ] ||
	fail "not in a private mount namespace; refusing to mount over /etc"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/envsafe-check-system.XXXXXX")
trap 'umount /etc/ld.so.preload 2>/dev/null || :; umount /etc 2>/dev/null || :; rm -rf "$scratch"' EXIT
chmod 0755 "$scratch"

mkdir "$scratch/upper" "$scratch/work"
if mount -t overlay overlay -o "lowerdir=/etc,upperdir=$scratch/upper,workdir=$scratch/work" /etc 2>/dev/null; then
	how="a private overlay on /etc"
	if "$build/envsafe" preload --help >/dev/null 2>&1; then
		how="$how, entry made by envsafe preload enable"
		: >/etc/ld.so.preload
		"$build/envsafe" preload enable --lib "$lib" ||
			fail "envsafe preload enable --lib $lib failed in the private namespace"
	else
		printf '%s\n' "$lib" >/etc/ld.so.preload
	fi
	chmod 0644 /etc/ld.so.preload
elif [ -f /etc/ld.so.preload ]; then
	how="a scratch file bind-mounted over /etc/ld.so.preload"
	printf '%s\n' "$lib" >"$scratch/ld.so.preload"
	chmod 0644 "$scratch/ld.so.preload"
	mount --bind "$scratch/ld.so.preload" /etc/ld.so.preload ||
		fail "cannot bind-mount a scratch file over /etc/ld.so.preload"
else
	fail "/etc cannot get a private overlay, and there is no /etc/ld.so.preload to bind-mount a scratch file over"
fi

# The setting must take: a new process maps the library without LD_PRELOAD.
mapped=$(env -u LD_PRELOAD cat /proc/self/maps | awk '/libenvsafe\.so/ { print $NF; exit }')
[ -n "$mapped" ] || fail "a process started under the scratch /etc/ld.so.preload does not map libenvsafe.so"
[ "$(readlink -f "$mapped")" = "$(readlink -f "$lib")" ] ||
	fail "the scratch /etc/ld.so.preload loads $mapped, not the built $lib"
echo "check-system: /etc/ld.so.preload in this namespace ($how) loads $mapped"

cd "$src"
status=0
"$@" check || status=$?
if [ -f tests/system/userland.sh ]; then
	echo "check-system: tests/system/userland.sh"
	ES_BUILD_DIR="$build" ES_SRC_DIR="$src" sh tests/system/userland.sh || status=1
fi
[ $status = 0 ] && echo "check-system: passed with $lib in /etc/ld.so.preload"
exit $status
