#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The window between owners, measured by dda.ko (kmod/window.c): from
# dda's release of the group at handover to the claim of vfio's user (a
# guest QEMU's device_add), and from that user's close (device_del) to
# dda's claim at reclaim. Before the guest opens the group, show and the
# survey say how long it has had no DMA owner; the event of vfio's claim
# (reason owned) and of the reclaim carry the window, as does show --json.
# Each window must be > 0 and no longer than what the script measured
# around it, give or take the resolution dda.ko documents.
#
# Then with hold (ddactl handover --hold): dda keeps the group's DMA while
# vfio-pci binds; show says hold, the group is never unowned, and g1's
# device_add of it fails, until ddactl release (event reason release):
# then device_add succeeds, and the window runs from the release, not the
# handover, 2 s before. A held group never released is reclaimed as any.
#
#   sandbox VM (q35 + intel-iommu)          guest g1 (QEMU in the VM)
#    `-- edu                                  `-- rp0 <- vfio-pci edu
#
#@ devices: edu
#@ timeout: 300
. "$DDA_TESTLIB"

genl=$DDA_SRC/tests/integration/genl.py
ddactl=$DDA_SAN_BIN/ddactl
edu=$(vm_pci_addr edu0)
. "$DDA_SRC/tests/integration/guest-qmp.sh"

now_us() { echo $(($(date +%s%N) / 1000)); }
show_json() { $ddactl show --json "$edu" >/tmp/show.json; }
# KEY: the integer show --json gives, or "null"
show_key() {
	show_json && python3 -c "
import json, sys
v = json.load(open('/tmp/show.json'))['$1']
print('null' if v is None else v)"
}
# REASON: the window_usec of the last event with that reason, or nothing
event_window() {
	python3 -c "
import json
ev = [json.loads(l) for l in open('/tmp/events.json') if l.startswith('{')]
w = [e.get('window_usec') for e in ev if e['reason'] == '$1' and e['address'] == '$edu']
print(w[-1] if w and w[-1] is not None else '')"
}
has_event_window() { [[ -n $(event_window "$1") ]]; }
# REASON: how many events of the edu with that reason
events_of() {
	python3 -c "
import json
ev = [json.loads(l) for l in open('/tmp/events.json') if l.startswith('{')]
print(sum(e['reason'] == '$1' and e['address'] == '$edu' for e in ev))"
}
more_events() { (($(events_of "$1") > $2)); }
add_w2() {
	gq g1 "{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"vfio-pci\", \"host\": \"$edu\", \"bus\": \"rp0\", \"id\": \"w2\"}}"
}
# A BETWEEN LOW HIGH: LOW < A <= HIGH, logged
between() {
	log "$1: $2 us, expected in ($3, $4]"
	(($2 > $3 && $2 <= $4))
}

check "insmod dda.ko" insmod "$DDA_KO"
$ddactl events --json >/tmp/events.json 2>&1 &
events=$!
listening() { grep -q poll "/proc/$events/wchan"; }
check "ddactl events is listening" wait_for 20 listening
check "dismount the edu" "$genl" dev_dismount dev_address="$edu"
check "quarantined, show has no window yet" test "$(show_key window_usec)" = null
check "and it has an owner: dda" test "$(show_key unowned_usec)" = null
check "start guest g1" guest_start g1 1

# --- handover: dda lets go, nobody owns the group until g1 opens it --------
t_handover=$(now_us)
check "hand it over" "$genl" dev_handover dev_address="$edu"
t_handed=$(now_us)
sleep 2
unowned=$(show_key unowned_usec)
t_show=$(now_us)
check "before the guest opens it, show says it has had no DMA owner for 2 s or more" \
	between unowned_usec "$unowned" 2000000 $((t_show - t_handover))
check "ddactl show says so in text" sh -c \
	"$ddactl show '$edu' | grep -Eq '^unowned_usec: [0-9]+$'"
check "the survey warns that the group has had no DMA owner, naming its default domain" sh -c \
	"$ddactl survey '$edu' | tee /dev/stderr | grep -Eq 'warning.*no DMA owner for [0-9]+\.[0-9]{3} s .*default domain, (DMA|DMA-FQ|identity)'"

check "g1 opens it: device_add vfio-pci" gq g1 \
	"{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"vfio-pci\", \"host\": \"$edu\", \"bus\": \"rp0\", \"id\": \"w1\"}}"
t_added=$(now_us)
check "the events group hears vfio's claim (reason owned) with the window" \
	wait_for 10 has_event_window owned
window=$(event_window owned)
# The window opened in the handover and closed in device_add: at most the
# time from the handover's start to device_add's answer, plus 10 ms, the
# polling interval after the first 100 ms (kmod/window.c).
check "the window is > 2 s (the sleep) and within handover..device_add + 10 ms" \
	between window_usec "$window" $((2000000)) $((t_added - t_handover + 10000))
check "show --json carries the same window" test "$(show_key window_usec)" = "$window"
check "and the group has an owner again" test "$(show_key unowned_usec)" = null
check "the survey no longer says it has no owner" sh -c \
	"! $ddactl survey '$edu' | grep -q 'no DMA owner'"

# --- reclaim: g1 closes it (device_del), dda claims it at reclaim ----------
t_del=$(now_us)
check "g1 lets go: device_del" gq_unplug g1 w1
unowned_seen() { [[ $(show_key unowned_usec) != null ]]; }
# While vfio owns the group dda asks every second; QEMU lets go of the
# group after DEVICE_DELETED, and each look costs a ddactl and a python
# under TCG: 10 s, not 2 (CI's full run on 6.12 missed it within 3 s once).
check "show sees the group without an owner" wait_for 10 unowned_seen
t_reclaim=$(now_us)
check "reclaim" "$genl" dev_reclaim dev_address="$edu"
t_reclaimed=$(now_us)
check "the reclaim's event carries the window" wait_for 10 has_event_window reclaim
window=$(event_window reclaim)
# From the last poll that saw vfio's ownership (at most 1 s before
# device_del) to dda's claim, inside the reclaim.
check "the reclaim window is > the wait before it and within device_del..reclaim + 1 s" \
	between window_usec "$window" $((t_reclaim - t_del - 1000000 > 0 ? t_reclaim - t_del - 1000000 : 0)) \
	$((t_reclaimed - t_del + 1000000))
check "quarantined, show --json carries it" test "$(show_key window_usec)" = "$window"
check "dda owns the group: no unowned time" test "$(show_key unowned_usec)" = null
log "handover window $(event_window owned) us, reclaim window $window us (handover took $((t_handed - t_handover)) us)"
unheld_window=$(event_window owned)

# --- handover with hold: dda keeps the group until release ---------------
owned_before=$(events_of owned)
t_handover=$(now_us)
check "hand it over held: ddactl handover --hold" $ddactl handover --hold "$edu"
check "show --json says hold" test "$(show_key hold)" = True
check "show's text says what hold means" sh -c \
	"$ddactl show '$edu' | grep -qx \"hold: yes (dda blocks the group's DMA until release)\""
check "list --json says hold too" sh -c \
	"$ddactl list --json | grep -A12 '\"$edu\"' | grep -q '\"hold\": true'"
sleep 2
check "2 s later the group still has an owner, dda: no unowned_usec" \
	test "$(show_key unowned_usec)" = null
check "and the survey says no unowned window" sh -c \
	"! $ddactl survey '$edu' | grep -q 'no DMA owner'"
check_fails "held: g1's device_add vfio-pci fails" add_w2
log "device_add of a held group: $(tail -c 400 /tmp/g1.log 2>/dev/null | tr '\n' ' ')"
check "after it, still assigned, held, owned by dda" sh -c \
	"[ \"\$($ddactl show --json '$edu' | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"state\"], d[\"hold\"], d[\"unowned_usec\"])')\" = 'assigned True None' ]"
check "no owned event: vfio never claimed it" test "$(events_of owned)" -eq "$owned_before"
release_before=$(events_of release)
# Release, then device_add at once: nothing else between them, as a caller
# should; the checks of the release come after.
t_release=$(now_us)
check "ddactl release" $ddactl release "$edu"
check "released: g1's device_add succeeds" add_w2
t_added=$(now_us)
check "the events group heard reason release" wait_for 10 more_events release "$release_before"
check "the release event: assigned -> assigned" sh -c \
	"grep '\"reason\": \"release\"' /tmp/events.json | tail -n 1 | grep -q '\"old_state\": \"assigned\", \"state\": \"assigned\"'"
check "show no longer says hold" test "$(show_key hold)" = False
check "a second release is refused, saying why, and only that (no survey)" sh -c \
	"! $ddactl release '$edu' 2>/tmp/release.err && grep -q 'does not hold' /tmp/release.err && ! grep -q warning /tmp/release.err"
check "vfio's claim ends the window (reason owned)" wait_for 10 more_events owned "$owned_before"
window=$(event_window owned)
# From the release to the claim in device_add: within release..device_add
# + 10 ms, and so below handover..device_add, which the sleep makes > 2 s.
check "the held window is within release..device_add + 10 ms" \
	between window_usec "$window" 0 $((t_added - t_release + 10000))
check "and below the handover..device_add time (> 2 s) it would have been" \
	between window_usec "$window" 0 $((t_added - t_handover - 1))
log "held window $window us (release..device_add $((t_added - t_release)) us; handover..device_add $((t_added - t_handover)) us; without hold $unheld_window us)"

# --- g1 lets go: dda holds the lent group again at once --------------------
hold_before=$(events_of hold)
t_del=$(now_us)
check "g1 lets go of it: device_del" gq_unplug g1 w2
check "dda holds the group again: the events group hears reason hold" \
	wait_for 10 more_events hold "$hold_before"
t_held=$(now_us)
window=$(event_window hold)
# From the last poll that saw vfio's ownership (every 10 ms for a lent
# group) to dda's claim, which that poll's successor makes.
check "the hold event's window is within device_del..heard + 10 ms" \
	between window_usec "$window" 0 $((t_held - t_del + 10000))
check "assigned, held, and never unowned since" sh -c \
	"[ \"\$($ddactl show --json '$edu' | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"state\"], d[\"hold\"], d[\"unowned_usec\"])')\" = 'assigned True None' ]"
check_fails "held again: g1 cannot open it again (device_add fails)" add_w2
reclaim_before=$(events_of reclaim)
check "reclaim" "$genl" dev_reclaim dev_address="$edu"
check "the reclaim's event comes" wait_for 10 more_events reclaim "$reclaim_before"
check "and carries no window: the hold event had it" test -z "$(event_window reclaim)"
log "held again $window us after g1 let go (device_del..heard $((t_held - t_del)) us)"

# --- reclaim of a held group, never released ------------------------------
check "hand it over held again" $ddactl handover --hold "$edu"
reclaim_before=$(events_of reclaim)
check "reclaim the held group" "$genl" dev_reclaim dev_address="$edu"
check "the reclaim's event comes" wait_for 10 more_events reclaim "$reclaim_before"
check "quarantined, not held, owned by dda" sh -c \
	"[ \"\$($ddactl show --json '$edu' | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[\"state\"], d[\"hold\"], d[\"unowned_usec\"])')\" = 'quarantined False None' ]"
check "no window: dda never let go" test -z "$(event_window reclaim)"
check "bound to dda again" is_driver "$edu" dda

check "mount the edu back" "$genl" dev_mount dev_address="$edu"
guest_kill g1
kill "$events"
wait "$events" 2>/dev/null
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
