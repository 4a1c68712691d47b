# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark body, in the sandbox VM with many edu devices: `ddactl list
# --json` against `lspci -k` and against a shell loop reading the same fields
# from sysfs. Sourced by list64.sh and list128.sh, which set $label to the
# number of extra devices.
. "$DDA_TESTLIB"
. "$DDA_SRC/bench/lib.sh"

# Ten rounds each; the shell loop, whose every readlink is a fork (slow
# under TCG), three.
rounds=10 loop_rounds=3
insmod "$DDA_KO"
n=$(ls /sys/bus/pci/devices | wc -l)

# What an admin's script would do: read builtins, readlink for the links.
sysfs_loop() {
	local d v dev c sv sd drv grp
	for d in /sys/bus/pci/devices/*; do
		read -r v <"$d/vendor"
		read -r dev <"$d/device"
		read -r c <"$d/class"
		read -r sv <"$d/subsystem_vendor"
		read -r sd <"$d/subsystem_device"
		drv=$(readlink "$d/driver")
		grp=$(readlink "$d/iommu_group")
		echo "${d##*/} $v $dev $c $sv $sd ${drv##*/} ${grp##*/}"
	done
}

dda=() lspci=() loop=()
for ((i = 0; i < rounds; i++)); do
	timed dda "$DDA_BIN/ddactl" list --json || exit 1
	timed lspci lspci -k || exit 1
	((i >= loop_rounds)) || timed loop sysfs_loop || exit 1
	log "round $i: ddactl ${dda[-1]} us, lspci ${lspci[-1]} us"
done
echo "$label extra devices, $n PCI devices in all, $rounds rounds:"
stats "list${label}" "${dda[@]}"
stats "lspci${label}" "${lspci[@]}"
stats "sysfs${label}" "${loop[@]}"
figure "devices${label}" "$n"
rmmod dda
