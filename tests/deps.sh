#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install with apt-get everything dda's build and tests need, on Debian 12.
# Idempotent, and quick when everything is there already (no apt-get update).
#
# The kernel: the headers dda.ko builds against and the matching unsigned
# image the sandbox VM boots. When no such pair is installed, the ABI is the
# one the linux-headers-amd64 meta package points at.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

pkgs=(
	gcc make pkg-config perl python3
	libnl-3-dev libnl-genl-3-dev libjson-c-dev libkmod-dev
	linux-source-6.1 bc flex bison libelf-dev libssl-dev cpio xz-utils
	qemu-system-x86 busybox-static kmod pciutils udev socat util-linux
	iproute2 valgrind jq dkms groff-base
)

installed() {
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# A kernel is ready when its headers and its unsigned image are both there.
kernel_ready() {
	local h abi
	for h in /usr/src/linux-headers-*-amd64; do
		[[ -d $h ]] || continue
		abi=${h#/usr/src/linux-headers-}
		installed "linux-image-$abi-unsigned" && return 0
	done
	return 1
}

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]] && kernel_ready; then
	echo "deps: everything is installed"
	exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing ${missing[*]:-a kernel}; run 'make deps' as root" >&2
	exit 1
fi

apt-get update -q
if ! kernel_ready; then
	abi=$(apt-cache depends linux-headers-amd64 |
	      sed -nE 's/.*Depends: linux-headers-(.*-amd64)$/\1/p' | head -n 1)
	[[ -n $abi ]] || { echo "deps: cannot tell the kernel ABI" >&2; exit 1; }
	missing+=("linux-headers-$abi" "linux-image-$abi-unsigned")
fi
echo "deps: installing ${missing[*]}"
apt-get install -y -q --no-install-recommends "${missing[@]}"
