#!/usr/bin/env bash
# Chroots of Debian releases for `make check-distros`: create (or reuse) one,
# mount the pseudo-filesystems a test suite needs, run a command in it.
#
# Usage: chroot.sh ensure RELEASE      create or refresh the cached chroot
#        chroot.sh run RELEASE CMD...  run CMD in it with /proc, /dev, /sys
#        chroot.sh path RELEASE        print its directory
#        chroot.sh ensure-clean RELEASE
#                                      create the cached minbase chroot
#                                      RELEASE-clean (no added packages)
#        chroot.sh run-scratch RELEASE DIR CMD...
#                                      run CMD in a throwaway copy of
#                                      RELEASE-clean (an overlay: what CMD
#                                      installs is gone afterwards), with
#                                      the host's DIR bound at /mnt
#
# Chroots live in $ENVSAFE_DISTRO_CACHE (default /var/cache/envsafe-distros),
# outside any work tree, so every clone on the machine shares them.  A
# missing or half-made chroot is (re)created; the package list is installed
# again only when it changed.  Needs root, debootstrap and network access
# to $ENVSAFE_DEBIAN_MIRROR.
set -euo pipefail

CACHE=${ENVSAFE_DISTRO_CACHE:-/var/cache/envsafe-distros}
MIRROR=${ENVSAFE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "chroot.sh: $*" >&2; exit 2; }

# Packages `make`, `make demo` and `make check` need, by names stable across
# bullseye..sid.  Names that carry a version (the clang runtime, Python's
# test suite) are found by query inside the chroot: see versioned_packages.
BASE_PACKAGES="build-essential make perl pkg-config git ca-certificates
 clang llvm libelf-dev libdw-dev libiberty-dev binutils-dev valgrind gdb
 python3 rustc nodejs util-linux groff-base file procps musl-tools spin
 debhelper fakeroot lintian dpkg-dev"

# The clang runtime of the default clang, and the test suite of the default
# python3: their names change with every release (libclang-rt-14-dev,
# libclang-rt-19-dev; libpython3.9-testsuite, libpython3.13-testsuite).
versioned_packages() {
	local root=$1 clang_major py
	clang_major=$(chroot "$root" sh -c "clang --version" | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n1)
	py=$(chroot "$root" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
	# Before clang 15 the runtime was part of libclang-common-N-dev.
	for name in "libclang-rt-$clang_major-dev" "libclang-common-$clang_major-dev"; do
		if chroot "$root" apt-cache show "$name" >/dev/null 2>&1; then
			echo "$name"; break
		fi
	done
	echo "libpython$py-testsuite"
}

in_root() { chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
	LANG=C.UTF-8 HOME=/root "${@:2}"; }

mount_pseudo() {
	local root=$1
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	mountpoint -q "$root/sys" || mount -t sysfs sysfs "$root/sys"
	mountpoint -q "$root/dev" || mount --rbind /dev "$root/dev"
	mount --make-rslave "$root/dev"
}

# Undo mount_pseudo, and any bind mount below the chroot, deepest first.
umount_all() {
	local root=$1 m
	for m in $(awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
}

# bootstrap RELEASE ROOT: a minbase chroot of RELEASE in ROOT, once.
bootstrap() {
	local rel=$1 root=$2
	if [ ! -e "$root/.envsafe-bootstrapped" ]; then
		umount_all "$root"
		rm -rf "$root"
		echo "chroot.sh: debootstrap $rel (a few minutes)"
		debootstrap --variant=minbase "$rel" "$root" "$MIRROR" >"$root.debootstrap.log" 2>&1 ||
			{ tail -n 20 "$root.debootstrap.log" >&2; die "debootstrap $rel failed (log: $root.debootstrap.log)"; }
		# minbase has no /etc/hosts: localhost must resolve for the tests.
		printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n' >"$root/etc/hosts"
		# An archived release's Release file may have expired.
		echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99envsafe"
		echo 'APT::Install-Recommends "false";' >>"$root/etc/apt/apt.conf.d/99envsafe"
		echo "deb $MIRROR $rel main" >"$root/etc/apt/sources.list"
		# A throwaway chroot needs neither fsync nor a man-db index:
		# both cost minutes of a cold run.
		echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/envsafe-unsafe-io"
		echo 'man-db man-db/auto-update boolean false' | chroot "$root" debconf-set-selections
		touch "$root/.envsafe-bootstrapped"
	fi
}

ensure() {
	local rel=$1 root="$CACHE/$1"
	mkdir -p "$CACHE"
	exec 9>"$CACHE/$rel.lock"
	flock 9
	bootstrap "$rel" "$root"
	local want
	want=$(echo "$BASE_PACKAGES" | tr -s ' \n' '\n' | sort)
	if [ "$(cat "$root/.envsafe-packages" 2>/dev/null)" != "$want" ]; then
		cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
		in_root_mounted() { unshare --mount --propagation private "$0" in-namespace "$rel" "$@"; }
		in_root_mounted apt-get update -q >"$CACHE/$rel.apt.log" 2>&1 ||
			{ tail -n 20 "$CACHE/$rel.apt.log" >&2; die "apt-get update in $rel failed"; }
		# shellcheck disable=SC2086
		in_root_mounted apt-get install -y -q $BASE_PACKAGES >>"$CACHE/$rel.apt.log" 2>&1 ||
			{ tail -n 20 "$CACHE/$rel.apt.log" >&2; die "apt-get install in $rel failed"; }
		# shellcheck disable=SC2046
		in_root_mounted apt-get install -y -q $(versioned_packages "$root") >>"$CACHE/$rel.apt.log" 2>&1 ||
			{ tail -n 20 "$CACHE/$rel.apt.log" >&2; die "apt-get install (versioned names) in $rel failed"; }
		in_root "$root" apt-get clean
		echo "$want" >"$root/.envsafe-packages"
	fi
}

ensure_clean() {
	local rel=$1 root="$CACHE/$1-clean"
	mkdir -p "$CACHE"
	exec 9>"$CACHE/$rel-clean.lock"
	flock 9
	bootstrap "$rel" "$root"
}

cmd=${1:-}; rel=${2:-}
[ -n "$cmd" ] && [ -n "$rel" ] || die "usage: chroot.sh ensure|run|path RELEASE [CMD...]"
case "$cmd" in
ensure) ensure "$rel" ;;
path) echo "$CACHE/$rel" ;;
run)
	root="$CACHE/$rel"
	[ -e "$root/.envsafe-packages" ] || die "no chroot for $rel: run 'chroot.sh ensure $rel' first"
	shift 2
	# A private mount namespace: the mounts vanish with the command, even
	# if it is killed, and concurrent runs in one chroot do not meet.
	exec unshare --mount --propagation private "$0" in-namespace "$rel" "$@"
	;;
ensure-clean) ensure_clean "$rel" ;;
run-scratch)
	[ -e "$CACHE/$rel-clean/.envsafe-bootstrapped" ] ||
		die "no clean chroot for $rel: run 'chroot.sh ensure-clean $rel' first"
	[ -d "${3:-}" ] || die "run-scratch: no directory '${3:-}'"
	scratch=$(mktemp -d "$CACHE/scratch.XXXXXX")
	trap 'rm -rf "$scratch"' EXIT
	mkdir "$scratch/upper" "$scratch/work" "$scratch/root"
	shift 2
	unshare --mount --propagation private "$0" in-scratch "$rel" "$scratch" "$@"
	;;
in-scratch)
	scratch=$3 dir=$4
	shift 4
	mount -t overlay overlay \
		-o "lowerdir=$CACHE/$rel-clean,upperdir=$scratch/upper,workdir=$scratch/work" "$scratch/root"
	mount --bind "$dir" "$scratch/root/mnt"
	cp /etc/resolv.conf "$scratch/root/etc/resolv.conf" 2>/dev/null || true
	mount_pseudo "$scratch/root"
	in_root "$scratch/root" "$@"
	;;
in-namespace)
	root="$CACHE/$rel"
	shift 2
	mount_pseudo "$root"
	in_root "$root" "$@"
	;;
*) die "unknown command '$cmd'" ;;
esac
