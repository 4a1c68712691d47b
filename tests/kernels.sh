#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernels dda is tested on: one per kernel line of Debian 12's own
# archive, each the ABI that the line's headers meta package names. Nothing
# here looks at which kernels happen to be installed, so installing another
# one never changes what a test runs on.
#
#   line   headers meta package       source package (KUnit, checkpatch)
#   6.1    linux-headers-amd64        linux-source-6.1
#   6.12   linux-headers-6.12-amd64   linux-source-6.12
#
# DDA_KERNELS picks lines for a quick run ("6.12"); the default is all.
#
#   tests/kernels.sh list      "LINE ABI" for each selected line, ABI the
#                              kernel's release (uname -r), e.g. 6.1.0-57-amd64;
#                              exits 1 naming what is not installed
#   tests/kernels.sh packages  the packages the selected lines need
#
# Sourced, it defines dda_kernel_lines, dda_kernel_abi LINE and
# dda_kernel_packages LINE ABI.

dda_all_lines=(6.1 6.12)
declare -A dda_kernel_meta=([6.1]=linux-headers-amd64 [6.12]=linux-headers-6.12-amd64)

# The selected lines, checked against the known ones.
dda_kernel_lines() {
	local l k
	for l in ${DDA_KERNELS:-${dda_all_lines[*]}}; do
		[[ -n ${dda_kernel_meta[$l]-} ]] || {
			echo "kernels: DDA_KERNELS names '$l'; known lines: ${dda_all_lines[*]}" >&2
			return 2
		}
		echo "$l"
	done
}

# The ABI the archive's meta package of LINE names (from the local package
# lists: 'apt-get update' refreshes them).
dda_kernel_abi() {
	apt-cache depends "${dda_kernel_meta[$1]}" 2>/dev/null |
		sed -nE 's/^ *Depends: linux-headers-(.*-amd64)$/\1/p' | head -n 1
}

dda_kernel_packages() {
	echo "linux-headers-$2 linux-image-$2-unsigned linux-source-$1"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	lines=$(dda_kernel_lines)
	case ${1-} in
	list)
		status=0
		for l in $lines; do
			abi=$(dda_kernel_abi "$l")
			if [[ -z $abi ]]; then
				echo "kernels: no ABI for $l (no package lists?): run 'make deps'" >&2
				status=1
			elif [[ ! -e /boot/vmlinuz-$abi || ! -d /usr/src/linux-headers-$abi ||
				! -e /usr/src/linux-source-$l.tar.xz ]]; then
				echo "kernels: $l ($abi) is not installed: run 'make deps'" >&2
				status=1
			else
				echo "$l $abi"
			fi
		done
		exit $status
		;;
	packages)
		for l in $lines; do
			abi=$(dda_kernel_abi "$l")
			[[ -n $abi ]] || { echo "kernels: no ABI for $l" >&2; exit 1; }
			dda_kernel_packages "$l" "$abi"
		done
		;;
	*)
		echo "usage: $0 list|packages" >&2
		exit 2
		;;
	esac
fi
