#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# An IOMMU group of two NICs behind a conventional PCI bridge: one alone is
# refused, with the reason; the group moves as one, and comes back as one.
#
#   q35 + intel-iommu
#    `-- pcie-pci-bridge         one IOMMU group:
#         |-- e1000 bridge0nic0    e1000
#         `-- e1000 bridge0nic1    e1000
#
#@ devices: bridge2nic
. "$DDA_TESTLIB"

genl=$DDA_SRC/tests/integration/genl.py
ddactl=$DDA_SAN_BIN/ddactl
both() { [[ $(driver_of "$a") == "$1" && $(driver_of "$b") == "$1" ]]; }

a=$(vm_pci_addr bridge0nic0)
b=$(vm_pci_addr bridge0nic1)
check "insmod dda.ko" insmod "$DDA_KO"
check "the two NICs share an IOMMU group" test \
	"$(readlink "/sys/bus/pci/devices/$a/iommu_group")" = \
	"$(readlink "/sys/bus/pci/devices/$b/iommu_group")"
check "the survey names the other NIC and its driver" sh -c \
	"$ddactl survey $a | grep -q 'shares its IOMMU group with $b, bound to e1000'"
check "dismounting one alone is refused, and says why" sh -c \
	"$genl dev_dismount dev_address=$a | grep -q '^error EBUSY: another device of its IOMMU group is bound to a host driver'"
check "and nothing changed" both e1000
check "with the group flag both are dismounted" \
	"$genl" dev_dismount dev_address="$a" dev_group=flag
check "both are bound to dda" both dda
check "mounting one alone is refused" sh -c \
	"$genl dev_mount dev_address=$b | grep -q '^error EBUSY: other devices of its IOMMU group are held by dda'"
check "with the group flag both are mounted" \
	"$genl" dev_mount dev_address="$b" dev_group=flag
check "both are bound to e1000 again" both e1000
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
