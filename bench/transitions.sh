#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, in the sandbox VM: dismount and mount through ddactl, against
# the manual way doing the same work through sysfs (driver_override, unbind,
# bind, the device's reset file), for the e1000e (PM reset here) and the
# NVMe controller (FLR). The floor is the reset itself, which dda times.
#
#@ devices: e1000e nvme
#@ timeout: 1200
. "$DDA_TESTLIB"
. "$DDA_SRC/bench/lib.sh"

rounds=10
ddactl=$DDA_BIN/ddactl
insmod "$DDA_KO"

sysfs=/sys/bus/pci/devices
driver_of() { basename "$(readlink "$sysfs/$1/driver")" 2>/dev/null || true; }
reset_us() { $ddactl show "$1" | sed -n 's/^reset_usec: //p'; }

# The manual way: what an admin's script does with sysfs alone.
manual_dismount() { # ADDRESS: host driver -> vfio-pci-style holding (no driver)
	local a=$1 d
	d=$(driver_of "$a")
	echo none >"$sysfs/$a/driver_override"
	[[ -z $d ]] || echo "$a" >"/sys/bus/pci/drivers/$d/unbind"
	echo 1 >"$sysfs/$a/reset"
}
manual_mount() { # ADDRESS DRIVER
	local a=$1
	echo 1 >"$sysfs/$a/reset"
	echo >"$sysfs/$a/driver_override"
	echo "$a" >/sys/bus/pci/drivers_probe
	[[ $(driver_of "$a") == "$2" ]]
}

bench_device() { # QEMU_ID DRIVER
	local a d dis=() mnt=() floor_d=() floor_m=() mdis=() mmnt=() i t
	a=$(vm_pci_addr "$1")
	d=$2
	log "$1 at $a, $d"
	for ((i = 0; i < rounds; i++)); do
		t=$(time_us "$ddactl" dismount "$a") || return 1
		dis+=("$t") floor_d+=("$(reset_us "$a")")
		t=$(time_us "$ddactl" mount "$a") || return 1
		mnt+=("$t")
		[[ $(driver_of "$a") == "$d" ]] || { echo "bench: $a did not come back"; return 1; }
		t=$(time_us manual_dismount "$a") || return 1
		mdis+=("$t")
		t=$(time_us manual_mount "$a" "$d") || return 1
		mmnt+=("$t")
	done
	echo "$1 ($d), $rounds rounds:"
	stats "$1_dismount" "${dis[@]}"
	stats "$1_dismount_reset" "${floor_d[@]}"
	stats "$1_manual_dismount" "${mdis[@]}"
	stats "$1_mount" "${mnt[@]}"
	stats "$1_manual_mount" "${mmnt[@]}"
}

bench_device e1000e0 e1000e
bench_device nvme0 nvme
rmmod dda
