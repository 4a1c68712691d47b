# SPDX-License-Identifier: GPL-2.0-only
#
# ddad for the scenarios, sourced after $DDA_TESTLIB: the sanitizer build
# (LeakSanitizer told what libvirt keeps: lsan.supp), in the foreground,
# its log appended to /tmp/ddad.log, its socket $DDA_SOCKET, its state in
# $ddad_state.
#
#   ddad_start [OPTION...]   start it; true once it answers a ping
#   ddad_stop                SIGTERM; true if it exits 0 and its log has
#                            no sanitizer report, else its log's tail
#   ddad_kill                SIGKILL (a crash), whatever it says
#   ddad_log_clean           its log has no sanitizer report
#   status_is ADDRESS STATE VM   ddactl status says so

ddad=$DDA_SAN_BIN/ddad
ddactl=$DDA_SAN_BIN/ddactl
export DDA_SOCKET=${DDA_SOCKET:-/tmp/ddad/ddad.sock}
ddad_state=${ddad_state:-/tmp/ddad-state}

ddad_start() {
	LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$DDA_SRC/tests/integration/lsan.supp \
	"$ddad" --foreground --socket "$DDA_SOCKET" --state-dir "$ddad_state" "$@" \
		>>/tmp/ddad.log 2>&1 &
	ddad_pid=$!
	# Its answer, not its socket: a killed ddad leaves its socket behind.
	wait_for 20 ddad_answers
}

ddad_answers() {
	printf '{"id":1,"op":"ping"}\n' |
		socat -t 5 - "UNIX-CONNECT:$DDA_SOCKET" 2>/dev/null |
		grep -q '"ok":true'
}

# status_is ADDRESS STATE VM: ddactl status says so
status_is() { $ddactl status | grep -Eq "^$1 +$2 +$3 "; }

ddad_log_clean() {
	! grep -q -e 'Sanitizer' -e 'runtime error' /tmp/ddad.log
}

ddad_stop() {
	local rc=0

	kill -TERM "$ddad_pid" 2>/dev/null
	wait "$ddad_pid" || rc=$?
	if ((rc)) || ! ddad_log_clean; then
		echo "ddad exited $rc; the end of its log:"
		tail -n 40 /tmp/ddad.log
		return 1
	fi
}

ddad_kill() {
	kill -KILL "$ddad_pid" 2>/dev/null
	wait "$ddad_pid" 2>/dev/null
	true
}
