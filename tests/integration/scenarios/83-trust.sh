#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ddad trusts no guest: a device changes hands only on proof. A group of
# two goes to vfio-pci whole, its second member recorded with the guest
# holding the group. A lying QMP peer (qmp-liar.py) claims g1's devices and
# says DEVICE_DELETED of them while g1 is frozen (SIGSTOP): nothing moves,
# ddad serves on, also after a restart on a state.json that lost the
# member's guest. A QEMU run with -no-shutdown whose guest shuts down keeps
# its device until it exits. A QMP path freed by its guest and bound by
# uid 65534 is never talked to; vm add refuses sockets others could have
# put there.
#
#   sandbox VM: pci-bridge with two e1000 (one IOMMU group), edu 00:02.0
#   guests g1, g3: QEMU in the VM; "liar": the fake QMP server
#
#@ devices: edu bridge2nic
#@ timeout: 480
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"

a=$(vm_pci_addr bridge0nic0)
b=$(vm_pci_addr bridge0nic1)
edu=$(vm_pci_addr edu0)
liar=$DDA_SRC/tests/integration/qmp-liar.py
. "$DDA_SRC/tests/integration/guest-qmp.sh"

# says DESC REGEX CMD...: CMD fails (exit 1) and its message matches REGEX
says() {
	local desc=$1 re=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [[ $rc -eq 1 && $out =~ $re ]]; then ok "$desc"; else not_ok "$desc" "exit $rc: $out"; fi
}
# Nothing moved: the pair and edu with vfio-pci, recorded with g1.
unmoved() {
	is_driver "$a" vfio-pci && is_driver "$b" vfio-pci && is_driver $edu vfio-pci &&
		status_is "$a" assigned g1 && status_is "$b" assigned g1 &&
		status_is $edu assigned g1
}
# A QEMU with only ddad's QMP socket, at PATH.
guest_start_at() { # NAME PATH
	qemu-system-x86_64 -accel tcg -machine q35 -nodefaults -m 128 -display none \
		-qmp "unix:$2,server=on,wait=off" >"/tmp/$1.log" 2>&1 &
	gpid[$1]=$!
	wait_for 30 test -S "$2"
}
# status answers within 2 s
answers_at_once() { timeout 2 "$ddactl" status >/dev/null; }

check "insmod dda.ko" insmod "$DDA_KO"
check "modprobe vfio-pci" modprobe vfio-pci
check "guest g1 starts" guest_start g1 2
check "ddad starts" ddad_start
check "dismount the bridge's group" $ddactl dismount "$a" --group
check "dismount edu" $ddactl dismount $edu
$ddactl events >/tmp/events.log 2>&1 &
events_pid=$!
check "vm add g1" $ddactl vm add g1 --qmp /tmp/g1.qmp

# --- a group goes whole, recorded whole ---------------------------------------
check "assign the first NIC to g1" $ddactl assign "$a" --vm g1
check "the second went to vfio-pci with it" is_driver "$b" vfio-pci
check "status: the second is g1's too" status_is "$b" assigned g1
check "state.json: recorded with the first, and g1's QEMU process" \
	grep -q "\"with\": \"$a\"" "$ddad_state/state.json"
check "assign edu to g1" $ddactl assign $edu --vm g1

# --- a liar, while g1 is frozen ----------------------------------------------
kill -STOP "${gpid[g1]}"
/usr/bin/python3 "$liar" /tmp/liar.qmp /tmp/liar.log "$(qdev_of "$a")" \
	"$(qdev_of "$b")" "$(qdev_of $edu)" &
liar_pid=$!
check "the liar listens" wait_for 10 test -S /tmp/liar.qmp
check "vm add liar" $ddactl vm add liar --qmp /tmp/liar.qmp
check "the liar says DEVICE_DELETED of g1's devices" wait_for 10 \
	grep -q "command query-pci" /tmp/liar.log
sleep 3
check "nothing moved" unmoved
check "ddad answers status at once" answers_at_once
check "ddad says it ignored the lies" grep -Eq \
	"vm liar said it let go of ($a|$b|$edu), which ddad did not give it: ignored" /tmp/ddad.log

# ddad restarted on a state.json whose member lost its guest
ddad_kill
/usr/bin/python3 - "$ddad_state/state.json" "$b" <<'PY'
import json, sys
path, b = sys.argv[1], sys.argv[2]
s = json.load(open(path))
s["devices"][b] = {"state": "assigned", "vm": None,
                   "since": s["devices"][b]["since"]}
json.dump(s, open(path, "w"), indent=2)
PY
check "ddad starts again, the member's guest lost" ddad_start
check "the liar is connected again" wait_for 10 sh -c "$ddactl vm list | grep -Eq '^liar +yes'"
sleep 3
check "the member: g1's again, from its group, not the liar's" status_is "$b" assigned g1
check "nothing moved" unmoved
check "ddad answers status at once, g1 still frozen" answers_at_once
check "no reclaim happened" sh -c "! grep -q 'op=reclaim' /tmp/ddad.log"
kill -CONT "${gpid[g1]}"
check "vm remove liar" $ddactl vm remove liar
kill "$liar_pid"
wait "$liar_pid" 2>/dev/null

check "g1 connected again" wait_for 30 sh -c "$ddactl vm list | grep -Eq '^g1 +yes'"
check "unassign edu from g1" $ddactl unassign $edu
check "unassign the first NIC: the group comes back" $ddactl unassign "$a"
check "both bound to dda" sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$b/driver)) = dda ]"

# --- -no-shutdown: the guest shuts down, QEMU stays -----------------------
# No OS to power off: with -no-reboot a reset becomes a shutdown, which
# -no-shutdown turns into a pause: SHUTDOWN, and QEMU stays.
check "guest g3 starts, -no-shutdown" guest_start g3 2 -no-shutdown -no-reboot
check "vm add g3" $ddactl vm add g3 --qmp /tmp/g3.qmp
check "assign edu to g3" $ddactl assign $edu --vm g3
check "g3's guest shuts down" gq g3 '{"execute": "system_reset"}'
check "ddad heard SHUTDOWN" wait_for 10 grep -q "vm g3 shut down" /tmp/ddad.log
sleep 12
check "12 s later, QEMU alive: edu still g3's" sh -c \
	"kill -0 ${gpid[g3]} && [ \$(basename \$(readlink /sys/bus/pci/devices/$edu/driver)) = vfio-pci ]"
check "status: assigned to g3" status_is $edu assigned g3
check "g3's QEMU still has it" guest_has g3 $edu
gq g3 '{"execute": "quit"}' >/dev/null
wait "${gpid[g3]}" 2>/dev/null
check "QEMU exited: edu back in quarantine" wait_for 30 is_driver $edu dda
check "the audit says why" grep -q "op=reclaim address=$edu vm=g3 result=ok cause=guest-gone" /tmp/ddad.log
check "vm remove g3" $ddactl vm remove g3

# --- an impostor on a freed path --------------------------------------------
guest_kill g1
check "g1 not connected" wait_for 10 sh -c "$ddactl vm list | grep -Eq '^g1 +no'"
as_user /usr/bin/python3 "$liar" /tmp/g1.qmp /tmp/impostor.log "$(qdev_of $edu)" &
impostor_pid=$!
check "uid 65534 binds g1's freed QMP path" wait_for 10 test -S /tmp/g1.qmp
check "ddad connects to it" wait_for 10 grep -q connected /tmp/impostor.log
sleep 3
_run cat /tmp/impostor.log
check "and never sends it a byte" sh -c "! grep -q received /tmp/impostor.log"
check "g1 is not connected" sh -c "$ddactl vm list | grep -Eq '^g1 +no'"
check "ddad says why" grep -q "vm g1: refused: its QMP socket is served by uid 65534" /tmp/ddad.log
kill "$impostor_pid" 2>/dev/null
wait "$impostor_pid" 2>/dev/null
rm -f /tmp/g1.qmp
check "vm remove g1" $ddactl vm remove g1

# --- vm add: sockets others could have put there -----------------------------
mkdir -m 0777 /tmp/open
check "guest g4 starts, its socket in a directory anyone may write" \
	guest_start_at g4 /tmp/open/g4.qmp
says "vm add: refused" "in a directory others may write to, not sticky" \
	$ddactl vm add g4 --qmp /tmp/open/g4.qmp
check "a socket in /tmp owned by uid 65534, served by root" guest_start_at g5 /tmp/g5.qmp
chown 65534 /tmp/g5.qmp
says "vm add: refused" "owned by uid 65534, not by uid 0 who serves it" \
	$ddactl vm add g5 --qmp /tmp/g5.qmp
check "vm list: neither added" sh -c "! $ddactl vm list | grep -Eq '^g[45] '"

# --- never the host ------------------------------------------------------------
kill "$events_pid" 2>/dev/null
check "no device went to the host meanwhile" sh -c "! grep -q ' -> host' /tmp/events.log"
check "mount the group" $ddactl mount "$a" --group
check "mount edu" $ddactl mount $edu
check "SIGTERM: ddad exits 0, no sanitizer report" ddad_stop
kill "${gpid[g4]}" "${gpid[g5]}" 2>/dev/null
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
