#!/usr/bin/env bash
# `make deb`: build the Debian packages libenvsafe1, libenvsafe-dev and
# envsafe with dpkg-buildpackage from a copy of the work tree, into
# build/deb/, and check them with lintian: errors fail the build.  Today
# lintian (Debian 12's) reports no warning either; a warning that is ever
# kept must be explained here.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$SRC/build/deb
version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null ||
		{ echo "make deb: $tool not found (Debian packages dpkg-dev, debhelper, lintian)" >&2; exit 2; }
done

rm -rf "$OUT"
mkdir -p "$OUT/src/envsafe-$version"
(cd "$SRC" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) |
	tar -xf - -C "$OUT/src/envsafe-$version"
echo "make deb: dpkg-buildpackage -us -uc -b (log: $OUT/build.log)"
if ! (cd "$OUT/src/envsafe-$version" && dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1; then
	tail -n 30 "$OUT/build.log" >&2
	echo "make deb: dpkg-buildpackage failed" >&2
	exit 1
fi
mv "$OUT"/src/*.deb "$OUT"/src/*.changes "$OUT"/src/*.buildinfo "$OUT/"
rm -rf "$OUT/src"
ls -l "$OUT"/*.deb

echo "make deb: lintian"
lintian --fail-on error --info "$OUT"/*.changes | tee "$OUT/lintian.log"
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || { echo "make deb: lintian reports errors" >&2; exit 1; }
