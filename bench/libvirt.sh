#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, in the sandbox VM: libvirt's own way of moving one device into
# a running domain and back, the work dda's libvirt cycle is to be weighed
# against: for the e1000e,
#
#   virsh nodedev-detach      host driver -> vfio-pci (libvirt's "detach")
#   virsh attach-device       a managed='no' hostdev, live, into a free
#                             pcie-root-port of the domain
#   virsh detach-device-alias the hostdev, live, until libvirt's
#                             DEVICE_REMOVED event says it is gone (virsh
#                             detach-device would return after 5 s whether
#                             or not, see tests/integration/scenarios/
#                             90-libvirt.sh)
#   virsh nodedev-reattach    vfio-pci -> host driver
#
# Each step is one virsh process, as each of dda's is one ddactl. The
# domain is an OS-less q35 guest of libvirtd in the VM (tests/integration/
# libvirt.sh). Prints each step's median, min and max, and the figures
# "bench: libvirt_STEP_ms=..." and "bench: libvirt_cycle_ms=..." (the sum of
# the medians); then dda's cycle of the same device into the same domain
# (dismount, assign --vm, unassign, mount), "bench: dda_libvirt_cycle_ms=",
# and their ratio, "bench: libvirt_ratio=" (dda/libvirt). DDA_BENCH_ROUNDS=N
# rounds (default 10).
#
#@ devices: e1000e
#@ timeout: 1800
. "$DDA_TESTLIB"
. "$DDA_SRC/bench/lib.sh"
. "$DDA_SRC/tests/integration/libvirt.sh"

rounds=${DDA_BENCH_ROUNDS:-10}
nic=$(vm_pci_addr e1000e0)
hostdrv=$(driver_of "$nic")
node=pci_${nic//[:.]/_}
alias=$(lv_alias "$nic")
lv_hostdev "$nic" no "$alias" >/tmp/hostdev.xml

lv_setup || { echo "bench: libvirt's world could not be set up"; exit 1; }
lv_start || { echo "bench: libvirtd did not start"; tail -n 20 /tmp/libvirtd.log; exit 1; }
modprobe vfio-pci
lv_define lv1 2 >/dev/null && virsh start lv1 >/dev/null &&
	wait_for 60 lv_running lv1 || { echo "bench: the domain did not start"; exit 1; }

# A listener for DEVICE_REMOVED, started before the clock (untimed), and
# detach-device-alias until the listener heard it (timed).
listen_removed() {
	virsh event lv1 --event device-removed --timeout 30 >/tmp/event.log 2>&1 &
	listener=$!
	# It listens once it has connected: its socket is open.
	wait_for 10 sh -c "ls -l /proc/$listener/fd | grep -q socket"
}
detach_removed() {
	local rc=0
	virsh detach-device-alias lv1 "$alias" --live || rc=1
	wait "$listener"
	grep -q "device-removed.*$alias" /tmp/event.log && return "$rc"
	return 1
}

on() { [[ $(driver_of "$nic") == "$1" ]]; }

detach=() attach=() remove=() reattach=()
failed=0
log "the e1000e at $nic ($hostdrv), libvirt node device $node, $rounds rounds"
for ((i = 0; i < rounds; i++)); do
	timed detach virsh nodedev-detach "$node" && on vfio-pci &&
		timed attach virsh attach-device lv1 /tmp/hostdev.xml --live &&
		listen_removed && timed remove detach_removed &&
		timed reattach virsh nodedev-reattach "$node" && on "$hostdrv" ||
		{ failed=1; break; }
done

if ((failed)); then
	echo "bench: round $((i + 1)) failed: the device is on '$(driver_of "$nic")'"
	tail -n 20 /tmp/libvirtd.log
	lv_stop
	exit 1
fi
echo "== libvirt's own cycle of the e1000e ($rounds rounds)"
stats libvirt_nodedev_detach "${detach[@]}"
stats libvirt_attach "${attach[@]}"
stats libvirt_detach "${remove[@]}"
stats libvirt_nodedev_reattach "${reattach[@]}"
cycle=$(awk -v a="$(median "${detach[@]}")" -v b="$(median "${attach[@]}")" \
	-v c="$(median "${remove[@]}")" -v d="$(median "${reattach[@]}")" \
	'BEGIN { printf "%.1f", (a + b + c + d) / 1000 }')
echo "  cycle (sum of the medians)   $cycle ms"
figure libvirt_cycle_ms "$cycle"

# The same work through dda into the same domain: dismount (host driver ->
# quarantine, reset), assign --vm lv1 (handover to vfio-pci, a live
# managed='no' hostdev checked in the live XML), unassign (detach by alias
# until DEVICE_REMOVED, reclaim into quarantine, reset), mount (back to
# the host driver, reset). dda does more (three resets, the quarantine),
# which the ratio includes.
export DDA_SOCKET=/tmp/ddad/ddad.sock
insmod "$DDA_KO"
mkdir -p /tmp/ddad
"$DDA_BIN/ddad" --foreground --socket "$DDA_SOCKET" --state-dir /tmp/ddad \
	>/tmp/ddad.log 2>&1 &
ddad=$!
wait_for 20 test -S "$DDA_SOCKET" || { echo "bench: ddad did not start"; exit 1; }
ddactl=$DDA_BIN/ddactl
wait_for 30 sh -c "'$ddactl' vm list | grep -q '^lv1 '" ||
	{ echo "bench: ddad does not see lv1"; tail -n 20 /tmp/ddad.log; exit 1; }
d_dismount=() d_assign=() d_unassign=() d_mount=()
for ((i = 0; i < rounds; i++)); do
	timed d_dismount "$ddactl" dismount "$nic" &&
		timed d_assign "$ddactl" assign "$nic" --vm lv1 &&
		timed d_unassign "$ddactl" unassign "$nic" &&
		timed d_mount "$ddactl" mount "$nic" && on "$hostdrv" ||
		{ failed=1; break; }
done
kill "$ddad"
wait "$ddad" 2>/dev/null
if ((failed)); then
	echo "bench: dda's round $((i + 1)) failed: the device is on '$(driver_of "$nic")'"
	tail -n 20 /tmp/ddad.log
	lv_stop
	exit 1
fi
echo "== dda's cycle of the e1000e into the same domain ($rounds rounds)"
stats dda_dismount "${d_dismount[@]}"
stats dda_assign "${d_assign[@]}"
stats dda_unassign "${d_unassign[@]}"
stats dda_mount "${d_mount[@]}"
dcycle=$(awk -v a="$(median "${d_dismount[@]}")" -v b="$(median "${d_assign[@]}")" \
	-v c="$(median "${d_unassign[@]}")" -v d="$(median "${d_mount[@]}")" \
	'BEGIN { printf "%.1f", (a + b + c + d) / 1000 }')
echo "  cycle (sum of the medians)   $dcycle ms"
figure dda_libvirt_cycle_ms "$dcycle"
figure libvirt_ratio "$(awk -v a="$dcycle" -v b="$cycle" 'BEGIN { printf "%.2f", a / b }')"
virsh destroy lv1 >/dev/null
lv_stop
