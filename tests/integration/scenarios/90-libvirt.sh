#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The libvirt world the libvirt scenarios build on (tests/integration/
# libvirt.sh), and what libvirt 9.0 itself does with PCI hostdevs, which
# ddad's libvirt guests rely on:
#
#   - libvirtd runs in the sandbox VM; an OS-less q35 domain of type qemu
#     runs under it, its QEMU's pid in /run/libvirt/qemu/NAME.pid and in the
#     status XML
#   - a device put on vfio-pci by hand is attached live as a managed='no'
#     hostdev with a user alias ua-dda-..., into a free pcie-root-port; the
#     live XML names it; it is detached by alias, completed by the
#     DEVICE_REMOVED event, and stays on vfio-pci; an alias without "ua-"
#     is silently replaced by libvirt's own
#   - virsh destroy runs the qemu hooks "stopped end", then "release end",
#     with the live XML (hot-plugged hostdevs in it); a managed='no' device
#     stays on vfio-pci
#   - managed='no' with the device on dda (quarantine) is refused (QEMU
#     cannot open its VFIO group)
#   - managed='yes' takes a quarantined device off dda at start, and at
#     stop leaves it on vfio-pci (unopened: no isolation), not on dda:
#     quarantine lost both ways; a device taken from its host driver stays
#     on vfio-pci too, until virsh nodedev-reattach
#   - dda's qemu hook (build/bin/dda-qemu-hook), against a fake ddad:
#     without ddad and with dda.ko loaded it refuses a start with PCI
#     hostdevs; ddad's refusal of libvirt_prepare refuses it, with ddad's
#     message in libvirt's error; libvirt_release at "release end"
#   - libvirtd stopped: the domain runs on; started again, it runs the
#     hooks for a QEMU that died meanwhile
#
#   sandbox VM: rp -- e1000e 01:00.0
#   domain lv1: three pcie-root-ports
#
#@ devices: e1000e
#@ timeout: 600
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/libvirt.sh"

ddactl=$DDA_SAN_BIN/ddactl
nic=$(vm_pci_addr e1000e0)
alias=$(lv_alias "$nic")
hostdrv=$(driver_of "$nic")
log "e1000e at $nic on $hostdrv, alias $alias"

has_alias() { virsh dumpxml "$1" | grep -q "<alias name='$2'/>"; }
lacks_alias() { local x; x=$(virsh dumpxml "$1") && [[ $x != *"<alias name='$2'/>"* ]]; }
not_driver() { [[ $(driver_of "$1") != "$2" ]]; }
hook_said() { grep -qx "$1" "$LV_HOOK_LOG"; }

check "libvirt's world is set up (tmpfs, users, qemu.conf)" lv_setup
lv_log_hook
# dda's hook, with a fake ddad behind /run/dda/ddad.sock (libvirtd gives
# its hooks no DDA_SOCKET): it logs each request line to /tmp/fake-ddad.log
# and answers with the line in /tmp/fake-ddad.reply.
cp "$DDA_BIN/dda-qemu-hook" "$LV_HOOKS/dda"
cat >/tmp/fake-ddad.sh <<'EOF2'
#!/bin/sh
IFS= read -r line
echo "$line" >>/tmp/fake-ddad.log
cat /tmp/fake-ddad.reply
EOF2
chmod +x /tmp/fake-ddad.sh
fake_reply() { printf '%s\n' "$1" >/tmp/fake-ddad.reply; }
fake_up() {
	mkdir -p /run/dda
	socat UNIX-LISTEN:/run/dda/ddad.sock,fork EXEC:/tmp/fake-ddad.sh >/dev/null 2>&1 &
	fake=$!
	wait_for 10 test -S /run/dda/ddad.sock
}
lv_start_or_end

check "define domain lv1 (q35, three pcie-root-ports)" lv_define lv1 3
check "start lv1" virsh start lv1
check "lv1 is running" wait_for 60 lv_running lv1
pid=$(lv_pid lv1)
check "its QEMU's pid is in /run/libvirt/qemu/lv1.pid ($pid)" \
	grep -q qemu-system "/proc/$pid/cmdline"
check "and in its status XML" grep -q "<domstatus .*pid='$pid'" /run/libvirt/qemu/lv1.xml
check "the hook ran 'prepare begin' with no hostdev" hook_said "lv1 prepare begin - 0"

# --- managed='no': hot-plug and unplug of a device on vfio-pci -----------
check "put the e1000e on vfio-pci by hand" lv_vfio "$nic"
lv_hostdev "$nic" no "$alias" >/tmp/hostdev.xml
check "attach it live, managed='no', alias $alias" \
	virsh attach-device lv1 /tmp/hostdev.xml --live
check "the live XML names it" has_alias lv1 "$alias"
check "in a pcie-root-port's bus" sh -c \
	"virsh dumpxml lv1 | grep -A12 \"<hostdev mode='subsystem' type='pci' managed='no'>\" | grep -q \"<address type='pci' domain='0x0000' bus='0x0[1-3]'\""
check "the persistent XML does not" sh -c "! virsh dumpxml --inactive lv1 | grep -q '$alias'"

virsh event lv1 --event device-removed --timeout 60 >/tmp/event.log 2>&1 &
ev=$!
sleep 1
check "detach it by alias" virsh detach-device-alias lv1 "$alias" --live
wait "$ev"
check "DEVICE_REMOVED names the alias" grep -q "device-removed.*lv1.*$alias" /tmp/event.log
check "the live XML no longer names it" lacks_alias lv1 "$alias"
check "the device stays on vfio-pci" is_driver "$nic" vfio-pci

# libvirt keeps only user aliases ("ua-..."): another one is replaced by
# its own, silently. The device stays in lv1 for what follows.
lv_hostdev "$nic" no dda-x >/tmp/hostdev-bad.xml
check "attach it again with the alias 'dda-x'" virsh attach-device lv1 /tmp/hostdev-bad.xml --live
check "libvirt does not keep an alias without 'ua-'" lacks_alias lv1 dda-x
check "it names the hostdev itself" sh -c "virsh dumpxml lv1 | grep -q \"<alias name='hostdev[0-9]*'/>\""

# --- virsh destroy runs the hooks ------------------------------------------
# Their XML is the live one: it names the hostdev hot-plugged above.
: >"$LV_HOOK_LOG"
check "virsh destroy lv1" virsh destroy lv1
check "the hook ran 'stopped end', its XML naming the hot-plugged hostdev" \
	wait_for 30 hook_said "lv1 stopped end - 1"
check "then 'release end'" wait_for 30 hook_said "lv1 release end - 1"
check "in that order" test "$(head -n 1 "$LV_HOOK_LOG")" = "lv1 stopped end - 1"
check "managed='no': the device stays on vfio-pci" is_driver "$nic" vfio-pci
check "its QEMU is gone" sh -c "! kill -0 $pid"
check "the pid file is gone" test ! -e /run/libvirt/qemu/lv1.pid

# --- dda's quarantine and libvirt's managed modes -------------------------
check "insmod dda.ko" insmod "$DDA_KO"
check "back on $hostdrv" lv_host "$nic" "$hostdrv"
check "dismount the e1000e into quarantine" "$ddactl" dismount "$nic"
check "it is on dda" is_driver "$nic" dda

lv_hostdev "$nic" no "$alias" >/tmp/hostdev-no.xml
check "start lv1" virsh start lv1
check_fails "managed='no' on a device on dda is refused" \
	virsh attach-device lv1 /tmp/hostdev-no.xml --live
check "the device stays on dda" is_driver "$nic" dda
check "virsh destroy lv1" virsh destroy lv1

# managed='yes' in the domain's XML: libvirt takes the device off dda at
# start, and gives it to its host driver at stop. This is what the dda hook
# refuses (it fails the start instead).
: >"$LV_HOOK_LOG"
check "define lv2 with a managed='yes' hostdev of the quarantined device" \
	lv_define lv2 2 "$(lv_hostdev "$nic" yes "$alias")"
check "dda's hook: without ddad, dda.ko loaded, the start is refused" \
	sh -c "! virsh start lv2 2>/tmp/start.err"
check "saying ddad does not answer" grep -q 'lv2 has PCI hostdevs and dda.ko is loaded, but ddad does not answer at /run/dda/ddad.sock' /tmp/start.err
check "the device stays on dda" is_driver "$nic" dda
check "a fake ddad listens" fake_up
fake_reply '{"id":1,"ok":false,"error":{"code":"EPERM","message":"0000:01:00.0 is quarantined by dda: write managed='"'no'"'"}}'
check "dda's hook: ddad refuses, the start is refused" sh -c "! virsh start lv2 2>/tmp/start.err"
_run cat /tmp/start.err
check "with ddad's message" grep -q "dda hook: domain lv2: 0000:01:00.0 is quarantined by dda: write managed='no'" /tmp/start.err
check "the hook asked libvirt_prepare, with the hostdev managed" grep -qxF \
	'{"id":1,"op":"libvirt_prepare","domain":"lv2","hostdevs":[{"address":"0000:01:00.0","managed":true}]}' \
	/tmp/fake-ddad.log
check "the device stays on dda" is_driver "$nic" dda
fake_reply '{"id":1,"ok":true,"result":{}}'
: >/tmp/fake-ddad.log
check "ddad agrees: start lv2" virsh start lv2
check "the hook saw one hostdev at 'prepare begin'" hook_said "lv2 prepare begin - 1"
check "managed='yes': libvirt moved the device off dda to vfio-pci" is_driver "$nic" vfio-pci
check "virsh destroy lv2" virsh destroy lv2
check "the hook asked libvirt_release at 'release end'" wait_for 30 grep -qxF \
	'{"id":1,"op":"libvirt_release","domain":"lv2"}' /tmp/fake-ddad.log
check "managed='yes': at stop it does not go back to dda, it stays on vfio-pci" \
	is_driver "$nic" vfio-pci

# managed='yes' of a device on its host driver: back to it at stop.
check "the device back on $hostdrv" lv_host "$nic" "$hostdrv"
check "start lv2" virsh start lv2
check "managed='yes': libvirt moved the device from $hostdrv to vfio-pci" is_driver "$nic" vfio-pci
check "virsh destroy lv2" virsh destroy lv2
# What libvirt 9.0 does here (both kernels): the device stays on vfio-pci.
wait_for 10 not_driver "$nic" vfio-pci
log "managed='yes': after the stop the device is on '$(driver_of "$nic")'," \
	"driver_override '$(<"/sys/bus/pci/devices/$nic/driver_override")'"
_run grep -iE 'warn|error' /tmp/libvirtd-debug.log
check "managed='yes': at stop libvirt leaves it on vfio-pci, not on $hostdrv" \
	is_driver "$nic" vfio-pci
check "virsh nodedev-reattach gives it back to $hostdrv" \
	virsh nodedev-reattach "pci_${nic//[:.]/_}"
check "it is on $hostdrv" wait_for 10 is_driver "$nic" "$hostdrv"

# --- libvirtd stopped: the domain runs on, its pid file stays -------------
check "start lv1" virsh start lv1
pid=$(lv_pid lv1)
check "stop libvirtd" lv_stop
check "lv1's QEMU runs without libvirtd" kill -0 "$pid"
check "its pid file stays" test -s /run/libvirt/qemu/lv1.pid
kill -KILL "$pid"
: >"$LV_HOOK_LOG"
check "libvirtd starts again" lv_start
check "it runs 'stopped end' for the QEMU that died meanwhile" \
	wait_for 30 hook_said "lv1 stopped end - 0"
check "and 'release end'" wait_for 30 hook_said "lv1 release end - 0"
check "lv1 is shut off" sh -c "virsh domstate lv1 | grep -q 'shut off'"

lv_stop
kill "$fake" 2>/dev/null
dmesg_clean
done_testing
