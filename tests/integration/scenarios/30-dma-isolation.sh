#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A quarantined device that starts a DMA reaches no memory: the IOMMU logs a
# fault and the target page is unchanged. The control first shows that the
# same DMA does change the page when nothing confines the device (its IOMMU
# group switched to an identity domain), so the test can tell the two apart.
#
#   q35 + intel-iommu
#    `-- edu (dma_mask wide)     no driver; BAR0 DMA engine, driven from
#                                user space by edu-dma.py
#
#@ devices: edu
. "$DDA_TESTLIB"

genl=$DDA_SRC/tests/integration/genl.py
dma=$DDA_SRC/tests/integration/edu-dma.py
edu=$(vm_pci_addr edu0)
group=$(basename "$(readlink "/sys/bus/pci/devices/$edu/iommu_group")")
log "edu at $edu, IOMMU group $group"

check "control: the edu's group takes an identity domain" \
	sh -c "echo identity > /sys/kernel/iommu_groups/$group/type"
check "control: unconfined, the edu's DMA changes the page" "$dma" "$edu"
check "control: back to a DMA domain" \
	sh -c "echo DMA > /sys/kernel/iommu_groups/$group/type"

check "insmod dda.ko" insmod "$DDA_KO"
check "dismount the edu into quarantine" "$genl" dev_dismount dev_address="$edu"
dmesg_mark
check_fails "quarantined, the edu's DMA leaves the page unchanged" "$dma" "$edu"
check "the IOMMU logged a DMA fault of the edu" wait_for 10 sh -c \
	"dmesg | sed -n '/dda-test: mark 1\$/,\$p' | grep -qiE 'DMAR: \\[DMA Write.*Request device \\[(0000:)?${edu#0000:}\\]'"
log "$(dmesg | grep -i 'DMAR: \[DMA' | tail -n 2)"
check "mount the edu back" "$genl" dev_mount dev_address="$edu"

# iommu=pt: between two owners the group sits in an identity domain.
identity_warned() {
	"$DDA_SAN_BIN/ddactl" survey "$edu" | tee /dev/stderr |
		grep -qE "warning.*(the|its) group's default domain is identity \(iommu=pt\)"
}
check_fails "with a DMA default domain the survey has no identity warning" identity_warned
check "with a DMA default domain the survey names it" sh -c \
	"'$DDA_SAN_BIN/ddactl' survey '$edu' | grep -q 'between two owners its group is on its default domain, DMA'"
check "the edu's group defaults to identity" \
	sh -c "echo identity > /sys/kernel/iommu_groups/$group/type"
check "the survey warns, naming the identity domain" identity_warned
check "dismount the edu: its quarantine blocks DMA all the same" \
	"$genl" dev_dismount dev_address="$edu"
check "quarantined, the survey still warns" identity_warned
check "quarantined, the warning says the device reaches all host memory between dda and a guest" sh -c \
	"'$DDA_SAN_BIN/ddactl' survey '$edu' | grep -q 'between dda and a guest (handover, reclaim) it reaches all host memory'"
check "mount the edu back" "$genl" dev_mount dev_address="$edu"
check "its group back to a DMA domain" \
	sh -c "echo DMA > /sys/kernel/iommu_groups/$group/type"
check "rmmod dda" rmmod dda
done_testing
