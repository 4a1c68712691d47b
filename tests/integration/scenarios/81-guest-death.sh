#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A guest that dies holding a device gives it back to quarantine, never to
# the host: killed with SIGKILL, or quit (SHUTDOWN, then its QMP socket
# closes). ddad killed with SIGKILL mid-assign, mid-unassign, and while
# its guest dies, then started again: it reconciles state.json with dda.ko
# and the guests, and leaves no device between states.
#
#   sandbox VM: rp -- e1000e 01:00.0, edu 00:02.0
#   guests g1, g2, g3: QEMU in the VM, two pcie-root-ports each
#
#@ devices: e1000e edu
#@ timeout: 480
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"

nic=$(vm_pci_addr e1000e0)
edu=0000:00:02.0
. "$DDA_SRC/tests/integration/guest-qmp.sh"

# --- ddad -------------------------------------------------------------------

# rec ADDRESS REGEX: its record in state.json matches (no fork: quick)
rec() {
	local s
	s=$(<"$ddad_state/state.json") || return 1
	[[ $s =~ \"$1\":\ \{[^}]*$2 ]]
}
# until SECONDS CMD...: wait_for, polling every 20 ms
until_() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.02; done
}
ms_since() { echo $(((${EPOCHREALTIME/./} - $1) / 1000)); }
# Where a device is must agree everywhere: dda.ko, the guest, ddad.
settled() { # ADDRESS GUEST
	if is_driver "$1" vfio-pci; then
		guest_has "$2" "$1" && status_is "$1" assigned "$2"
	else
		is_driver "$1" dda && status_is "$1" quarantined - &&
			! rec "$1" '"operation": "'
	fi
}

check "insmod dda.ko" insmod "$DDA_KO"
check "modprobe vfio-pci" modprobe vfio-pci
check "guest g1 starts" guest_start g1 2
check "guest g2 starts" guest_start g2 2
check "ddad starts" ddad_start
check "dismount the e1000e" $ddactl dismount "$nic"
check "dismount edu" $ddactl dismount $edu
# Every state change, to show no device ever goes back to the host.
$ddactl events >/tmp/events.log 2>&1 &
events_pid=$!
check "vm add g1" $ddactl vm add g1 --qmp /tmp/g1.qmp
check "vm add g2" $ddactl vm add g2 --qmp /tmp/g2.qmp

# --- a guest killed holding a device ---------------------------------------
check "assign edu to g1" $ddactl assign $edu --vm g1
check "g1 has edu" guest_has g1 $edu
t=${EPOCHREALTIME/./}
guest_kill g1
check "g1 killed: edu back in quarantine" wait_for 30 is_driver $edu dda
log "time: guest killed -> quarantined: $(ms_since "$t") ms"
check "status: quarantined, no vm" wait_for 10 status_is $edu quarantined -
check "the audit says why" grep -q "op=reclaim address=$edu vm=g1 result=ok cause=guest-gone" /tmp/ddad.log
check "vm list: g1 not connected" sh -c "$ddactl vm list | grep -Eq '^g1 +no'"

# --- a guest that quits: SHUTDOWN, then its socket closes ------------------
check "assign the e1000e to g2" $ddactl assign "$nic" --vm g2
gq g2 '{"execute": "quit"}' >/dev/null
check "g2 quit: the e1000e back in quarantine" wait_for 30 is_driver "$nic" dda
check "status: quarantined" wait_for 10 status_is "$nic" quarantined -
wait "${gpid[g2]}" 2>/dev/null
check "vm remove g1 (gone, holds nothing)" $ddactl vm remove g1
check "vm remove g2" $ddactl vm remove g2

# --- ddad killed with a device assigned, its guest killed meanwhile --------
check "guest g3 starts" guest_start g3 2
check "vm add g3" $ddactl vm add g3 --qmp /tmp/g3.qmp
check "assign edu to g3" $ddactl assign $edu --vm g3
ddad_kill
guest_kill g3
check "ddad starts again" ddad_start
check "the guest gone: edu reclaimed" wait_for 30 is_driver $edu dda
check "status: quarantined" wait_for 10 status_is $edu quarantined -
check "vm remove g3" $ddactl vm remove g3

# --- ddad killed mid-assign ------------------------------------------------
check "guest g1 starts again" guest_start g1 2
check "vm add g1" $ddactl vm add g1 --qmp /tmp/g1.qmp
$ddactl assign "$nic" --vm g1 >/tmp/assign.out 2>&1 &
assign_pid=$!
# Recorded before the handover: g1 stops, device_add will wait on it.
until_ 30 rec "$nic" '"operation": "assign"'
kill -STOP "${gpid[g1]}"
check "mid-assign: the handover done, recorded" until_ 30 rec "$nic" \
	'"state": "assigned"[^}]*"operation": "assign"'
ddad_kill
kill -CONT "${gpid[g1]}"	# it does the device_add now, or did
wait "$assign_pid" 2>/dev/null
_run cat /tmp/assign.out
check "ddad starts again" ddad_start
check "the assign is finished or undone, the same everywhere" wait_for 30 settled "$nic" g1
_run $ddactl status
log "after the restart: $(driver_of "$nic") ($(guest_has g1 "$nic" && echo "in g1" || echo "not in g1"))"
if is_driver "$nic" vfio-pci; then check "unassign it" $ddactl unassign "$nic"; fi

# --- ddad killed mid-unassign ----------------------------------------------
check "assign the e1000e to g1" $ddactl assign "$nic" --vm g1
kill -STOP "${gpid[g1]}"	# g1 answers nothing: device_del waits
$ddactl unassign "$nic" >/tmp/unassign.out 2>&1 &
unassign_pid=$!
check "mid-unassign: recorded" until_ 30 rec "$nic" '"operation": "unassign"'
ddad_kill
wait "$unassign_pid" 2>/dev/null
kill -CONT "${gpid[g1]}"	# it does the device_del now, or not
check "ddad starts again" ddad_start
check "the unassign is finished or undone, the same everywhere" wait_for 30 settled "$nic" g1
log "after the restart: $(driver_of "$nic") ($(guest_has g1 "$nic" && echo "in g1" || echo "not in g1"))"
if is_driver "$nic" vfio-pci; then check "unassign it" $ddactl unassign "$nic"; fi
check "the e1000e is quarantined" is_driver "$nic" dda
check "g1 has it no more" guest_lacks g1 "$nic"

# --- never the host ----------------------------------------------------------
kill "$events_pid" 2>/dev/null
_run cat /tmp/events.log
check "no device went to the host meanwhile" sh -c "! grep -q ' -> host' /tmp/events.log"
check "mount the e1000e" $ddactl mount "$nic"
check "mount edu" $ddactl mount $edu
check "SIGTERM: ddad exits 0, no sanitizer report" ddad_stop
guest_kill g1
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
