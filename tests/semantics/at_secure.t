#!/bin/sh
# secure_getenv under AT_SECURE: a setuid-root copy of a program linked
# with libenvsafe.a, run by an unprivileged user (setpriv, util-linux), is
# AT_SECURE; libenvsafe's secure_getenv must then return NULL while
# getenv still works.  The same program run normally must see the value.
# Creating a setuid-root file needs root, which CI has.
set -u
: "${ES_BUILD_DIR:?ES_BUILD_DIR must be set (run through make check)}"
bin=$ES_BUILD_DIR/tests/core/semantics/secure_static
[ -x "$bin" ] || { echo "Bail out! $bin is missing"; exit 255; }
[ "$(id -u)" = 0 ] || { echo "Bail out! creating a setuid-root test binary needs root"; exit 255; }
command -v setpriv > /dev/null || { echo "Bail out! setpriv (util-linux) is missing"; exit 255; }

n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; echo "not ok $n - $2" >&2; failed=1; fi; }
has() { printf '%s\n' "$1" | grep -qx "$2"; echo $?; }

normal=$(timeout $((20 * ${ES_TEST_TIME_SCALE:-1})) env -i ES_SECRET=hidden "$bin")
printf '%s\n' "$normal" | sed 's/^/# normal: /'
ok $(has "$normal" 'at_secure=0') "plain run is not AT_SECURE"
ok $(has "$normal" 'secure_getenv_in_program=1') "secure_getenv comes from the statically linked libenvsafe"
ok $(has "$normal" 'secure_getenv=hidden') "secure_getenv returns the value when not AT_SECURE"

# The copy must live where the unprivileged user can reach it, on a
# filesystem mounted without nosuid.
dir=$(mktemp -d /tmp/envsafe-secure.XXXXXX) || exit 255
trap 'rm -rf "$dir"' EXIT
chmod 0755 "$dir"
cp "$bin" "$dir/secure"
chown 0:0 "$dir/secure"
chmod 4755 "$dir/secure"
secure=$(cd / && timeout $((20 * ${ES_TEST_TIME_SCALE:-1})) env -i ES_SECRET=hidden \
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$dir/secure")
printf '%s\n' "$secure" | sed 's/^/# setuid: /'
ok $(has "$secure" 'at_secure=1') "setuid copy run by uid 65534 is AT_SECURE"
ok $(has "$secure" 'ruid=65534 euid=0') "real uid is unprivileged, effective uid is root"
ok $(has "$secure" 'version=[0-9]*\.[0-9]*\.[0-9]*') "the setuid copy runs libenvsafe"
ok $(has "$secure" 'getenv=hidden') "getenv still returns the value under AT_SECURE"
ok $(has "$secure" 'secure_getenv=(null)') "secure_getenv returns NULL under AT_SECURE"
ok $(has "$secure" 'getenv_after_setenv=changed') "setenv works under AT_SECURE"
ok $(has "$secure" 'secure_getenv_after_setenv=(null)') "secure_getenv still returns NULL after setenv"
echo "1..$n"
exit $failed
