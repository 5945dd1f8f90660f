#!/usr/bin/env bash
# `make check-distros`: build the project, then run `make demo` and
# `make check`, on every Debian release envsafe is tested on: bookworm
# (this machine) and bullseye, trixie and sid in chroots (chroot.sh).
# Each release gets a fresh copy of the work tree's files in a 0755
# directory (tests run fixtures as `nobody`).  Prints a table release x
# {make, demo, check, old-so} and exits 1 if any cell failed.  old-so: the
# library built on the oldest release (bullseye, glibc 2.31) is loaded by
# /bin/true and protects the stress workload on every newer release, so a
# build on an old glibc runs on each newer one.  Logs go to
# build/distros/RELEASE/*.log.
#
# Environment: ENVSAFE_DISTROS (default "bullseye bookworm trixie sid";
# the host's own release is run on the host), ENVSAFE_DISTRO_CACHE (see
# chroot.sh).  Needs root.
set -uo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$SRC/tests/distros"
OUT="$SRC/build/distros"
CACHE=${ENVSAFE_DISTRO_CACHE:-/var/cache/envsafe-distros}
RELEASES=${ENVSAFE_DISTROS:-bullseye bookworm trixie sid}
HOST=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

[ "$(id -u)" = 0 ] || { echo "check-distros: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "check-distros: debootstrap not found (Debian package debootstrap)" >&2; exit 2; }
mkdir -p "$OUT" "$CACHE"
chmod 0755 "$CACHE"
start=$(date +%s)

# Create or refresh the chroots in parallel: mostly download time.
pids=()
for rel in $RELEASES; do
	[ "$rel" = "$HOST" ] && continue
	"$HERE/chroot.sh" ensure "$rel" >"$OUT/$rel.ensure.log" 2>&1 &
	pids+=("$!:$rel")
done
declare -A ready
for p in "${pids[@]}"; do
	if wait "${p%%:*}"; then ready[${p#*:}]=1; else
		echo "check-distros: no chroot for ${p#*:}:" >&2; tail -n 20 "$OUT/${p#*:}.ensure.log" >&2
	fi
done
echo "check-distros: chroots ready after $(($(date +%s) - start)) s"

# Copy the tracked and untracked-but-not-ignored files (what a commit of
# the work tree would hold) into DEST.
copy_tree() {
	rm -rf "$1"; mkdir -p "$1"; chmod 0755 "$1"
	(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - -cf -) | tar -xf - -C "$1"
}

# run_in RELEASE DIR CMD: run CMD (a shell command) in DIR on the host or
# in the release's chroot.
run_in() {
	local rel=$1 dir=$2 cmd=$3
	if [ "$rel" = "$HOST" ]; then
		(cd "$dir" && env LANG=C.UTF-8 sh -c "$cmd")
	else
		"$HERE/chroot.sh" run "$rel" sh -c "cd '${dir#"$("$HERE/chroot.sh" path "$rel")"}' && $cmd"
	fi
}

OLDEST=${RELEASES%% *}
declare -A cell
for rel in $RELEASES; do
	for step in make demo check old-so; do cell[$rel.$step]="-"; done
	if [ "$rel" != "$HOST" ] && [ -z "${ready[$rel]:-}" ]; then
		cell[$rel.make]="no chroot"; continue
	fi
	# The host's copy lives beside the chroots too: tests run fixtures as
	# `nobody`, who must reach it, and the work tree may be private.
	if [ "$rel" = "$HOST" ]; then dir="$CACHE/host-$rel"
	else dir="$("$HERE/chroot.sh" path "$rel")/build/envsafe"; fi
	mkdir -p "$OUT/$rel"
	copy_tree "$dir"
	info=$(run_in "$rel" "$dir" 'echo "glibc $(ldd --version | sed -n "1s/.* //p"), $(cc --version | sed -n 1p)"')
	echo "=== $rel: $info"
	cell[$rel.info]=$info
	for step in make demo check; do
		case $step in
		make) cmd="make -j2 all" ;;
		demo) cmd="make demo" ;;
		check) cmd="make check" ;;
		esac
		t0=$(date +%s)
		if run_in "$rel" "$dir" "$cmd" >"$OUT/$rel/$step.log" 2>&1; then
			cell[$rel.$step]="ok ($(($(date +%s) - t0)) s)"
		else
			cell[$rel.$step]="FAILED"
			echo "--- $rel: make $step failed; last lines of $OUT/$rel/$step.log:"
			grep -E '^(not ok|Failed|#   Failed|# )' "$OUT/$rel/$step.log" | head -n 40
			tail -n 15 "$OUT/$rel/$step.log"
			break
		fi
		echo "$rel: $step ${cell[$rel.$step]}"
	done
	if [ "$rel" = "$OLDEST" ] && [ -e "$dir/build/libenvsafe.so.1" ]; then
		cp "$dir/build/libenvsafe.so.1" "$OUT/oldest-libenvsafe.so.1"
		echo "$rel: the library needs $(objdump -T "$OUT/oldest-libenvsafe.so.1" |
			grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1) at most"
	fi
	if [ "${cell[$rel.make]}" != FAILED ] && [ -e "$OUT/oldest-libenvsafe.so.1" ]; then
		cp "$OUT/oldest-libenvsafe.so.1" "$dir/build/oldest-libenvsafe.so.1"
		if run_in "$rel" "$dir" 'LD_PRELOAD=$PWD/build/oldest-libenvsafe.so.1 /bin/true &&
			LD_PRELOAD=$PWD/build/oldest-libenvsafe.so.1 build/envsafe-stress --mode growth --seconds 1' \
			>"$OUT/$rel/old-so.log" 2>&1 && grep -q 'misses=0' "$OUT/$rel/old-so.log" &&
			grep -q 'provider=libenvsafe' "$OUT/$rel/old-so.log"; then
			cell[$rel.old-so]=ok
		else
			cell[$rel.old-so]=FAILED
			tail -n 5 "$OUT/$rel/old-so.log"
		fi
	fi
done

failed=0
echo
printf '%-10s %-48s %-12s %-12s %-12s %-8s\n' release "glibc, compiler" make demo check "$OLDEST .so"
for rel in $RELEASES; do
	printf '%-10s %-48s %-12s %-12s %-12s %-8s\n' "$rel" "${cell[$rel.info]:-?}" \
		"${cell[$rel.make]}" "${cell[$rel.demo]}" "${cell[$rel.check]}" "${cell[$rel.old-so]}"
	case "${cell[$rel.make]} ${cell[$rel.demo]} ${cell[$rel.check]} ${cell[$rel.old-so]}" in
	*FAILED*|*-*|*"no chroot"*) failed=1 ;;
	*ok*ok*ok*ok) ;;
	*) failed=1 ;;
	esac
done
echo "check-distros: $(($(date +%s) - start)) s in all"
exit $failed
