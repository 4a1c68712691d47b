#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The deep test: a guest with an operating system. A second QEMU inside the
# sandbox VM boots the same Debian kernel with a busybox initramfs; ddad
# assigns the e1000e to it, and the guest's own kernel finds the device
# (native PCIe hotplug, pciehp) and says so; unassign, and the guest's
# pciehp lets it go before dda takes it back.
#
#   sandbox VM (q35 + intel-iommu)       guest g1 (nested TCG, ~2 min boot)
#    `-- rp -- e1000e  --assign-->         `-- rp0 -- vfio-pci 8086:10d3
#
#@ devices: e1000e
#@ timeout: 1500
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"

nic=$(vm_pci_addr e1000e0)
log "e1000e at $nic"

. "$DDA_SRC/tests/integration/guest-os.sh"

check "insmod dda.ko" insmod "$DDA_KO"
check "modprobe vfio-pci" modprobe vfio-pci

said() { guest_os_said g1 "$1"; }
check "the guest's kernel boots to its init" guest_os_boot g1 600
said "guest: up" ||
	log "the guest's console ends: $(tail -n 30 /tmp/g1.console; cat /tmp/g1.log)"
log "$(grep '^guest:' /tmp/g1.console)"

check "ddad is up" ddad_start
check "ddactl vm add g1" "$ddactl" vm add g1 --qmp /tmp/g1.qmp
check "dismount the e1000e" "$ddactl" dismount "$nic"
check "assign it to g1" "$ddactl" assign "$nic" --vm g1
check "the guest's own kernel finds the e1000e (8086:10D3)" \
	wait_for 600 said "guest: add .* 8086:10D3"
log "$(grep '^guest: add' /tmp/g1.console)"
check "ddactl status: assigned to g1" sh -c "$ddactl status | grep -Eq '^$nic +assigned +g1 '"

check "unassign it: the guest's pciehp lets it go" "$ddactl" unassign "$nic" --timeout 300
check "the guest saw it leave" wait_for 300 said "guest: remove .* 8086:10D3"
check "back in quarantine, bound to dda" test \
	"$(basename "$(readlink "/sys/bus/pci/devices/$nic/driver")")" = dda
check "mount it back" "$ddactl" mount "$nic"
check "bound to e1000e" test \
	"$(basename "$(readlink "/sys/bus/pci/devices/$nic/driver")")" = e1000e

check "SIGTERM: ddad exits 0, no sanitizer report" ddad_stop
guest_os_stop g1
done_testing
