#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, in the sandbox VM: the four transitions of a device's cycle,
# dismount -> assign -> unassign -> mount, through ddactl and ddad, against
# the manual way doing the same work by hand in the same VM: sysfs
# driver_override, unbind and drivers_probe, the device's sysfs reset, and
# QMP device_add / device_del (waiting for DEVICE_DELETED) sent from this
# script on a monitor it keeps open. The guest is a QEMU inside the VM with
# free pcie-root-ports (tests/integration/guest-qmp.sh).
#
# The floor is the time the kernel spent resetting the device: dda reports
# each reset in its event (ddactl events --json), for the dismount, the
# reclaim of an unassign and the mount. Devices: the e1000e (PM reset:
# QEMU 7.2's e1000e has no FLR), the NVMe controller (FLR), the edu (no
# reset method at all).
#
# Then where the rest of dda's time goes (bench/breakdown.py): what ddad's
# jobs waited on (its log says, step by step), what starting ddactl costs,
# what the host driver's unbind and probe cost (timed on the manual path).
#
#@ devices: e1000e nvme edu
#@ timeout: 1800
. "$DDA_TESTLIB"
. "$DDA_SRC/bench/lib.sh"
. "$DDA_SRC/tests/integration/guest-qmp.sh"

rounds=${DDA_BENCH_ROUNDS:-10}
ddactl=$DDA_BIN/ddactl
guest_up 2
"$ddactl" events --json >/tmp/events.json 2>&1 &
events=$!
wait_for 20 grep -q poll "/proc/$events/wchan"

driver_of() { basename "$(readlink "$sysfs/$1/driver")" 2>/dev/null || true; }

# The manual way: an admin's script that knows its device and driver,
# builtins only (no process of its own); manual_dismount and manual_mount
# are bench/lib.sh's.
manual_assign() { # ADDRESS: into the guest, on rp0
	gq g1 "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"vfio-pci\", \"host\": \"$1\", \"bus\": \"rp0\", \"id\": \"man0\"}}"
}
manual_unassign() { # ADDRESS: out of the guest, reset
	gq_unplug g1 man0 && sysfs_reset "$1"
}
# What a process costs here (exec over 9p under TCG: far more than on
# hardware), alone and with one request to dda.ko or to ddad; and the same
# ddactl linked statically (make bench builds it, nothing installs it),
# which tells the dynamic loader's part from ddactl's own work.
static=$DDA_BIN/../bench/ddactl-static
exec_t=() show_t=() status_t=() static_exec_t=() static_show_t=()
for ((i = 0; i < rounds; i++)); do
	timed exec_t /bin/true &&
	timed show_t "$ddactl" show "$(vm_pci_addr e1000e0)" &&
	timed status_t "$ddactl" status &&
	timed static_exec_t "$static" --version &&
	timed static_show_t "$static" show "$(vm_pci_addr e1000e0)" || exit 1
done
echo "processes and round trips, $rounds rounds:"
stats exec "${exec_t[@]}"
stats ddactl_show "${show_t[@]}"
stats ddactl_status "${status_t[@]}"
stats ddactl_static_version "${static_exec_t[@]}"
stats ddactl_static_show "${static_show_t[@]}"

steps=(dismount assign unassign mount)
bench_device() { # QEMU_ID DRIVER (or "" for none)
	local a d i s out dismount=() assign=() unassign=() mount=() \
		man_dismount=() man_assign=() man_unassign=() man_mount=()
	a=$(vm_pci_addr "$1")
	d=$2
	unbind=() probe=()
	log "$1 at $a, host driver ${d:-none}"
	for ((i = 0; i < rounds; i++)); do
		timed dismount "$ddactl" dismount "$a" &&
		timed assign "$ddactl" assign "$a" --vm g1 &&
		timed unassign "$ddactl" unassign "$a" &&
		timed mount "$ddactl" mount "$a" &&
		[[ $(driver_of "$a") == "$d" ]] || { echo "bench: $1: dda round $i failed"; return 1; }
		timed man_dismount manual_dismount "$a" "$d" &&
		timed man_assign manual_assign "$a" &&
		timed man_unassign manual_unassign "$a" &&
		timed man_mount manual_mount "$a" "$d" ||
			{ echo "bench: $1: manual round $i failed"; return 1; }
	done
	echo "$1 (${d:-no host driver}), $rounds rounds, dda then by hand:"
	for s in "${steps[@]}"; do
		local -n dda_t=$s man_t=man_$s
		stats "$1_$s" "${dda_t[@]}"
		stats "$1_manual_$s" "${man_t[@]}"
		echo "  dda/by hand for $s: $(ratio "$s" "man_$s")"
		unset -n dda_t man_t
	done
	{
		for s in "${steps[@]}" unbind probe; do
			local -n t=$s
			echo "$s ${t[*]}"
			unset -n t
		done
		echo "show ${show_t[*]}"
		echo "static_show ${static_show_t[*]}"
	} >"/tmp/times-$1"
	python3 "$DDA_SRC/bench/breakdown.py" "$1" "$a" "/tmp/times-$1" \
		/tmp/events.json /tmp/ddad.log
}

bench_device e1000e0 e1000e || exit 1
bench_device nvme0 nvme || exit 1
bench_device edu0 "" || exit 1

kill "$events"
guest_down
