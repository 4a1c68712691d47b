#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A VFIO user that does not let go holds nobody hostage. A reclaim of a
# device whose user is frozen goes on in dda.ko's worker: the request is
# answered "in progress" within seconds, the device says busy, generic
# netlink stays free for everyone (modprobe/rmmod of wireguard register and
# remove a family), an unprivileged list answers at once, no task sleeps in
# D state; the reclaim ends when the user dies. A user that keeps the IOMMU
# group (its container attached) after closing the device: the reclaim is
# refused with the reason and the device stays with vfio-pci, assigned,
# never unowned.
#
#   q35 + intel-iommu
#    `-- rp -- e1000e     its own IOMMU group; tests/integration/vfio-hold.py
#                         plays the VFIO user
#
#@ devices: e1000e
#@ timeout: 300
. "$DDA_TESTLIB"

genl=$DDA_SRC/tests/integration/genl.py
hold=$DDA_SRC/tests/integration/vfio-hold.py
ddactl=$DDA_SAN_BIN/ddactl
nic=$(vm_pci_addr e1000e0)
is_state() { $ddactl show --json "$1" | grep -q "\"state\": *\"$2\""; }
says() { local want=$1; shift; "$genl" "$@" | tee /dev/stderr | grep -q "^$want"; }
is_busy() { "$genl" dev_get dev_address="$nic" | grep -q dev_busy; }
no_d_state() { ! ps -eo stat=,pid=,comm= | grep '^D'; }
holding() { grep -q '^holding' /tmp/hold.out; }
# within SECONDS CMD...: CMD (a function too) ends well in at most SECONDS;
# says how long.
export genl nic
export -f says as_user is_busy is_driver is_state driver_of
export ddactl
within() {
	local limit=$1 start end rc=0
	shift
	start=$(date +%s%N)
	timeout "$limit" bash -c '"$@"' within "$@" || rc=$?
	end=$(date +%s%N)
	echo "took $(((end - start) / 1000000)) ms"
	return "$rc"
}

check "insmod dda.ko" insmod "$DDA_KO"
check "modprobe vfio_iommu_type1" modprobe vfio_iommu_type1
check "dismount the e1000e" "$genl" dev_dismount dev_address="$nic"
check "hand it over" "$genl" dev_handover dev_address="$nic"

# A user that opened the device, then froze.
"$hold" "$nic" device >/tmp/hold.out 2>&1 &
holder=$!
check "a VFIO user opens the device" wait_for 30 holding
check "the user freezes (SIGSTOP)" kill -STOP "$holder"

dmesg_mark
check "a reclaim is answered within seconds: in progress" within 10 \
	says "error EINPROGRESS: in progress" dev_reclaim dev_address="$nic" --no-wait
check "the device says it is busy" is_busy
check "it is still assigned" is_state "$nic" assigned
check "another change of it is refused: busy" says \
	"error EBUSY: another request is changing this device" dev_reclaim dev_address="$nic" --no-wait
check "ddactl reset of it is refused, saying why" sh -c \
	"$ddactl reset $nic 2>&1 | tee /dev/stderr | grep -q 'another request is changing this device'"
check "modprobe wireguard (registers a genl family) completes" within 20 modprobe wireguard
check "rmmod wireguard (removes a genl family) completes" within 20 rmmod wireguard
check "an unprivileged list answers at once" within 5 as_user "$DDA_BIN/ddactl" list
check "an unprivileged survey answers at once" within 5 as_user "$DDA_BIN/ddactl" survey "$nic"
check "ddactl show answers at once, busy device and all" within 5 "$DDA_BIN/ddactl" show "$nic"
check "ddactl show names who holds it through VFIO" sh -c \
	"$ddactl show $nic | tee /dev/stderr | grep -q '^vfio_users: $holder (.*)$'"
check "no task sleeps in D state" no_d_state
check_fails "rmmod dda is refused while the reclaim waits" rmmod dda
check "the user wakes (SIGCONT) and still holds on" kill -CONT "$holder"
sleep 2
check "the reclaim still waits" is_busy
check "the user dies (SIGKILL)" kill -KILL "$holder"
wait "$holder" 2>/dev/null
check "the reclaim ends: quarantined" wait_for 60 is_state "$nic" quarantined
check "bound to dda" is_driver "$nic" dda
check "no longer busy" sh -c "! $genl dev_get dev_address=$nic | grep -q dev_busy"
dmesg_clean

# A user that keeps the group, device closed: dda cannot own the group's DMA.
check "hand it over again" "$genl" dev_handover dev_address="$nic"
"$hold" "$nic" group >/tmp/hold.out 2>&1 &
holder=$!
check "a VFIO user attaches the group to its container" wait_for 30 holding
# 6.1's vfio keeps the user's hold on the group when its last device goes:
# dda cannot own the group's DMA, and the devices go back to vfio-pci.
# Later kernels revoke the hold then (vfio_device_remove_group()), and the
# reclaim goes through. Either way the device is never left unowned.
reclaim_owned() {
	local answer
	answer=$("$genl" dev_reclaim dev_address="$nic")
	echo "$answer"
	case $answer in
	"error EBUSY: a VFIO user still holds the IOMMU group"*)
		is_driver "$nic" vfio-pci && is_state "$nic" assigned ;;
	ok*)
		is_driver "$nic" dda && is_state "$nic" quarantined ;;
	*)	false ;;
	esac
}
export -f reclaim_owned
check "a reclaim: refused and still with vfio-pci, or quarantined" \
	within 30 reclaim_owned
check "the user lets go" kill -KILL "$holder"
wait "$holder" 2>/dev/null
if is_state "$nic" assigned; then
	check "the reclaim goes through now" "$genl" dev_reclaim dev_address="$nic"
fi
check "quarantined, bound to dda" is_driver "$nic" dda
check "mount it back" "$genl" dev_mount dev_address="$nic"
check "e1000e has it" is_driver "$nic" e1000e
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
