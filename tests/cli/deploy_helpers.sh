# Helpers for doctor.t and ps.t (sourced after tap.sh): start the
# deploy-service fixture and wait for its "ready PID" line, never a sleep.

SERVICE=$FIXTURES/deploy-service
[ -x "$SERVICE" ] || bail "$SERVICE is missing (run make first)"
command -v mkfifo >/dev/null || bail "mkfifo(1) is required"
command -v python3 >/dev/null || bail "python3 is required to read the JSON output"
unset LD_PRELOAD ENVSAFE_STRICT ENVSAFE_TRACE_FD ENVSAFE_TRACE_PID ENVSAFE_TRACE_VALUES

# When /etc/ld.so.preload already loads libenvsafe into everything, a
# "plain" service is protected too; as root, plain services then run in a
# private mount namespace whose /etc/ld.so.preload is empty.
PLAIN=
if sh -c 'grep -q "/libenvsafe\.so" /proc/$$/maps'; then
	[ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null ||
		bail "libenvsafe is preloaded system-wide: unprotected controls need root and unshare(1)"
	# shellcheck disable=SC2016 # expanded by the inner shell
	PLAIN='unshare -m sh -c "mount --bind /dev/null /etc/ld.so.preload && exec \"\$@\"" sh'
	diag "libenvsafe is preloaded system-wide: plain services run with an empty /etc/ld.so.preload"
fi

# start_service SLOT CMD...: SLOT 1, 2 or 3 picks the descriptors (3/4,
# 5/6, 7/8).  Sets service_pid.  The service's stdout is a FIFO we read
# its ready line from; its stdin a FIFO we hold open until stop_service.
start_service() {
	slot=$1
	shift
	rfd=$((slot * 2 + 1))
	hfd=$((slot * 2 + 2))
	rm -f "$TMP/ready$slot" "$TMP/hold$slot"
	mkfifo "$TMP/ready$slot" "$TMP/hold$slot" || bail "mkfifo failed"
	"$@" >"$TMP/ready$slot" <"$TMP/hold$slot" &
	# Opening order matches the service's (stdout first), so neither
	# open blocks the other.
	eval "exec $rfd<\"\$TMP/ready$slot\""
	eval "exec $hfd>\"\$TMP/hold$slot\""
	service_line=
	eval "read -r service_line <&$rfd"
	case $service_line in
	"ready "*) service_pid=${service_line#ready } ;;
	*) bail "the service in slot $slot did not start (got '$service_line')" ;;
	esac
}

# stop_service SLOT: closes its stdin; it exits at EOF.
stop_service() {
	eval "exec $(($1 * 2 + 2))>&-"
	eval "exec $(($1 * 2 + 1))<&-"
}

# json_field FILE FIELD: FIELD of the one JSON object in FILE.
json_field() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(json.dumps(v))' "$1" "$2"
}

# start_three_services N: a plain service with N threads (risky), the same
# under envsafe run (protected), and a plain single-threaded one (single),
# in slots 1, 2 and 3.
start_three_services() {
	eval "start_service 1 $PLAIN \"\$SERVICE\" threads $1"
	risky=$service_pid
	start_service 2 "$ENVSAFE" run -- "$SERVICE" threads "$1"
	protected=$service_pid
	eval "start_service 3 $PLAIN \"\$SERVICE\" single"
	single=$service_pid
}
