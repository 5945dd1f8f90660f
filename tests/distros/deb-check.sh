#!/usr/bin/env bash
# `make check-deb`: install the packages of `make deb` (build/deb/*.deb)
# with apt-get into a clean chroot of this machine's Debian release (a
# throwaway overlay on a cached minbase chroot, chroot.sh run-scratch) and
# use them as a user would:
#   1. `envsafe run --` protects the packaged stress workload;
#   2. `pkg-config --libs envsafe` gives -lenvsafe;
#   3. a program built with `pkg-config --cflags --libs envsafe` runs with
#      the packaged libenvsafe.so.1;
#   4. installing the packages preloads nothing system-wide.
# TAP output.  Needs root and build/deb from `make deb`.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$SRC/tests/distros
DEB=$SRC/build/deb
REL=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
[ "$(id -u)" = 0 ] || { echo "Bail out! needs root (chroot)"; exit 255; }
[ -n "$REL" ] || { echo "Bail out! cannot tell this machine's Debian release"; exit 255; }
ls "$DEB"/*.deb >/dev/null 2>&1 || { echo "Bail out! no packages in $DEB: run make deb"; exit 255; }
"$HERE/chroot.sh" ensure-clean "$REL" >&2 || { echo "Bail out! no clean $REL chroot"; exit 255; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
cp "$DEB"/*.deb "$work/"
cat >"$work/uses_envsafe.c" <<'PROG'
#include <envsafe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
	if (setenv("DEB_CHECK", "1", 1) != 0 || strcmp(getenv("DEB_CHECK"), "1") != 0)
		return 1;
	printf("envsafe %s\n", envsafe_version());
	return 0;
}
PROG
cat >"$work/inside.sh" <<'INSIDE'
set -u
cd /mnt
step() { echo "== $*"; }
step apt-get install
apt-get update -q >apt.log 2>&1 &&
	apt-get install -y -q ./envsafe_*.deb ./libenvsafe1_*.deb ./libenvsafe-dev_*.deb gcc libc6-dev pkg-config \
		>>apt.log 2>&1
echo "install=$?"
echo "preload=$(cat /etc/ld.so.preload 2>/dev/null | tr '\n' ' ')"
echo "depends=$(dpkg-query -W -f='${Depends}' libenvsafe1)"
/usr/bin/envsafe run -- /usr/libexec/envsafe/envsafe-stress --mode growth --seconds 2 >stress.out 2>stress.err
echo "stress_rc=$? $(tail -n 1 stress.out) $(grep -o 'provider=[a-z]*' stress.err | head -n 1)"
echo "pkgconfig=$(pkg-config --libs envsafe)"
cc -o uses_envsafe uses_envsafe.c $(pkg-config --cflags --libs envsafe) 2>cc.err && ./uses_envsafe >prog.out
echo "prog_rc=$? $(cat prog.out) needed=$(readelf -d uses_envsafe 2>/dev/null | grep -o 'libenvsafe[^]]*' | tr '\n' ' ')"
INSIDE
"$HERE/chroot.sh" run-scratch "$REL" "$work" sh /mnt/inside.sh >"$work/report" 2>&1
rc=$?
cat "$work/report" | sed 's/^/# /'
get() { sed -n "s/^$1=//p" "$work/report"; }

[ "$(get install)" = 0 ]
ok $? "apt-get install ./build/deb/*.deb into a clean $REL chroot"
[ -z "$(get preload | tr -d ' ')" ]
ok $? "installing the packages preloads nothing system-wide (/etc/ld.so.preload untouched)"
get depends | grep -Eq '^libc6( \([^)]*\))?$'
ok $? "libenvsafe1 depends on libc6 only ($(get depends))"
get stress_rc | grep -Eq '^0 mode=growth reads=[1-9][0-9]* writes=[1-9][0-9]* misses=0 .*provider=libenvsafe'
ok $? "envsafe run -- envsafe-stress: protected, no misses ($(get stress_rc))"
[ "$(get pkgconfig | tr -d ' ')" = "-lenvsafe" ]
ok $? "pkg-config --libs envsafe gives -lenvsafe ($(get pkgconfig))"
get prog_rc | grep -Eq '^0 envsafe 1\.[0-9]+\.[0-9]+ needed=libenvsafe\.so\.1'
ok $? "a program built with pkg-config's flags runs with libenvsafe.so.1 ($(get prog_rc))"
[ $rc -eq 0 ] || echo "# the chroot run exited $rc"
echo "1..$n"
[ $failed -eq 0 ]
