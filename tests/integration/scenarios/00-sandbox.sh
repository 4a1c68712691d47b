#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The sandbox is what the other scenarios need: an IOMMU translating DMA,
# interrupt remapping, host drivers bound as on a real host, every device in
# an IOMMU group, and QMP to the VM's own QEMU.
#@ devices: e1000e edu virtio-net hda
. "$DDA_TESTLIB"

dev() { echo "/sys/bus/pci/devices/$1"; }
driver_is() { [[ $(basename "$(readlink "$(dev "$1")/driver")") == "$2" ]]; }
no_driver() { [[ ! -e $(dev "$1")/driver ]]; }
has_group() { [[ -e $(dev "$1")/iommu_group ]]; }
group_type() { [[ $(<"$(dev "$1")/iommu_group/type") == "$2" ]]; }
vm_running() { [[ $(vm_qmp '{"execute": "query-status"}') == *'"status": "running"'* ]]; }

check "QMP from the guest: query-status says running" vm_running

ids=(rp-e1000e0 e1000e0 edu0 virtio-net0 hda0)
declare -A addr
for id in "${ids[@]}"; do
	addr[$id]=$(vm_pci_addr "$id") || not_ok "$id: no PCI address from query-pci"
	log "$id is ${addr[$id]}"
done

check "the DMAR is found" grep -q 'DMAR: Intel(R) Virtualization Technology for Directed I/O' <(dmesg)
check "interrupt remapping is enabled" grep -Eq 'DMAR-IR: Enabled IRQ remapping in x2?apic mode' <(dmesg)
check "IOMMU groups exist" compgen -G '/sys/kernel/iommu_groups/*/devices/*'
for id in "${ids[@]}"; do
	check "$id is in an IOMMU group" has_group "${addr[$id]}"
done
check "e1000e0's group translates DMA, strictly" group_type "${addr[e1000e0]}" DMA

check "e1000e0 is bound to e1000e" driver_is "${addr[e1000e0]}" e1000e
check "e1000e0 has a network interface" compgen -G "$(dev "${addr[e1000e0]}")/net/*"
check "virtio-net0 is bound to virtio-pci" driver_is "${addr[virtio-net0]}" virtio-pci
check "virtio-net0 has a network interface" compgen -G "$(dev "${addr[virtio-net0]}")/virtio*/net/*"
check "hda0 is bound to snd_hda_intel" driver_is "${addr[hda0]}" snd_hda_intel
check "edu0 is 1234:11e8" grep -qx '0x1234 0x11e8' <(paste -d ' ' "$(dev "${addr[edu0]}")"/{vendor,device})
check "edu0 has no driver" no_driver "${addr[edu0]}"

dmesg_clean
done_testing
