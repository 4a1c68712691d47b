#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Handover to vfio-pci and reclaim, through the kernel's netlink interface:
# only from quarantine, always the whole IOMMU group, and a device with a
# guest pins dda.ko.
#
#   q35 + intel-iommu
#    |-- rp -- e1000e            e1000e
#    `-- pci-bridge              one IOMMU group:
#         |-- e1000 bridge0nic0
#         `-- e1000 bridge0nic1
#
#@ devices: e1000e bridge2nic
. "$DDA_TESTLIB"

genl=$DDA_SRC/tests/integration/genl.py
ddactl=$DDA_SAN_BIN/ddactl
is_state() { $ddactl show --json "$1" | grep -q "\"state\": *\"$2\""; }
says() { local want=$1; shift; "$genl" "$@" | tee /dev/stderr | grep -q "^$want"; }

nic=$(vm_pci_addr e1000e0)
a=$(vm_pci_addr bridge0nic0)
b=$(vm_pci_addr bridge0nic1)
check "insmod dda.ko" insmod "$DDA_KO"

check "a host device cannot be handed over" says \
	"error EINVAL: its IOMMU group is not wholly quarantined" dev_handover dev_address="$nic"
check "dismount the e1000e" "$genl" dev_dismount dev_address="$nic"
check "hand it over" "$genl" dev_handover dev_address="$nic"
check "it is bound to vfio-pci" is_driver "$nic" vfio-pci
check "its state is assigned" is_state "$nic" assigned
check "its VFIO group exists" test -e "/dev/vfio/$(basename "$(readlink /sys/bus/pci/devices/$nic/iommu_group)")"
check "mount is refused while assigned" says \
	"error EINVAL: the device is assigned: reclaim it first" dev_mount dev_address="$nic"
check "a second handover is refused" says "error E" dev_handover dev_address="$nic"
check_fails "rmmod is refused while a device is assigned" rmmod dda
check "reclaim it" "$genl" dev_reclaim dev_address="$nic"
check "it is bound to dda again" is_driver "$nic" dda
check "its state is quarantined" is_state "$nic" quarantined
check "a second reclaim is refused" says \
	"error EINVAL: the device is quarantined, not assigned" dev_reclaim dev_address="$nic"
check "mount it back" "$genl" dev_mount dev_address="$nic"
check "it is bound to e1000e" is_driver "$nic" e1000e

check "dismount the bridge's group" "$genl" dev_dismount dev_address="$a" dev_group=flag
check "hand over one NIC: the whole group goes" "$genl" dev_handover dev_address="$a"
check "both NICs are bound to vfio-pci" sh -c \
	"[ $(driver_of "$a") = vfio-pci ] && [ \$(basename \$(readlink /sys/bus/pci/devices/$b/driver)) = vfio-pci ]"
check "reclaim the other: the whole group comes back" "$genl" dev_reclaim dev_address="$b"
check "both NICs are bound to dda" sh -c \
	"[ \$(basename \$(readlink /sys/bus/pci/devices/$a/driver)) = dda ] && [ \$(basename \$(readlink /sys/bus/pci/devices/$b/driver)) = dda ]"
check "mount the group" "$genl" dev_mount dev_address="$a" dev_group=flag
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
