# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by every scenario inside the sandbox VM: . "$DDA_TESTLIB".
#
# Output is TAP-like: "ok N - desc" / "not ok N - desc", everything else is
# prefixed "# ". The environment (set by guest-init): DDA_SRC, DDA_BIN,
# DDA_SAN_BIN, DDA_KO, KVER, DDA_TESTLIB. The host's tree is read-only;
# /tmp (the working directory) and /run are the VM's own tmpfs. Plain bash
# where it can: every exec costs ~0.1 s under TCG (jq ~0.5 s).
#
#   ok DESC / not_ok DESC [DETAIL]    record a result
#   check DESC CMD...                 run CMD; ok when it succeeds
#   check_fails DESC CMD...           run CMD; ok when it fails
#   wait_for SECONDS CMD...           poll CMD until it succeeds or time is up
#   log MSG                           a comment line
#   dmesg_mark / dmesg_clean          no WARNING/BUG/Oops... since boot or mark
#   vm_qmp JSON                       one QMP command to the sandbox VM's QEMU
#   vm_pci_addr QEMU_ID               the guest PCI address of a device of the VM
#   as_user CMD...                    run CMD as nobody, no capabilities
#   driver_of ADDR / is_driver ADDR D the PCI device's driver / it is D
#   done_testing                      "# N passed, N failed"; exit status

_passed=0 _failed=0 _n=0 _qmp_id=0 _marks=0 _mark=
_out=$(mktemp /tmp/dda-test.XXXXXX)

log() { printf '# %s\n' "$*"; }

driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver")" 2>/dev/null || true; }
is_driver() { [[ $(driver_of "$1") == "$2" ]]; }

ok() {
	_n=$((_n + 1)) _passed=$((_passed + 1))
	printf 'ok %d - %s\n' "$_n" "$1"
}

not_ok() {
	_n=$((_n + 1)) _failed=$((_failed + 1))
	printf 'not ok %d - %s\n' "$_n" "$1"
	[[ -z ${2-} ]] || _comment <<<"$2"
}

_comment() { local l; while IFS= read -r l; do printf '#   %s\n' "$l"; done; }

# Run "$@" with its output (to a file, so daemons it starts cannot hang us)
# shown as comments; return its exit status.
_run() {
	local rc=0
	printf '# $ %s\n' "${*@Q}"
	"$@" >"$_out" 2>&1 </dev/null || rc=$?
	_comment <"$_out"
	return "$rc"
}

check() {
	local desc=$1 rc=0
	shift
	_run "$@" || rc=$?
	if [[ $rc -eq 0 ]]; then ok "$desc"; else not_ok "$desc" "exit status $rc"; fi
}

check_fails() {
	local desc=$1
	shift
	if _run "$@"; then not_ok "$desc" "succeeded, expected a failure"; else ok "$desc"; fi
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds (status 0)
# or SECONDS have passed (status 1).
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# dmesg_clean looks at the kernel log since boot, or since the last mark.
dmesg_mark() {
	_mark="dda-test: mark $((++_marks))"
	echo "$_mark" >/dev/kmsg
}

dmesg_clean() {
	local pat='WARNING:|BUG:|kernel BUG|Oops|Call Trace|general protection|UBSAN:'
	local bad desc="dmesg clean${_mark:+ since '$_mark'}"
	bad=$(dmesg | sed -n "${_mark:+/$_mark\$/,\$}p" | grep -E "$pat")
	if [[ -z $bad ]]; then ok "$desc"; else not_ok "$desc" "$bad"; fi
}

# vm_qmp JSON: send one command (a JSON object) to the QEMU running this VM,
# through the virtio-serial port org.dda.qmp, and print its reply. Fails on
# an error reply or after 30 s. Events read meanwhile are appended to
# /run/dda-qmp-events. Not for concurrent use.
_qmp_port() {
	local f d
	for f in /sys/class/virtio-ports/*/name; do
		d=${f%/name}
		[[ -r $f && $(<"$f") == org.dda.qmp ]] && { echo "/dev/${d##*/}"; return; }
	done
	return 1
}

_qmp_cmd() { # FD JSON: send, print the reply
	local fd=$1 id=dda-$((++_qmp_id)) line deadline=$((SECONDS + 30))
	printf '{"id": "%s", %s\n' "$id" "${2#\{}" >&"$fd"
	while ((SECONDS < deadline)) && IFS= read -r -t 30 -u "$fd" line; do
		line=${line%$'\r'}
		if [[ $line == *"\"id\": \"$id\""* ]]; then
			echo "$line"
			[[ $line == *'"return": '* ]]
			return
		fi
		echo "$line" >>/run/dda-qmp-events
	done
	echo "vm_qmp: no reply to $2" >&2
	return 1
}

vm_qmp() {
	local fd rc=0
	wait_for 30 _qmp_port || { echo "vm_qmp: no port org.dda.qmp" >&2; return 1; }
	exec {fd}<>"$(_qmp_port)"
	# The session outlives opens and closes of the port: the greeting and
	# the capabilities negotiation happen once per boot.
	if [[ ! -e /run/dda-qmp-ready ]]; then
		_qmp_cmd "$fd" '{"execute": "qmp_capabilities"}' >/dev/null &&
			: >/run/dda-qmp-ready || rc=1
	fi
	[[ $rc -ne 0 ]] || _qmp_cmd "$fd" "$1" || rc=$?
	exec {fd}>&-
	return "$rc"
}

# vm_pci_addr QEMU_ID: the address "0000:BB:DD.F" in this VM of the device
# whose QEMU id is QEMU_ID (see vm.sh), e.g. vm_pci_addr e1000e0.
vm_pci_addr() {
	vm_qmp '{"execute": "query-pci"}' | jq -re --arg id "$1" '
		def x2: [(. / 16 | floor), . % 16] | map("0123456789abcdef"[.:. + 1]) | add;
		first(.. | objects | select(.qdev_id? == $id))
		| "0000:\(.bus | x2):\(.slot | x2).\(.function)"'
}

as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all -- "$@"; }

done_testing() {
	rm -f "$_out"
	printf '# %d passed, %d failed\n' "$_passed" "$_failed"
	exit $((_failed > 0))
}
