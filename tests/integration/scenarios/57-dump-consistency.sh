#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A dump that a device's arrival splits says so: every part made after the
# set of PCI devices changed carries NLM_F_DUMP_INTR, so a reader knows it
# may have missed a device or seen one twice (libdda then asks again). The
# first part of a dump is made as the request arrives, the rest as it is
# read; between the two an edu is hot-added into an empty root port.
#
#   q35 + intel-iommu
#    |-- e1000e, edu, virtio-net, hda
#    `-- rp hot0 (empty) <- edu "late", device_add'ed mid-dump
#
#@ devices: e1000e edu virtio-net hda rootport
#@ timeout: 240
. "$DDA_TESTLIB"

genl=$DDA_SRC/tests/integration/genl.py
count() { grep -c '^dev_address=' /tmp/dump.out; }
pause='touch /tmp/paused; while [ ! -e /tmp/resume ]; do sleep 0.1; done'

check "insmod dda.ko" insmod "$DDA_KO"

check "control: a dump nothing interrupts is whole" sh -c \
	"$genl dev_survey --dump --between true >/tmp/dump.out && ! grep -q '^dump_intr' /tmp/dump.out"
before=$(count)
log "$before devices surveyed"

rm -f /tmp/paused /tmp/resume
"$genl" dev_survey --dump --between "$pause" >/tmp/dump.out 2>&1 &
dumper=$!
check "the dump pauses after its first part is made" wait_for 30 test -e /tmp/paused
check "device_add an edu into hot0" \
	vm_qmp '{"execute": "device_add", "arguments": {"driver": "edu", "id": "late", "bus": "hot0"}}'
late=$(vm_pci_addr late)
check "the edu appears" wait_for 30 test -e "/sys/bus/pci/devices/$late"
touch /tmp/resume
check "the dump ends" wait "$dumper"
check "the rest of the dump says it was interrupted" grep -q '^dump_intr' /tmp/dump.out
log "$(count) device messages in the interrupted dump"

check "asked again, the dump is whole and has the edu" sh -c \
	"$genl dev_survey --dump >/tmp/dump.out && ! grep -q '^dump_intr' /tmp/dump.out && grep -q 'dev_address=$late' /tmp/dump.out"
check "one more device than before" test "$(count)" -eq $((before + 1))
check "ddactl survey (libdda) lists it" sh -c "$DDA_SAN_BIN/ddactl survey | grep -q '$late'"

check "device_del the edu" vm_qmp '{"execute": "device_del", "arguments": {"id": "late"}}'
check "it leaves" wait_for 60 test ! -e "/sys/bus/pci/devices/$late"
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
