#!/bin/sh
# with-private-etc.sh SCRATCH CMD [ARGS...]
#
# Runs CMD in a private mount namespace whose /etc is an overlay of the
# real /etc, with writes going to SCRATCH/upper (SCRATCH must exist, on a
# filesystem that can hold an overlay's upper directory, such as /tmp).
# CMD may then create, edit or remove /etc/ld.so.preload (for example
# through `envsafe preload enable`): the real file is never touched, and
# the change disappears with the namespace.  Needs root, unshare(1) and
# overlayfs.  Exit status: CMD's, or 125 when the namespace cannot be set
# up (with one line on stderr saying why).
set -u
[ $# -ge 2 ] || { echo "usage: with-private-etc.sh SCRATCH CMD [ARGS...]" >&2; exit 125; }
scratch=$1
shift
[ "$(id -u)" -eq 0 ] || { echo "with-private-etc.sh: needs root (unshare -m, mount)" >&2; exit 125; }
command -v unshare >/dev/null || { echo "with-private-etc.sh: unshare(1) not found (util-linux)" >&2; exit 125; }
mkdir -p "$scratch/upper" "$scratch/work" || exit 125
# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare -m sh -c '
	scratch=$1
	shift
	mount --make-rprivate / &&
	mount -t overlay envsafe-private-etc -o "lowerdir=/etc,upperdir=$scratch/upper,workdir=$scratch/work" /etc ||
		{ echo "with-private-etc.sh: cannot mount an overlay on /etc (upper in $scratch)" >&2; exit 125; }
	exec "$@"' sh "$scratch" "$@"
