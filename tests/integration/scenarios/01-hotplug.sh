#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Conventional PCI behind a PCIe-to-PCI bridge shares one IOMMU group; an edu
# device hot-added into an empty root port through the VM's QMP appears in
# the guest, and leaves when deleted.
#@ devices: bridge2nic rootport
#@ timeout: 180
. "$DDA_TESTLIB"

group() { basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"; }
gone_from_qemu() { local r; r=$(vm_qmp '{"execute": "query-pci"}') && [[ $r != *"\"qdev_id\": \"$1\""* ]]; }

nic0=$(vm_pci_addr bridge0nic0) nic1=$(vm_pci_addr bridge0nic1)
log "bridge0nic0 is $nic0, bridge0nic1 is $nic1"
check "bridge0nic0 is in an IOMMU group" test -e "/sys/bus/pci/devices/$nic0/iommu_group"
check "the two e1000 share one IOMMU group" test "$(group "$nic0")" = "$(group "$nic1")"

dmesg_mark
check "device_add edu into hot0" \
	vm_qmp '{"execute": "device_add", "arguments": {"driver": "edu", "id": "hotedu", "bus": "hot0"}}'
edu=$(vm_pci_addr hotedu)
log "hotedu is $edu"
check "hotedu appears in the guest" wait_for 30 test -e "/sys/bus/pci/devices/$edu"
check "hotedu is in an IOMMU group" wait_for 10 test -e "/sys/bus/pci/devices/$edu/iommu_group"

check "device_del hotedu" vm_qmp '{"execute": "device_del", "arguments": {"id": "hotedu"}}'
check "hotedu leaves the guest" wait_for 60 test ! -e "/sys/bus/pci/devices/$edu"
check "QEMU deletes hotedu" wait_for 30 gone_from_qemu hotedu

dmesg_clean
done_testing
