#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ddad keeps its view of dda.ko's devices from dda's events group: one dump
# at start, none per status (ddad under strace: the DEV_GET dumps it sends
# are counted), the view follows changes made behind its back (ddactl
# straight to dda.ko), and when events are lost (a tiny receive buffer,
# ddad stopped while devices move) it dumps once more and is right again.
# dda.ko unloaded and loaded again: the view is opened again. An IOMMU
# group's members asked of dda.ko (a dump filtered by the group). A
# corrupt state.json while edu is assigned to g1: ddad leaves edu alone;
# ddactl reclaim is refused while g1's QEMU holds it (naming it), and
# succeeds once it is killed.
#
#@ devices: e1000e edu
#@ timeout: 420
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"

edu=$(vm_pci_addr edu0)
nic=$(vm_pci_addr e1000e0)

# ddad's own pid is in its lock file (ddad_pid may be strace's).
ddad_stop() { kill -TERM "$(cat "$ddad_state/ddad.lock")" && wait "$ddad_pid"; }
# ddad under strace, which logs every message it sends to dda.ko
# (LeakSanitizer cannot run under ptrace: it would fail ddad's exit).
ddad_traced() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -q -e trace=sendto,sendmsg -e signal=none -s 256 \
		-o /tmp/strace.log "$ddad" --foreground --socket "$DDA_SOCKET" \
		--state-dir "$ddad_state" >>/tmp/ddad.log 2>&1 &
	ddad_pid=$!
	wait_for 30 test -S "$DDA_SOCKET"
}
# The DEV_GET dumps in strace's log $1: messages to dda with NLM_F_DUMP
# (0x300), command 1 (DDA_CMD_DEV_GET), version 1.
dumps_in() {
	grep -Ec 'nlmsg_type=dda, nlmsg_flags=[A-Z_|]*0x300, .*"\\x01\\x01' "$1" || true
}
# ddad under strace stopped: gone, its socket removed (its exit status is
# strace's to tell, which the other stops check).
ddad_stop_traced() {
	local pid
	pid=$(cat "$ddad_state/ddad.lock")
	kill -TERM "$pid"
	wait "$ddad_pid" || log "strace: exit status $?"
	_run grep -a "^$pid +++\|^$pid ---\|Sanitizer" /tmp/strace.log /tmp/ddad.log
	! kill -0 "$pid" 2>/dev/null && test ! -e "$DDA_SOCKET"
}
status_is() { $ddactl status | grep -Eq "^$1 +$2 "; }
status_lacks() { ! $ddactl status | grep -q "^$1 "; }

check "insmod dda.ko" insmod "$DDA_KO"

# --- the counter sees a dump, and only a dump ------------------------------
strace -f -qq -e trace=sendto,sendmsg -s 256 -o /tmp/list.log $ddactl list >/dev/null
strace -f -qq -e trace=sendto,sendmsg -s 256 -o /tmp/show.log $ddactl show $edu >/dev/null
_run grep -E 'NLM_F' /tmp/list.log
check "the count sees ddactl list's dump" test "$(dumps_in /tmp/list.log)" -eq 1
check "and none in ddactl show, which asks for one device" \
	test "$(dumps_in /tmp/show.log)" -eq 0

# --- one dump at start, none per status ---------------------------------------
check "ddad starts under strace" ddad_traced
check "status answers" $ddactl status
start=$(dumps_in /tmp/strace.log)
log "dumps at start: $start"
check "ddad dumped dda.ko's devices once, at start" test "$start" -eq 1
for i in $(seq 50); do
	$ddactl status >/dev/null || break
done
check "50 status requests answered" test "$i" -eq 50
check "and not one more dump" test "$(dumps_in /tmp/strace.log)" -eq "$start"

# --- changes behind ddad's back -----------------------------------------------
check "ddactl dismounts edu, straight through dda.ko" $ddactl dismount $edu
check "ddad's status shows edu quarantined" status_is $edu quarantined
check "ddactl dismounts the e1000e" $ddactl dismount "$nic"
check "status shows it too" status_is "$nic" quarantined
check "ddactl mounts edu back" $ddactl mount $edu
check "status: edu gone, the e1000e still quarantined" \
	sh -c "! $ddactl status | grep -q '^$edu ' && $ddactl status | grep -Eq '^$nic +quarantined'"
check "no dump for any of it" test "$(dumps_in /tmp/strace.log)" -eq "$start"
check "ddad stops" ddad_stop_traced

# --- events lost: ddad dumps again ---------------------------------------------
: >/tmp/ddad.log
check "ddad starts with a tiny events buffer" ddad_start --events-buffer 1
check "status: the e1000e quarantined" status_is "$nic" quarantined
kill -STOP "$(cat "$ddad_state/ddad.lock")"
for i in 1 2 3 4 5; do
	$ddactl dismount $edu >/dev/null && $ddactl mount $edu >/dev/null || break
done
check "ddad stopped, edu dismounted and mounted 5 times" test "$i" -eq 5
check "the e1000e mounted" $ddactl mount "$nic"
check "edu dismounted again" $ddactl dismount $edu
kill -CONT "$(cat "$ddad_state/ddad.lock")"
check "status: edu quarantined" status_is $edu quarantined
check "the e1000e not" status_lacks "$nic"
check "ddad says events were lost and asked again" \
	grep -q "events of dda.ko were lost: asking for its devices again" /tmp/ddad.log
_run grep -i "events\|dump" /tmp/ddad.log
check "status answers at once" timeout 2 $ddactl status

# --- an IOMMU group asked of dda.ko: a dump of that group only ----------------
group=$(basename "$(readlink /sys/bus/pci/devices/$edu/iommu_group)")
members=$(ls /sys/kernel/iommu_groups/$group/devices | wc -l)
genl=$DDA_SRC/tests/integration/genl.py
check "dump of edu's group $group" sh -c "$genl dev_get dev_iommu_group=u32:$group --dump >/tmp/group.out"
_run cat /tmp/group.out
check "it names edu" grep -q "$edu" /tmp/group.out
check "and as many devices as the group has ($members)" \
	test "$(grep -c 'dev_address' /tmp/group.out)" -eq "$members"
check "no other group's device" sh -c "! grep -q '$nic' /tmp/group.out"
check "a group no device has: none" sh -c \
	"$genl dev_get dev_iommu_group=u32:99999 --dump >/tmp/none.out && ! grep -q dev_address /tmp/none.out"
check "refused with EINVAL, naming why" sh -c \
	"$genl dev_get dev_address=$edu dev_iommu_group=u32:$group 2>&1 | grep -q 'EINVAL: an IOMMU group filters a dump'"
check "a survey dump takes no group (strict policy)" sh -c \
	"$genl dev_survey dev_iommu_group=u32:$group --dump 2>&1 | grep -q '^error EINVAL'"

# --- dda.ko unloaded and loaded again -------------------------------------------
check "mount edu" $ddactl mount $edu
check "rmmod dda" rmmod dda
check "status without dda.ko: not loaded" sh -c \
	"$ddactl status 2>&1 | grep -q 'the dda kernel module is not loaded'"
check "insmod dda.ko again" insmod "$DDA_KO"
check "status answers again" $ddactl status
check "a dismount is seen by the new view" $ddactl dismount $edu
check "status: edu quarantined" status_is $edu quarantined
check "mount edu" $ddactl mount $edu

# --- a corrupt state.json: a device left alone, taken back by reclaim ---------
. "$DDA_SRC/tests/integration/guest-qmp.sh"
driver_is() { [[ $(basename "$(readlink "/sys/bus/pci/devices/$1/driver")") == "$2" ]]; }
# says DESC REGEX CMD...: CMD fails (exit 1) and its message matches REGEX
says() {
	local desc=$1 re=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	log "$out"
	if [[ $rc -eq 1 && $out =~ $re ]]; then ok "$desc"; else not_ok "$desc" "exit $rc: $out"; fi
}
check "modprobe vfio-pci" modprobe vfio-pci
check "guest g1 starts" guest_start g1 1
check "dismount edu" $ddactl dismount $edu
check "vm add g1" $ddactl vm add g1 --qmp /tmp/g1.qmp
check "assign edu to g1" $ddactl assign $edu --vm g1
says "reclaim of a device g1 holds: unassign it" \
	"$edu is assigned to vm g1: ddactl unassign $edu" $ddactl reclaim $edu
check "ddad stops" ddad_stop
echo '{"version": 1, "devices": {' >"$ddad_state/state.json"
check "ddad starts on a corrupt state.json" ddad_start
check "it was moved aside" sh -c "ls $ddad_state/state.json.corrupt-*"
check "status: edu assigned, to no vm" sh -c "$ddactl status | grep -Eq '^$edu +assigned +- '"
check "ddad says it left edu alone, and how to take it back" wait_for 10 \
	grep -q "$edu is assigned, and state.json, which was corrupt, named its guest: left alone.*ddactl reclaim $edu" /tmp/ddad.log
check "edu is still g1's: vfio-pci" driver_is $edu vfio-pci
check "in g1's tree" guest_has g1 $edu
says "reclaim refused while g1's QEMU holds it, naming its pid and command" \
	"$edu is held open through vfio by pid ${gpid[g1]} \\(qemu-system-x8" $ddactl reclaim $edu
check "nothing moved" driver_is $edu vfio-pci
check "g1 has it still" guest_has g1 $edu
check "the refusal is audited" grep -q "op=reclaim address=$edu vm=- result=error EBUSY" /tmp/ddad.log
says "reclaim as uid 65534: refused" "reclaim needs root" as_user $ddactl reclaim $edu
guest_kill g1
check "g1's QEMU killed: reclaim succeeds" $ddactl reclaim $edu
check "edu quarantined, bound to dda" driver_is $edu dda
check "status: quarantined" status_is $edu quarantined
check "audited" grep -q "op=reclaim address=$edu vm=- result=ok" /tmp/ddad.log
says "reclaim of a quarantined device: refused" "$edu is not assigned \\(it is quarantined\\)" \
	$ddactl reclaim $edu
check "mount edu" $ddactl mount $edu
check "ddad stops" ddad_stop

_run cat /tmp/ddad.log
check "no sanitizer report" sh -c "! grep -q 'ERROR: AddressSanitizer\|runtime error' /tmp/ddad.log"
done_testing
