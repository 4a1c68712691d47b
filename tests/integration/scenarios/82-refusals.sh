#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# What ddad refuses, and says why, in the sandbox VM: ddactl without ddad;
# malformed, oversized and wrongly typed requests (each an error reply,
# and ddad serves on); an unprivileged uid; a guest with no free port; a
# device whose IOMMU group is not wholly quarantined, and one that went to
# vfio-pci along with its group; a guest that does not let go in time (the
# device stays assigned, and is reclaimed once the guest lets go after
# all).
#
#   sandbox VM: rp -- e1000e 01:00.0, edu 00:02.0, pci-bridge with two e1000
#   (one IOMMU group); guest g1: QEMU in the VM with ONE pcie-root-port
#
#@ devices: e1000e edu bridge2nic
#@ timeout: 480
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"

nic=$(vm_pci_addr e1000e0)
a=$(vm_pci_addr bridge0nic0)
b=$(vm_pci_addr bridge0nic1)
edu=0000:00:02.0

guest_start() { # NAME PORTS
	local name=$1 i args=()
	for ((i = 0; i < $2; i++)); do
		args+=(-device "pcie-root-port,id=rp$i,chassis=$((i + 1))")
	done
	qemu-system-x86_64 -accel tcg -machine q35 -nodefaults -m 256 -display none \
		-qmp "unix:/tmp/$name.qmp,server=on,wait=off" "${args[@]}" \
		-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off \
		>"/tmp/$name.log" 2>&1 &
	g1_pid=$!
	wait_for 30 test -S "/tmp/$name.qmp"
}
ask() { printf '%s\n' "$1" | socat -t 5 - "UNIX-CONNECT:$DDA_SOCKET"; }
# reply_is DESCRIPTION GOT REGEX
reply_is() { if [[ $2 =~ $3 ]]; then ok "$1"; else not_ok "$1" "got: $2"; fi; }
# says DESC REGEX CMD...: CMD fails (exit 1) and its message matches REGEX
says() {
	local desc=$1 re=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [[ $rc -eq 1 && $out =~ $re ]]; then ok "$desc"; else not_ok "$desc" "exit $rc: $out"; fi
}

check "insmod dda.ko" insmod "$DDA_KO"
check "modprobe vfio-pci" modprobe vfio-pci

# --- without ddad ------------------------------------------------------------
says "assign without ddad: ddad is not running, and how to start it" \
	"^ddactl: ddad is not running \(socket /tmp/ddad/ddad.sock\): start it with" \
	$ddactl assign $edu --vm g1
says "status without ddad: the same" "ddad is not running" $ddactl status
says "vm list without ddad: the same" "ddad is not running" $ddactl vm list
says "--socket names another socket" "ddad is not running \(socket /tmp/other.sock\)" \
	$ddactl --socket /tmp/other.sock status
check "--socket without a path is bad usage, said as a command's option" sh -c "
	$ddactl --socket 2>/tmp/err; test \$? -eq 2 && cat /tmp/err &&
	grep -qx \"ddactl: option '--socket' needs a value\" /tmp/err"
check "dismount works without ddad" $ddactl dismount $edu
check "dismount the e1000e" $ddactl dismount "$nic"
check "list --json works without ddad: vm null" sh -c \
	"$ddactl list --json | grep -A12 '\"$edu\"' | grep -q '\"vm\": null'"

check "guest g1 starts, with one port" guest_start g1 1
check "ddad starts" ddad_start

# --- bad requests: an error each, and ddad serves on ---------------------------
reply_is "malformed JSON: EINVAL" "$(ask '{"id":1,"op":')" \
	'^\{"id":null,"ok":false,"error":\{"code":"EINVAL","message":"request is not valid JSON: '
reply_is "an address that is a number: EINVAL" \
	"$(ask '{"id":2,"op":"assign","address":5,"vm":"g1"}')" \
	'^\{"id":2,"ok":false,"error":\{"code":"EINVAL","message":"\\"address\\" must be a string, not a number"\}\}$'
reply_is "a vm that is an array: EINVAL" \
	"$(ask '{"id":3,"op":"assign","address":"00:02.0","vm":["g1"]}')" \
	'^\{"id":3,"ok":false,"error":\{"code":"EINVAL","message":"\\"vm\\" must be a string, not an array"\}\}$'
reply_is "a timeout that is a string: EINVAL" \
	"$(ask '{"id":4,"op":"unassign","address":"00:02.0","timeout":"10"}')" \
	'^\{"id":4,"ok":false,"error":\{"code":"EINVAL","message":"\\"timeout\\" must be a number, not a string"\}\}$'
reply_is "a qmp path that is a number: EINVAL" \
	"$(ask '{"id":5,"op":"vm_add","vm":"g1","qmp":7}')" \
	'^\{"id":5,"ok":false,"error":\{"code":"EINVAL","message":"\\"qmp\\" must be a string, not a number"\}\}$'
reply_is "an argument the op does not take: EINVAL" \
	"$(ask '{"id":6,"op":"vm_list","vm":"g1"}')" \
	'^\{"id":6,"ok":false,"error":\{"code":"EINVAL","message":"vm_list takes no argument \\"vm\\""\}\}$'
big=$(head -c 70000 /dev/zero | tr '\0' x)
reply_is "a line over 64 KiB: E2BIG" "$(ask "{\"op\":\"ping\",\"x\":\"$big\"}")" \
	'^\{"id":null,"ok":false,"error":\{"code":"E2BIG","message":"request longer than 65536 bytes"\}\}$'
reply_is "ddad serves on" "$(ask '{"id":7,"op":"ping"}')" '^\{"id":7,"ok":true,"result":\{\}\}$'

# --- an unprivileged uid ---------------------------------------------------------
says "uid 65534: vm add refused" "vm_add needs root" \
	as_user env DDA_SOCKET=$DDA_SOCKET $ddactl vm add g1 --qmp /tmp/g1.qmp
check "vm add g1" $ddactl vm add g1 --qmp /tmp/g1.qmp
says "uid 65534: assign refused" "assign needs root" \
	as_user env DDA_SOCKET=$DDA_SOCKET $ddactl assign $edu --vm g1
check "uid 65534 may see the status" as_user env DDA_SOCKET=$DDA_SOCKET $ddactl status
check "the refusals are audited" grep -q "uid=65534 .*op=assign address=$edu vm=g1 result=error EPERM" /tmp/ddad.log

# --- no free port ----------------------------------------------------------------
check "assign edu to g1: its one port" $ddactl assign $edu --vm g1
says "assign the e1000e too: no free port" "vm g1 has no free hotplug port" \
	$ddactl assign "$nic" --vm g1
check "the e1000e stays quarantined" is_driver "$nic" dda
check "status: quarantined" status_is "$nic" quarantined -

# --- a group not wholly quarantined ------------------------------------------------
check "unbind the bridge's second NIC from e1000" sh -c "echo $b > /sys/bus/pci/drivers/e1000/unbind"
check "dismount the first alone" $ddactl dismount "$a"
says "assign it: its group is not wholly quarantined" \
	"IOMMU group [0-9]+ of $a is not wholly quarantined: $b is with the host \(no driver\)" \
	$ddactl assign "$a" --vm g1
check "mount it back" $ddactl mount "$a"

# --- a guest that does not let go in time --------------------------------------------
kill -STOP "$g1_pid"
t=$SECONDS
says "unassign, the guest frozen: it stays assigned" \
	"vm g1 did not release $edu within 2 s: it stays assigned" \
	$ddactl unassign $edu --timeout 2
log "time: the unassign gave up after $((SECONDS - t)) s"
check "status: still assigned to g1" status_is $edu assigned g1
check "still bound to vfio-pci" is_driver $edu vfio-pci
kill -CONT "$g1_pid"
check "the guest lets go later: ddad reclaims it by itself" wait_for 30 is_driver $edu dda
check "status: quarantined" wait_for 10 status_is $edu quarantined -
check "the audit says why" grep -q "op=reclaim address=$edu vm=g1 result=ok cause=device-deleted" /tmp/ddad.log

# --- a group goes to vfio-pci whole; one of it goes to the guest --------------
check "dismount the bridge's group" $ddactl dismount "$a" --group
check "assign its first NIC to g1" $ddactl assign "$a" --vm g1
check "the second went to vfio-pci with it" is_driver "$b" vfio-pci
check "status: the second assigned with the first, to g1" status_is "$b" assigned g1
says "assign the second: it went with the first" \
	"$b went to vfio-pci with $a, of its IOMMU group, which is assigned to vm g1" \
	$ddactl assign "$b" --vm g1
says "unassign the second: it is in no guest" "$b is in no guest" $ddactl unassign "$b"
check "unassign the first: the group comes back" $ddactl unassign "$a"
check "both bound to dda" sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$b/driver)) = dda ]"
check "mount the group" $ddactl mount "$a" --group

check "mount edu" $ddactl mount $edu
check "mount the e1000e" $ddactl mount "$nic"
check "SIGTERM: ddad exits 0, no sanitizer report" ddad_stop
kill "$g1_pid"
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
