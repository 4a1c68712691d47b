#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo, inside the sandbox VM: what dda sees, and one device through
# quarantine and back. Run by demo.sh through vm.sh.
#
#@ devices: e1000e edu virtio-net hda
#@ timeout: 1500
set -u
. "$DDA_TESTLIB"	# wait_for
. "$DDA_SRC/tests/integration/guest-os.sh"
ddactl=$DDA_BIN/ddactl
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

insmod "$DDA_KO"
nic=$(for d in /sys/bus/pci/devices/*; do
	[[ $(basename "$(readlink "$d/driver" 2>/dev/null)") == e1000e ]] && basename "$d"
done | head -n 1)

echo "The sandbox VM: q35 with an emulated Intel IOMMU, Debian's kernel, dda.ko."
step "$ddactl" list
step "$ddactl" survey "$nic"
step "$ddactl" dismount "$nic"
step ip -brief link
step "$ddactl" list
step ip -brief link

echo
echo "A running guest: QEMU with its own Linux (nested TCG: about two minutes to boot)."
guest_os_start g1
modprobe vfio-pci
wait_for 600 guest_os_said g1 "guest: up"
grep '^guest:' /tmp/g1.console
mkdir -p /run/dda
"$DDA_BIN/ddad" --socket /run/dda/ddad.sock --state-dir /tmp/ddad &
ddad=$!
wait_for 20 test -S /run/dda/ddad.sock
step "$ddactl" vm add g1 --qmp /tmp/g1.qmp
step "$ddactl" assign "$nic" --vm g1
step "$ddactl" status
echo "In the guest, its own kernel:"
wait_for 600 guest_os_said g1 "guest: add"
grep '^guest: add' /tmp/g1.console
step "$ddactl" unassign "$nic" --timeout 120
wait_for 300 guest_os_said g1 "guest: remove" && grep '^guest: remove' /tmp/g1.console
step "$ddactl" mount "$nic"
step ip -brief link
kill "$ddad"
guest_os_stop g1
