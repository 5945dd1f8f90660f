#!/bin/sh
# check-musl: the library built with musl-gcc.
#   (a) linked statically through its own archive (-static): our objects
#       define getenv, setenv, ... and must win over musl's libc.a members,
#       without duplicate symbols;
#   (b) preloaded, through musl's dynamic loader, into musl programs that
#       link only libc.
set -u
. "$ES_SRC_DIR/tests/sanitizers/tap.sh"

musl_ld=/lib/ld-musl-x86_64.so.1
[ -x "$musl_ld" ] || { echo "Bail out! $musl_ld (musl) is missing"; exit 255; }
T=$ES_BUILD_DIR/tests
lib=$ES_BUILD_DIR/libenvsafe.so
for f in "$lib" "$ES_BUILD_DIR/libenvsafe.a" "$T/sanitizers/race" "$T/cross/stock_crash" \
	"$T/cross/stock_crash_linked" "$T/cross/envsafe-stress"; do
	need_file "$f" check-musl
done
STRESS_SECONDS=${STRESS_SECONDS:-0.5}

interp() { readelf -l "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p'; }

# ---- (a) static ----
static_race=$T/sanitizers/race
[ -z "$(interp "$static_race")" ] && file "$static_race" | grep -q 'statically linked'
ok $? "race is a static executable"
# Which definitions the static link took: ours (envsafe_version next to
# getenv), and none of musl's environment writers (their members define
# __putenv and __env_rm_add, which nothing else pulls in).
syms=$(nm "$static_race")
for s in getenv setenv unsetenv putenv clearenv secure_getenv; do
	[ "$(printf '%s\n' "$syms" | grep -c " [TW] $s\$")" = 1 ]
	ok $? "static link: exactly one definition of $s"
done
printf '%s\n' "$syms" | grep -qE ' [TtWw] (__putenv|__env_rm_add)$'
ok $((! $?)) "static link: musl's own setenv/putenv members were not linked in"

run 60 "$static_race" 1.5
grep -q '^not ok' "$tap_tmp/out"; bad=$?
[ "$rc" = 0 ] && [ "$bad" = 1 ]
ok $? "race, static musl + libenvsafe.a (exit $rc)"
sed -n 's/^# /#   race: /p' "$tap_tmp/out"
[ "$rc" = 0 ] && [ "$bad" = 1 ] || { sed 's/^/#   /' "$tap_tmp/out"; show_err; }

run 60 "$T/cross/stock_crash_linked" 2
ok $rc "stock_crash, static musl + libenvsafe.a, survives: $(cat "$tap_tmp/out")"

# ---- (b) preloaded into dynamic musl programs ----
crash=$T/cross/stock_crash
stress=$T/cross/envsafe-stress
[ "$(interp "$crash")" = "$musl_ld" ] && [ "$(interp "$stress")" = "$musl_ld" ]
ok $? "stock_crash and envsafe-stress are dynamic musl programs ($musl_ld)"
readelf -d "$crash" "$stress" | grep -q 'NEEDED.*libenvsafe'
ok $((! $?)) "neither links libenvsafe: it arrives only through LD_PRELOAD"

run 60 env LD_PRELOAD="$lib" "$crash" 2
ok $rc "stock_crash, libenvsafe preloaded by the musl loader, survives: $(cat "$tap_tmp/out")"

modes=$("$stress" --list) || { echo "Bail out! $stress --list failed"; exit 255; }
for mode in $modes; do
	run 60 env LD_PRELOAD="$lib" "$stress" --mode "$mode" --seconds "$STRESS_SECONDS"
	grep -q 'provider=libenvsafe' "$tap_tmp/err"; provider=$?
	[ "$rc" = 0 ] && [ "$provider" = 0 ]
	ok $? "envsafe-stress --mode $mode, preloaded: $(tail -n 1 "$tap_tmp/out") (exit $rc)"
	[ "$rc" = 0 ] && [ "$provider" = 0 ] || show_err 10
done

# ---- the core suite's programs, built with musl-gcc ----
. "$ES_SRC_DIR/tests/cross/core.sh"
runner=
preload="env LD_PRELOAD=$lib ES_PRELOAD_TRIED=1"
preload_only="env LD_PRELOAD=$lib"
core_programs check-musl
# Stock musl dereferences the NULL arguments the script passes, so the
# reference is glibc with libenvsafe: the library must behave the same
# whichever C library is underneath.
ref=${ES_REF_BUILD_DIR:-}
[ -n "$ref" ] && [ -x "$ref/tests/core/semantics/script" ] ||
	{ echo "Bail out! ES_REF_BUILD_DIR/tests/core/semantics/script (the glibc build) is missing"; exit 255; }
env -i INIT1=x INIT2=y LD_PRELOAD="$ref/libenvsafe.so" "$ref/tests/core/semantics/script" > "$tap_tmp/script.glibc" 2>&1
same_output "semantics script: musl + libenvsafe prints exactly what glibc + libenvsafe prints" "$tap_tmp/script.glibc"
tap_program "snapshots, linked (execve and posix_spawn of the snapshot)" "$T/core/api/snapshot"
tap_program "constructors that run before the library's, static" "$T/core/startup/early_static"
tap_program "fork under writer churn, preloaded" $preload "$T/fork/fork_churn"
tap_program "fork under writer churn, linked" "$T/fork/fork_churn_linked"

# Stock musl, for the record: its setenv also replaces and frees environ
# under readers.  Reported, not required; the run must only not hang.
run 30 "$crash" 2
case $rc in
0) verdict="survived this time: $(cat "$tap_tmp/out")" ;;
1) verdict="survived but missed the untouched variable" ;;
*) if [ "$rc" -gt 128 ]; then verdict="crashed with signal $((rc - 128))"; else verdict="exit $rc"; fi ;;
esac
[ "$rc" -le 1 ] || { [ "$rc" -gt 128 ] && [ "$rc" != 137 ]; }
ok $? "stock musl, no libenvsafe: $verdict"

done_testing
