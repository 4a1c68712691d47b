#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ddad and ddactl assign, unassign and reassign an e1000e and an edu
# between two running guests: QEMUs started inside the sandbox VM (TCG,
# q35, no OS, two pcie-root-ports each: native PCIe hotplug completes
# device_add and device_del without a guest driver). Each guest's own
# query-pci, on a second QMP monitor of the test's, shows where the devices
# are; dda.ko shows vfio-pci and dda; ddactl status and list name the
# guest. The refusals of the rules, and the times each step takes. Each
# assign hands over with hold and releases right before device_add: the
# window between owners (the owned event) is within ddad's release and
# device_add steps, not its handover.
#
#   sandbox VM (q35 + intel-iommu)          guests g1, g2 (QEMU in the VM)
#    |-- rp -- e1000e   01:00.0               |-- rp0   \ vfio-pci, hot-
#    `-- edu            00:02.0               `-- rp1   / plugged by ddad
#
#@ devices: e1000e edu
#@ timeout: 480
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"

nic=$(vm_pci_addr e1000e0)
edu=0000:00:02.0
. "$DDA_SRC/tests/integration/guest-qmp.sh"

# --- ddad -------------------------------------------------------------------

# says DESC REGEX CMD...: CMD fails and its message matches REGEX
says() {
	local desc=$1 re=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [[ $rc -ne 0 && $out =~ $re ]]; then ok "$desc"; else not_ok "$desc" "exit $rc: $out"; fi
}
ms_since() { echo $(((${EPOCHREALTIME/./} - $1) / 1000)); }
timed() { # DESC CMD...: check, and log how long it took
	local t=${EPOCHREALTIME/./}
	check "$@"
	log "time: $1: $(ms_since "$t") ms"
}

check "insmod dda.ko" insmod "$DDA_KO"
check "modprobe vfio-pci" modprobe vfio-pci
t=${EPOCHREALTIME/./}
check "guest g1 starts" guest_start g1 2
check "guest g2 starts" guest_start g2 2
log "time: two guests up: $(ms_since "$t") ms"
check "ddad starts" ddad_start

check "vm add g1" $ddactl vm add g1 --qmp /tmp/g1.qmp
check "vm add g2" $ddactl vm add g2 --qmp /tmp/g2.qmp
check "vm list: both connected" sh -c "$ddactl vm list | grep -Eq '^g1 +yes' && $ddactl vm list | grep -Eq '^g2 +yes'"
_run $ddactl vm list

says "assign of a host device: dismount it first" "dismount it first" \
	$ddactl assign $edu --vm g1
check "dismount the e1000e" $ddactl dismount "$nic"
check "dismount edu" $ddactl dismount $edu
says "assign to an unknown vm: refused" "no vm named g9" $ddactl assign $edu --vm g9

timed "assign the e1000e to g1" $ddactl assign "$nic" --vm g1
check "g1's query-pci has it" guest_has g1 "$nic"
check "it is bound to vfio-pci" is_driver "$nic" vfio-pci
check "status: assigned to g1" status_is "$nic" assigned g1
check "list --json names g1" sh -c "$ddactl list --json | grep -A12 '\"$nic\"' | grep -q '\"vm\": \"g1\"'"
check "show --json names g1" sh -c "$ddactl show --json $nic | grep -q '\"vm\": \"g1\"'"
$ddactl events --json >/tmp/events.json 2>&1 &
events=$!
listening() { grep -q poll "/proc/$events/wchan"; }
check "ddactl events is listening" wait_for 20 listening
# REASON: the edu's events with it, as JSON lines
edu_events() { grep "\"address\": \"$edu\"" /tmp/events.json | grep "\"reason\": \"$1\""; }
# STEP: its milliseconds in ddad's timing line of the last assign of edu
step_ms() {
	grep -o "assign $edu: .*" /tmp/ddad.log | tail -n 1 |
		grep -Eo "$1 [0-9.]+" | grep -Eo '[0-9.]+$'
}
timed "assign edu to g2" $ddactl assign $edu --vm g2
check "ddad released edu's group (event reason release)" wait_for 10 edu_events release
check "then g2's open ended the window (reason owned, with window_usec)" \
	wait_for 10 sh -c "grep '\"address\": \"$edu\"' /tmp/events.json | grep '\"reason\": \"owned\"' | grep -q window_usec"
check "the release came before the claim" sh -c \
	"grep '\"address\": \"$edu\"' /tmp/events.json | grep -Eo 'release|owned' | paste -sd ' ' | grep -q '^release owned'"
window=$(edu_events owned | tail -n 1 | grep -Eo '"window_usec": [0-9]+' | grep -Eo '[0-9]+$')
check "ddad's timing line has its release step" sh -c \
	"grep -Eq 'assign $edu: [0-9.]+ ms: query-pci [0-9.]+, handover [0-9.]+, release [0-9.]+, device_add [0-9.]+' /tmp/ddad.log"
handover=$(step_ms handover) release=$(step_ms release) add=$(step_ms device_add)
log "ddad assign of edu: owned window ${window:-?} us; handover $handover ms, release $release ms, device_add $add ms"
# The window opens in the release step and closes in device_add's, seen by
# dda.ko's poll within 10 ms (kmod/window.c); each step is logged to 0.1 ms.
bound=$(python3 -c "print(int(($release + $add + 0.2) * 1000) + 10000)")
check "the window is within ddad's release and device_add steps + 10 ms" \
	test "${window:-999999999}" -le "$bound"
# Measured: 47 ms on 6.1, 16 ms on 6.12 (release to QEMU's open in
# device_add, TCG in TCG); without hold the handover step (18-36 ms) and
# ddad's work after it would be in it too. 3 s leaves a 60-fold margin for
# a loaded host, and still fails a window that takes in a QMP timeout or a
# wait of the guest's.
check "the window is below 3 s" test "${window:-999999999}" -lt 3000000
check "show: edu assigned, not held" sh -c \
	"$ddactl show '$edu' | grep -qx 'hold: no'"
check "g2's query-pci has edu" guest_has g2 $edu
check "g1's has not" guest_lacks g1 $edu
_run $ddactl status

says "assign edu again: refused" "already assigned to vm g2" $ddactl assign $edu --vm g1
says "mount of an assigned device: refused by dda.ko" "assigned" $ddactl mount $edu
says "vm remove of a guest holding a device: refused" "holds $edu" $ddactl vm remove g2

timed "reassign edu from g2 to g1" $ddactl reassign $edu --vm g1
check "g1 has edu" guest_has g1 $edu
check "g2 has it no more" guest_lacks g2 $edu
check "status: edu assigned to g1" status_is $edu assigned g1
timed "reassign the e1000e from g1 to g2" $ddactl reassign "$nic" --vm g2
check "g2 has the e1000e" guest_has g2 "$nic"
check "g1 has it no more" guest_lacks g1 "$nic"
check "it never went to the host: still vfio-pci" is_driver "$nic" vfio-pci
_run $ddactl vm list

timed "unassign edu" $ddactl unassign $edu
check "g1 has edu no more" guest_lacks g1 $edu
check "edu is bound to dda" is_driver $edu dda
check "status: edu quarantined" status_is $edu quarantined -
timed "unassign the e1000e" $ddactl unassign "$nic"
check "g2 has it no more" guest_lacks g2 "$nic"
check "it is bound to dda" is_driver "$nic" dda
says "unassign again: refused" "is not assigned" $ddactl unassign "$nic"

check "mount the e1000e: back to e1000e" $ddactl mount "$nic"
check "it is bound to e1000e" is_driver "$nic" e1000e
check "mount edu" $ddactl mount $edu
check "vm remove g1" $ddactl vm remove g1
check "vm remove g2" $ddactl vm remove g2
check "vm list: none" sh -c "$ddactl vm list | grep -q '^No vm'"

kill "$events" 2>/dev/null
wait "$events" 2>/dev/null
check "SIGTERM: ddad exits 0, no sanitizer report" ddad_stop
kill "${gpid[g1]}" "${gpid[g2]}" 2>/dev/null
check "the audit names every assign" sh -c "[ \$(grep -c 'op=assign .* result=ok' /tmp/ddad.log) -eq 2 ]"
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
