#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The pool of an SR-IOV PF: `ddactl assign --vf-of PF --vm NAME` gives a
# running guest a free VF (quarantined, healthy, no guest), which ddad picks
# and names; with none free it is refused, saying why; the VFs cannot be
# removed while one is assigned; unassign, or a guest's death, puts its VFs
# back in the pool through quarantine and a reset (FLR), and the next guest
# gets one.
#
#   sandbox VM: rp -- SR-IOV NVMe PF (nvme), 2 VFs made by ddactl sriov
#   guests g1, g2: QEMU in the VM, two pcie-root-ports each
#
#@ devices: nvme-sriov
#@ timeout: 480
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"

. "$DDA_SRC/tests/integration/guest-qmp.sh"
. "$DDA_SRC/tests/integration/sriov.sh"


none_free() {
	if $ddactl assign --vf-of "$pf" --vm g2 2>/tmp/err; then return 1; fi
	cat /tmp/err
	grep -q "no free virtual function of $pf" /tmp/err
}
removal_refused() {
	if $ddactl sriov "$pf" --vfs 0 2>/tmp/err; then return 1; fi
	cat /tmp/err
	grep -qE "$a|$b" /tmp/err
}
both_dda() { is_driver "$a" dda && is_driver "$b" dda; }

sriov_pool_setup

check "guest g1 starts" guest_start g1 2
check "guest g2 starts" guest_start g2 2
check "ddad starts" ddad_start
check "vm add g1" $ddactl vm add g1 --qmp /tmp/g1.qmp
check "vm add g2" $ddactl vm add g2 --qmp /tmp/g2.qmp
"$ddactl" events --json >/tmp/events.json 2>&1 &
events=$!
listening() { grep -q poll "/proc/$events/wchan"; }
check "ddactl events is listening" wait_for 20 listening

check "assign a VF of the PF to g1" assign_vf g1
a=$(</tmp/vf)
check "ddactl names it: a VF of the PF" is_vf_of_pf "$a"
check "it is with vfio-pci" is_driver "$a" vfio-pci
check "g1 has it" guest_has g1 "$a"
check "assign another to g1" assign_vf g1
b=$(</tmp/vf)
check "the other VF" test "$a" != "$b"
check "g1 has it too" guest_has g1 "$b"
check "ddactl sriov: both VFs assigned, to g1, healthy" sh -c \
	"$ddactl sriov $pf | tee /dev/stderr | grep -Ec '^0000:[0-9a-f:.]+ +assigned +g1 +ok +vfio-pci\$' | grep -qx 2"
check "a third is refused: none is free" none_free
check "the VFs cannot be removed while assigned, one is named" removal_refused
check "unassign one" $ddactl unassign "$b"
check "it is back in the pool: dda's, quarantined, no vm" sh -c \
	"[ \$(basename \$(readlink $sys/$b/driver)) = dda ] && $ddactl status | grep -Eq '^$b +quarantined +- '"
check "and given out again" assign_vf g1
check "the same VF, the only free one" test "$(</tmp/vf)" = "$b"

# g1 dies: both VFs back in the pool, through quarantine.
guest_kill g1
check "g1 killed: its VFs back in quarantine" wait_for 60 both_dda
check "events: each return a reclaim, reset by FLR, healthy" wait_for 10 reclaimed_by_flr /tmp/events.json "$a=1" "$b=2"
check "status: quarantined, no vm" wait_for 20 status_is "$a" quarantined -
check "g2 gets one from the pool" assign_vf g2
check "g2 has it" guest_has g2 "$(</tmp/vf)"
guest_kill g2
check "g2 killed: back in quarantine" wait_for 60 is_driver "$(</tmp/vf)" dda
check "then the VFs can be removed" wait_for 30 "$ddactl" sriov "$pf" --vfs 0
check "no VF left" grep -qx 0 "$sys/$pf/sriov_numvfs"
kill "$events"
check "SIGTERM: ddad exits 0, no sanitizer report" ddad_stop
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
