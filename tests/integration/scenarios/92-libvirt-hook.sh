#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dda's qemu hook (build/bin/dda-qemu-hook, as /etc/libvirt/hooks/qemu.d/dda)
# in a real libvirtd, with the real ddad behind /run/dda/ddad.sock: the
# hostdevs written in a domain's XML.
#
#   - managed='no' naming a quarantined e1000e: virsh start works, the
#     device on vfio-pci in the domain's live XML, ddactl list and show say
#     assigned to the domain; virsh destroy, and a crash of its QEMU: back
#     in quarantine (on dda, never on e1000e)
#   - managed='yes' naming a quarantined device: virsh start fails with
#     dda's message, the device stays quarantined
#   - a group not wholly quarantined: refused, naming the member with the
#     host; the whole group quarantined, both NICs written in the XML: both
#     lent, both back at destroy
#   - libvirt_release of a domain with nothing of dda's: ok
#
#   sandbox VM: rp -- e1000e 01:00.0; pci-bridge with two e1000 (one group)
#
#@ devices: e1000e bridge2nic
#@ timeout: 400
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"
. "$DDA_SRC/tests/integration/libvirt.sh"

socket=/run/dda/ddad.sock
export DDA_SOCKET=$socket
nic=$(vm_pci_addr e1000e0)
a=$(vm_pci_addr bridge0nic0)
b=$(vm_pci_addr bridge0nic1)

hook_said() { grep -qx "$1" "$LV_HOOK_LOG"; }
show_is() { # ADDRESS STATE VM ("null" for none)
	local out vm=null
	[[ $3 == null ]] || vm="\"$3\""
	out=$($ddactl show --json "$1") || return 1
	[[ $out == *"\"state\": \"$2\""* && $out == *"\"vm\": $vm"* ]]
}
listed_as() { $ddactl list --json | grep -A12 "\"$1\"" | grep -q "\"vm\": \"$2\""; }
both_on() { is_driver "$a" "$1" && is_driver "$b" "$1"; }
e1000e_probes() { dmesg | grep -c "e1000e $nic"; }
ask() { printf '%s\n' "$1" | socat -t 30 - "UNIX-CONNECT:$socket"; }

check "insmod dda.ko" insmod "$DDA_KO"
check "modprobe vfio-pci" modprobe vfio-pci
check "libvirt's world is set up" lv_setup
lv_log_hook
check "dda's hook installed as $LV_HOOKS/dda" install -m 0755 "$DDA_BIN/dda-qemu-hook" "$LV_HOOKS/dda"
mkdir -p /run/dda
check "ddad listens on $socket" ddad_start
lv_start_or_end

# --- managed='no' of a quarantined device: lent at start, back at stop -------
check "dismount the e1000e into quarantine" $ddactl dismount "$nic"
probes=$(e1000e_probes)
check "define lv1 with a managed='no' hostdev of it" \
	lv_define lv1 2 "$(lv_hostdev "$nic" no)"
check "virsh start lv1" virsh start lv1
check "lv1 is running" wait_for 60 lv_running lv1
check "the e1000e is on vfio-pci" is_driver "$nic" vfio-pci
check "lv1's live XML has it" sh -c "virsh dumpxml lv1 | grep -A3 \"<hostdev mode='subsystem' type='pci' managed='no'>\" | grep -q \"bus='0x${nic:5:2}' slot='0x${nic:8:2}'\""
check "in lv1's QEMU" sh -c "ls -l /proc/$(lv_pid lv1)/fd | grep -q /dev/vfio/"
check "ddactl show: assigned to lv1" show_is "$nic" assigned lv1
check "ddactl list: assigned to lv1" listed_as "$nic" lv1
_run $ddactl list
check "ddad logged the loan" grep -q "$nic is lent to domain lv1" /tmp/ddad.log

: >"$LV_HOOK_LOG"
check "virsh destroy lv1" virsh destroy lv1
check "the hook ran 'release end'" wait_for 30 hook_said "lv1 release end - 1"
check "the e1000e is back on dda" wait_for 30 is_driver "$nic" dda
check "ddactl show: quarantined, no vm" show_is "$nic" quarantined null
check "it never went to e1000e" test "$(e1000e_probes)" = "$probes"
# Two ways back, both on proof, whichever comes first: ddad saw the QEMU
# process it recorded for lv1 exit (its pidfd), or the hook's release.
check "ddad logged it" grep -Eq "$nic is quarantined \(reclaimed from domain lv1\)|reclaiming $nic from vm lv1 \(guest-gone\)" /tmp/ddad.log

# Again, and its QEMU crashes: libvirt runs the hooks all the same.
check "virsh start lv1 again" virsh start lv1
check "on vfio-pci" is_driver "$nic" vfio-pci
pid=$(lv_pid lv1)
check "lv1's QEMU crashes (kill -9 $pid)" kill -KILL "$pid"
check "lv1 is shut off" wait_for 30 sh -c "virsh domstate lv1 | grep -q 'shut off'"
check "back on dda" wait_for 30 is_driver "$nic" dda
check "ddactl show: quarantined, no vm" show_is "$nic" quarantined null
check "it never went to e1000e" test "$(e1000e_probes)" = "$probes"

# --- managed='yes' of a quarantined device: refused ---------------------------
check "define lv2 with a managed='yes' hostdev of it" \
	lv_define lv2 1 "$(lv_hostdev "$nic" yes)"
check "virsh start lv2 fails" sh -c "! virsh start lv2 2>/tmp/start.err"
_run cat /tmp/start.err
check "with dda's message: why, and what to write" grep -q \
	"dda hook: domain lv2: $nic is dda's (quarantined): with managed='yes' libvirt would take it from dda at start and give it to its host driver at stop; write managed='no'" \
	/tmp/start.err
check "lv2 is not running" sh -c "virsh domstate lv2 | grep -q 'shut off'"
check "the e1000e stays on dda" is_driver "$nic" dda
check "ddactl show: quarantined" show_is "$nic" quarantined null

# --- a group not wholly quarantined: refused, naming the member -------------
check "unbind the bridge's second NIC from e1000" sh -c "echo $b > /sys/bus/pci/drivers/e1000/unbind"
check "dismount the first alone" $ddactl dismount "$a"
check "define lv3 with a managed='no' hostdev of the first" \
	lv_define lv3 1 "$(lv_hostdev "$a" no)"
check "virsh start lv3 fails" sh -c "! virsh start lv3 2>/tmp/start.err"
_run cat /tmp/start.err
check "naming the member with the host" grep -Eq \
	"dda hook: domain lv3: the IOMMU group [0-9]+ of $a is not wholly quarantined: $b is with the host \(no driver\)" \
	/tmp/start.err
check "the first NIC stays on dda" is_driver "$a" dda
check "mount it back" $ddactl mount "$a"

# --- the whole group quarantined, both NICs in the XML ------------------------
check "dismount the group" $ddactl dismount "$a" --group
check "define lv4 with both NICs, managed='no'" \
	lv_define lv4 1 "$(lv_hostdev "$a" no)$(lv_hostdev "$b" no)"
check "virsh start lv4" virsh start lv4
_run tail -n 5 /tmp/ddad.log
check "both NICs on vfio-pci" both_on vfio-pci
check "ddactl show: the first assigned to lv4" show_is "$a" assigned lv4
check "the second too (it went along)" show_is "$b" assigned lv4
check "virsh destroy lv4" virsh destroy lv4
check "both back on dda" wait_for 30 both_on dda
check "ddactl show: the first quarantined" show_is "$a" quarantined null
check "the second too" show_is "$b" quarantined null

# --- release is idempotent ------------------------------------------------------
reply=$(ask '{"id":1,"op":"libvirt_release","domain":"lv9"}')
log "$reply"
check "libvirt_release of a domain with nothing of dda's: ok" \
	test "$reply" = '{"id":1,"ok":true,"result":{"domain":"lv9","quarantined":[]}}'

lv_stop
check "SIGTERM: ddad exits 0, no sanitizer report" ddad_stop
dmesg_clean
done_testing
