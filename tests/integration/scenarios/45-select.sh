#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Devices chosen by module parameter are quarantined when dda.ko loads, the
# way an initramfs or a modprobe.d line would load it, if no host driver has
# them (a bound one stays with its driver: ddactl dismount); a parameter that does
# not parse fails the load and names the text; devices chosen by nothing
# are never touched.
#
#   q35 + intel-iommu
#    |-- rp -- e1000e0           chosen by addresses= (short form)
#    |-- rp -- e1000e1           not chosen: keeps e1000e
#    |-- edu                     chosen by ids=1234:11e8
#    `-- virtio-net              not chosen
#
#@ devices: e1000e e1000e edu virtio-net
. "$DDA_TESTLIB"

ddactl=$DDA_SAN_BIN/ddactl
state_is() { $ddactl show --json "$1" | grep -q "\"state\": *\"$2\""; }

nic0=$(vm_pci_addr e1000e0)
nic1=$(vm_pci_addr e1000e1)
edu=$(vm_pci_addr edu0)
virtio=$(vm_pci_addr virtio-net0)

dmesg_mark
check_fails "ids=8086 (no device id) fails the load" insmod "$DDA_KO" ids=8086
check "and the log names the text it could not parse" \
	grep -q "dda: ids (want VENDOR:DEVICE in hex): cannot parse '8086'" <(dmesg)
check_fails "addresses=01:00 fails the load" insmod "$DDA_KO" addresses=01:00
check "and the log names it" grep -q "cannot parse '01:00'" <(dmesg)
check "nothing was touched" test "$(driver_of "$nic0")" = e1000e

check "insmod with ids=1234:11e8 addresses=${nic0#0000:}" \
	insmod "$DDA_KO" ids=1234:11e8 addresses="${nic0#0000:}"
check "the edu is quarantined" state_is "$edu" quarantined
# A device a host driver has is not taken at load (ddactl dismount checks
# what the host uses of it first); one with no driver is.
check "the chosen e1000e keeps its host driver" test "$(driver_of "$nic0")" = e1000e
check "and stays host" state_is "$nic0" host
check "the log says why" grep -q "not taken at load" <(dmesg)
check "the other e1000e keeps its driver" test "$(driver_of "$nic1")" = e1000e
check "the virtio NIC keeps its driver" test "$(driver_of "$virtio")" = virtio-pci
check "every other device is host" python3 - "$ddactl" "$edu" <<'PY'
import json, subprocess, sys
ddactl, chosen = sys.argv[1], set(sys.argv[2:])
for d in json.loads(subprocess.check_output([ddactl, "list", "--json"])):
    assert (d["state"] == "quarantined") == (d["address"] in chosen), d
PY
check "ddactl dismount takes the chosen e1000e" "$ddactl" dismount "$nic0"
check "it mounts back to its driver" "$ddactl" mount "$nic0"
check "which is e1000e" test "$(driver_of "$nic0")" = e1000e
check "rmmod gives the edu back too" rmmod dda
check "without a driver, as it was" test -z "$(driver_of "$edu")"
dmesg_clean
done_testing
