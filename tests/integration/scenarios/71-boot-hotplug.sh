#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Quarantine on hotplug through udev/60-dda.rules: nothing is selected at
# boot, so dda.ko stays out; an e1000e hot-added through the VM's QMP is
# selected by id and quarantined on arrival (udev loads dda.ko for it, then
# e1000e, which never probes it); an edu selected by id arrives while dda.ko
# is loaded and is quarantined at once; a virtio NIC selected by nothing
# gets its driver and is never touched.
#
#   q35 + intel-iommu
#    |-- rp hot0  <- e1000e hotnic     selected: id 8086:10d3
#    |-- rp hot1  <- edu hotedu        selected: id 1234:11e8
#    `-- rp hot2  <- virtio-net hotvirtio   not selected
#
#@ devices: rootport rootport rootport
#@ udev: yes
#@ boot: yes
#@ timeout: 480
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/boot.sh"

if [[ ${1-} == boot ]]; then
	boot_rules
	boot_dda_module
	boot_policy 50-hot.conf $'id 8086:10d3\nid 1234:11e8'
	exit 0
fi

ddactl=$DDA_SAN_BIN/ddactl

# device_add DRIVER ID BUS: hot-add, and wait until the guest has it; its
# address goes to $addr.
device_add() {
	addr=
	check "device_add $1 $2 into $3" vm_qmp "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"$1\", \"id\": \"$2\", \"bus\": \"$3\"$4}}" &&
		addr=$(vm_pci_addr "$2") &&
		check "$2 appears in the guest at $addr" wait_for 30 test -e "/sys/bus/pci/devices/$addr"
}

check "nothing selected at boot: dda.ko is not loaded" test ! -d /sys/module/dda
check_fails "nor e1000e" test -d /sys/module/e1000e

dmesg_mark
device_add e1000e hotnic hot0 ', "romfile": ""'
nic=$addr
check "udev loads dda.ko for it" wait_for 30 test -d /sys/module/dda
check "it is quarantined on arrival" wait_for 30 driver_is "$nic" dda
check "its state is quarantined" test "$(state_of "$nic")" = quarantined
check "udev loaded e1000e after it" wait_for 30 test -d /sys/module/e1000e
check_fails "which never probed it" grep "e1000e $nic" <(dmesg)
check "the kernel log names its selector" in_dmesg \
	"ddactl: policy: $nic: driver_override set to dda (id 8086:10d3, /run/dda/policy.d/50-hot.conf:1)"

device_add edu hotedu hot1
edu=$addr
check "with dda.ko loaded, the edu is quarantined on arrival" wait_for 30 driver_is "$edu" dda
check "its state is quarantined" test "$(state_of "$edu")" = quarantined

device_add virtio-net-pci hotvirtio hot2 ', "romfile": ""'
virtio=$addr
check "the virtio NIC, selected by nothing, gets its driver" wait_for 30 driver_is "$virtio" virtio-pci
check "and has no driver_override" test "$(override_of "$virtio")" = "(null)"
check "its state is host" test "$(state_of "$virtio")" = host
check "policy check lists the two it selects" sh -c "
	$ddactl policy check | tee /dev/stderr | grep -c '^0000:.*quarantined' | grep -qx 2"

check "device_del hotnic" vm_qmp '{"execute": "device_del", "arguments": {"id": "hotnic"}}'
check "the quarantined e1000e leaves the guest" wait_for 60 test ! -e "/sys/bus/pci/devices/$nic"
check "and dda" sh -c "! $ddactl show $nic"
dmesg_clean
done_testing
