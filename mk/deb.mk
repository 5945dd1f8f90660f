# Debian packages and the checks on other Debian releases (needs root):
#
#   make deb             libenvsafe1, libenvsafe-dev and envsafe built with
#                        dpkg-buildpackage into build/deb/, lintian-clean
#   make check-deb       those packages installed with apt-get into a clean
#                        chroot of this release, and used there
#   make check-distros   make, make demo and make check on Debian 11, 12
#                        (this machine), 13 and unstable
#
# The chroots are cached in /var/cache/envsafe-distros (ENVSAFE_DISTRO_CACHE);
# tests/distros/chroot.sh makes them on first use.
.PHONY: deb check-deb check-distros
deb:
	tests/distros/deb-build.sh
check-deb: deb
	tests/distros/deb-check.sh
check-distros:
	tests/distros/check-distros.sh
