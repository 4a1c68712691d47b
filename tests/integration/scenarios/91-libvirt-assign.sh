#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ddad with a real libvirtd (tests/integration/libvirt.sh): a libvirt
# domain is a guest by its name, with no vm add. ddactl assign --vm DOMAIN
# hands the e1000e over to vfio-pci and hot-plugs it as a live
# managed='no' hostdev, alias ua-dda-...; unassign detaches it by alias and
# reclaims it into quarantine; reassign moves it between the domain and a
# QMP guest, both ways, never through the host driver. ddad killed, or
# libvirtd restarted, while the domain holds it: nothing moves, ddad
# finds it again, or reconnects. virsh destroy
# while assigned: back to quarantine (dda), never to e1000e.
#
#   sandbox VM: rp -- e1000e 01:00.0
#   domain lv1: three pcie-root-ports     QMP guest g1: two
#
#@ devices: e1000e
#@ timeout: 480
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"
. "$DDA_SRC/tests/integration/libvirt.sh"

nic=$(vm_pci_addr e1000e0)
alias=$(lv_alias "$nic")
hostdrv=$(driver_of "$nic")
. "$DDA_SRC/tests/integration/guest-qmp.sh"
log "e1000e at $nic on $hostdrv, alias $alias"

has_alias() { virsh dumpxml "$1" | grep -q "<alias name='$2'/>"; }
lacks_alias() { local x; x=$(virsh dumpxml "$1") && [[ $x != *"<alias name='$2'/>"* ]]; }
lv1_up() { $ddactl vm list | grep -Eq '^lv1 +yes +libvirt +yes '; }
says() { # DESC REGEX CMD...: CMD fails, its message matching REGEX
	local desc=$1 re=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [[ $rc -ne 0 && $out =~ $re ]]; then ok "$desc"; else not_ok "$desc" "exit $rc: $out"; fi
}
# Until the e1000e is on dda, that it is never on its host driver meanwhile.
quarantined_never_host() {
	local i
	for ((i = 0; i < 300; i++)); do
		is_driver "$nic" "$hostdrv" && { log "on $hostdrv!"; return 1; }
		is_driver "$nic" dda && status_is "$nic" quarantined - && return 0
		sleep 0.1
	done
	return 1
}

check "insmod dda.ko" insmod "$DDA_KO"
check "modprobe vfio-pci" modprobe vfio-pci
check "libvirt's world is set up" lv_setup
lv_start_or_end
check "define domain lv1 (q35, three pcie-root-ports)" lv_define lv1 3
check "start lv1" virsh start lv1
check "lv1 is running" wait_for 60 lv_running lv1
check "QMP guest g1 starts" guest_start g1 2
check "ddad starts" ddad_start
check "vm add g1" $ddactl vm add g1 --qmp /tmp/g1.qmp

# --- libvirt domains are guests, by name -------------------------------------
check "vm list: lv1, kind libvirt, running, connected" wait_for 20 lv1_up
_run $ddactl vm list
check "vm list --json: kind libvirt" sh -c "$ddactl vm list --json | grep -A2 '\"vm\": \"lv1\"' | grep -q '\"kind\": \"libvirt\"'"
check "vm list --json: g1 is kind qmp" sh -c "$ddactl vm list --json | grep -A2 '\"vm\": \"g1\"' | grep -q '\"kind\": \"qmp\"'"
says "vm add lv1: refused, it is a libvirt domain" "vm lv1 exists: it is a libvirt domain" \
	$ddactl vm add lv1 --qmp /tmp/lv1.qmp
says "assign to a name that is nothing: refused" "no vm named nope .*no libvirt domain of that name" \
	$ddactl assign "$nic" --vm nope

check "dismount the e1000e" $ddactl dismount "$nic"
check "assign it to lv1 by name" $ddactl assign "$nic" --vm lv1
check "the live XML has it, alias $alias" has_alias lv1 "$alias"
check "managed='no'" sh -c "virsh dumpxml lv1 | grep -q \"<hostdev mode='subsystem' type='pci' managed='no'>\""
check "not in the domain's config" sh -c "! virsh dumpxml --inactive lv1 | grep -q '$alias'"
check "it is on vfio-pci" is_driver "$nic" vfio-pci
check "status: assigned to lv1" status_is "$nic" assigned lv1
check "recorded with lv1's QEMU ($(lv_pid lv1))" grep -q "\"pid\": *$(lv_pid lv1)\b" "$ddad_state/state.json"
says "assign it again: refused" "already assigned to vm lv1" $ddactl assign "$nic" --vm g1

check "unassign it" $ddactl unassign "$nic"
check "the live XML has it no more" lacks_alias lv1 "$alias"
check "it is on dda" is_driver "$nic" dda
check "status: quarantined" status_is "$nic" quarantined -

# --- between kinds -------------------------------------------------------------
check "assign it to lv1" $ddactl assign "$nic" --vm lv1
check "reassign it to the QMP guest g1" $ddactl reassign "$nic" --vm g1
check "g1's query-pci has it" guest_has g1 "$nic"
check "lv1 has it no more" lacks_alias lv1 "$alias"
check "still on vfio-pci" is_driver "$nic" vfio-pci
check "reassign it back to lv1" $ddactl reassign "$nic" --vm lv1
check "lv1 has it" has_alias lv1 "$alias"
check "g1 has it no more" guest_lacks g1 "$nic"
check "status: assigned to lv1" status_is "$nic" assigned lv1

# --- between two domains: lv1 -> lv2 -> lv1 ---------------------------------------
lv2_up() { $ddactl vm list | grep -Eq '^lv2 +yes +libvirt +yes '; }
check "define domain lv2" lv_define lv2 2
check "start lv2" virsh start lv2
check "vm list: lv2 connected" wait_for 30 lv2_up
check "reassign it from lv1 to lv2" $ddactl reassign "$nic" --vm lv2
check "lv2's live XML has it" has_alias lv2 "$alias"
check "lv1's has it no more" lacks_alias lv1 "$alias"
check "status: assigned to lv2" status_is "$nic" assigned lv2
check "recorded with lv2's QEMU ($(lv_pid lv2))" grep -q "\"pid\": *$(lv_pid lv2)\b" "$ddad_state/state.json"
check "reassign it back to lv1" $ddactl reassign "$nic" --vm lv1
check "lv1 has it again" has_alias lv1 "$alias"
check "lv2 has it no more" lacks_alias lv2 "$alias"
check "virsh destroy lv2" virsh destroy lv2

# --- ddad killed while lv1 holds it: nothing moves, the new ddad knows it -------
check "kill ddad (SIGKILL) while lv1 holds it" ddad_kill
check "still on vfio-pci, ddad gone" is_driver "$nic" vfio-pci
check "ddad starts again" ddad_start
check "vm list: lv1 connected again" wait_for 30 lv1_up
check "status: still assigned to lv1" status_is "$nic" assigned lv1
check "still recorded with lv1's QEMU ($(lv_pid lv1))" grep -q "\"pid\": *$(lv_pid lv1)\b" "$ddad_state/state.json"
check "the live XML still has it" has_alias lv1 "$alias"

# --- libvirtd restarted while lv1 holds it: nothing moves -----------------------
check "stop libvirtd" lv_stop
check "vm list: lv1 not connected" wait_for 10 sh -c "$ddactl vm list | grep -Eq '^lv1 +no '"
sleep 2
check "still assigned to lv1" status_is "$nic" assigned lv1
check "still on vfio-pci" is_driver "$nic" vfio-pci
says "unassign while libvirtd is away: refused, nothing moves" "not connected" \
	$ddactl unassign "$nic"
check "libvirtd starts again" lv_start
check "ddad reconnects: lv1 connected" wait_for 30 lv1_up
check "still assigned to lv1" status_is "$nic" assigned lv1
check "the live XML still has it" has_alias lv1 "$alias"
check "unassign works" $ddactl unassign "$nic"
check "it is on dda" is_driver "$nic" dda

# --- --persistent: into the domain's config too --------------------------------
check "assign --persistent" $ddactl assign "$nic" --vm lv1 --persistent
check "the config has it" sh -c "virsh dumpxml --inactive lv1 | grep -q '$alias'"
check "the live XML has it" has_alias lv1 "$alias"
check "unassign" $ddactl unassign "$nic"
check "the live XML has it no more" lacks_alias lv1 "$alias"
virsh detach-device lv1 --config <(lv_hostdev "$nic" no "$alias") >/dev/null 2>&1 ||
	virsh detach-device-alias lv1 "$alias" --config >/dev/null 2>&1

# --- virsh destroy while assigned: quarantine, never the host driver --------------
check "assign it to lv1" $ddactl assign "$nic" --vm lv1
pid=$(lv_pid lv1)
check "virsh destroy lv1" virsh destroy lv1
check "back in quarantine (dda), never on $hostdrv" quarantined_never_host
check "lv1's QEMU is gone" sh -c "! kill -0 $pid"
check "ddad says it reclaimed it, its QEMU gone" grep -q "reclaiming $nic from vm lv1 (guest-gone)" /tmp/ddad.log
check "vm list: lv1 shut off, not connected" wait_for 10 sh -c "$ddactl vm list | grep -Eq '^lv1 +no +libvirt +no '"
says "assign to lv1, shut off: refused" "not connected" $ddactl assign "$nic" --vm lv1

_run grep -E 'libvirt|lv1' /tmp/ddad.log
check "mount the e1000e: back to $hostdrv" $ddactl mount "$nic"
check "it is on $hostdrv" is_driver "$nic" "$hostdrv"
check "SIGTERM: ddad exits 0, no sanitizer report" ddad_stop
guest_kill g1
lv_stop
dmesg_clean
done_testing
