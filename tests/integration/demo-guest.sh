#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo, inside the sandbox VM: what dda sees, and one device through
# quarantine and back. Run by demo.sh through vm.sh.
#
#@ devices: e1000e edu virtio-net hda
set -u
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
step "$ddactl" mount "$nic"
step ip -brief link
