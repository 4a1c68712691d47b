#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install with apt-get everything dda's build and tests need, on Debian 12.
# Idempotent, and quick when everything is there already (no apt-get update
# unless the package lists are missing or name a kernel that is not).
#
# The kernels: for each line of tests/kernels.sh (6.1 and 6.12, or those
# DDA_KERNELS names), the headers dda.ko builds against, the unsigned image
# the sandbox VM boots and the source KUnit builds, all of the ABI the
# archive's meta package names. Their initramfs is not built: nothing here
# boots one (INITRD=No).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kernels.sh
. "$here/kernels.sh"
export DEBIAN_FRONTEND=noninteractive INITRD=No

pkgs=(
	gcc make pkg-config perl python3
	libnl-3-dev libnl-genl-3-dev libjson-c-dev libkmod-dev
	bc flex bison libelf-dev libssl-dev cpio xz-utils dwarves
	qemu-system-x86 busybox-static kmod pciutils udev socat util-linux
	iproute2 valgrind jq dkms groff-base pci.ids sparse
	linux-source-6.12 python3-yaml python3-jsonschema
	libvirt-dev libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
)

installed() {
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# The kernels' packages; none when the package lists cannot name them.
kernel_pkgs() {
	local l abi
	for l in $(dda_kernel_lines); do
		abi=$(dda_kernel_abi "$l")
		[[ -n $abi ]] || return 1
		dda_kernel_packages "$l" "$abi"
	done
}

missing() {
	local p all
	all=$(kernel_pkgs) || { echo "(package lists)"; return; }
	# shellcheck disable=SC2086 # one package a word
	for p in "${pkgs[@]}" $all; do
		installed "$p" || echo "$p"
	done
}

todo=$(missing)
if [[ -z $todo ]]; then
	echo "deps: everything is installed"
	exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing" $todo "; run 'make deps' as root" >&2
	exit 1
fi

apt-get update -q
todo=$(missing)
[[ $todo != *"(package lists)"* ]] || {
	echo "deps: the package lists name no kernel for every line of: $(dda_kernel_lines)" >&2
	exit 1
}
echo "deps: installing" $todo
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $todo
