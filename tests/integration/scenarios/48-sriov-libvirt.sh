#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The pool of an SR-IOV PF with a libvirt domain (tests/integration/libvirt.sh)
# for a guest: `ddactl assign --vf-of PF --vm DOMAIN` hot-plugs a free VF as
# a live managed='no' hostdev and names it; unassign takes it back into the
# pool, quarantined, reset by FLR; with both VFs in the domain a third is
# refused and the VFs cannot be removed; `virsh destroy` puts both back in
# the pool through quarantine and an FLR, never through nvme (the next
# guest getting one from the pool: 47-sriov-pool). Then the VFs are removed.
#
#   sandbox VM: rp -- SR-IOV NVMe PF (nvme), 2 VFs made by ddactl sriov
#   domain lv1: two pcie-root-ports
#
#@ devices: nvme-sriov
#@ timeout: 480
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"
. "$DDA_SRC/tests/integration/libvirt.sh"
. "$DDA_SRC/tests/integration/sriov.sh"


has_alias() { virsh dumpxml "$1" | grep -q "<alias name='$(lv_alias "$2")'/>"; }
lacks_alias() { local x; x=$(virsh dumpxml "$1") && [[ $x != *"<alias name='$(lv_alias "$2")'/>"* ]]; }
lv_up_in_ddad() { $ddactl vm list | grep -Eq "^$1 +yes +libvirt +yes "; }
# Fails, saying $1 on stderr.
refused() {
	local want=$1
	shift
	"$@" 2>/tmp/err && return 1
	cat /tmp/err
	grep -qE -- "$want" /tmp/err
}
# The VFs named are quarantined (dda, no guest), and until then never with
# nvme.
back_in_pool() {
	local i vf left
	for ((i = 0; i < 600; i++)); do
		left=0
		for vf in "$@"; do
			is_driver "$vf" nvme && { log "$vf on nvme!"; return 1; }
			is_driver "$vf" dda && status_is "$vf" quarantined - || left=1
		done
		((left)) || return 0
		sleep 0.1
	done
	return 1
}

sriov_pool_setup

check "libvirt's world is set up" lv_setup
lv_start_or_end
check "define domain lv1 (two pcie-root-ports)" lv_define lv1 2
check "start lv1" virsh start lv1
check "lv1 is running" wait_for 60 lv_running lv1
check "ddad starts" ddad_start
check "ddad sees lv1, connected" wait_for 20 lv_up_in_ddad lv1
"$ddactl" events --json >/tmp/events.json 2>&1 &
events=$!
listening() { grep -q poll "/proc/$events/wchan"; }
check "ddactl events is listening" wait_for 20 listening

# --- from the pool to the domain, and back by unassign ------------------------
check "assign a VF of the PF to lv1" assign_vf lv1
a=$(</tmp/vf)
check "it is with vfio-pci" is_driver "$a" vfio-pci
check "lv1's live XML has it, as ddad's alias" has_alias lv1 "$a"
check "status: assigned to lv1" status_is "$a" assigned lv1
check "recorded with lv1's QEMU ($(lv_pid lv1))" grep -q "\"pid\": *$(lv_pid lv1)\b" "$ddad_state/state.json"
check "unassign it" $ddactl unassign "$a"
check "lv1's live XML has it no more" lacks_alias lv1 "$a"
check "back in the pool" back_in_pool "$a"
check "events: back by reclaim, reset by FLR, healthy" wait_for 10 reclaimed_by_flr /tmp/events.json "$a=1"
first=$a

# --- both VFs to lv1: the pool is empty --------------------------------------
check "assign a VF to lv1" assign_vf lv1
a=$(</tmp/vf)
check "and the other" assign_vf lv1
b=$(</tmp/vf)
check "two VFs" test "$a" != "$b"
check "lv1 has both" sh -c "virsh dumpxml lv1 | grep -q \"alias name='$(lv_alias "$a")'\" && virsh dumpxml lv1 | grep -q \"alias name='$(lv_alias "$b")'\""
check "a third is refused: none is free" refused "no free virtual function of $pf" \
	$ddactl assign --vf-of "$pf" --vm lv1
check "the VFs cannot be removed while assigned, one is named" refused \
	"virtual function ($a|$b) is assigned to a guest" $ddactl sriov "$pf" --vfs 0
check "two VFs still" grep -qx 2 "$sys/$pf/sriov_numvfs"

# --- the domain destroyed: both back in the pool, through quarantine ---------
pid=$(lv_pid lv1)
check "virsh destroy lv1" virsh destroy lv1
check "both back in the pool, never with nvme" back_in_pool "$a" "$b"
check "lv1's QEMU is gone" sh -c "! kill -0 $pid"
check "ddad says it reclaimed them, lv1's QEMU gone" sh -c \
	"grep -q 'reclaiming $a from vm lv1 (guest-gone)' /tmp/ddad.log && grep -q 'reclaiming $b from vm lv1 (guest-gone)' /tmp/ddad.log"
# The first VF came back twice now, the other once.
other=$vf0
[[ $first != "$vf0" ]] || other=$vf1
check "events: each back by reclaim, reset by FLR, healthy" wait_for 10 reclaimed_by_flr /tmp/events.json \
	"$first=2" "$other=1"

check "then the VFs can be removed" $ddactl sriov "$pf" --vfs 0
check "no VF left" grep -qx 0 "$sys/$pf/sriov_numvfs"
check "the PF still has nvme" is_driver "$pf" nvme
kill "$events"
check "SIGTERM: ddad exits 0, no sanitizer report" ddad_stop
lv_stop
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
