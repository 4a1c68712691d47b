# SPDX-License-Identifier: GPL-2.0-only
#
# For the scenarios of the SR-IOV pool (47, 48): sourced after "$DDA_TESTLIB"
# and ddad.sh ($ddactl).
#
#   sriov_pool_setup
#       dda.ko and vfio-pci loaded, 2 VFs of the SR-IOV NVMe made into
#       quarantine: $pf, $vf0, $vf1 (checked)
#   vf_of N / is_vf_of_pf ADDRESS
#       the PF's VF N / ADDRESS is a VF of $pf
#   assign_vf GUEST
#       ddactl assign --vf-of $pf --vm GUEST; the VF ddad picked (one of
#       $pf's) to /tmp/vf
#   reclaimed_by_flr EVENTS VF=N...
#       in EVENTS, what `ddactl events --json` printed, each VF came back
#       from a guest (assigned -> quarantined, reason reclaim) N times so
#       far, each through an FLR, healthy

reclaimed_by_flr() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for arg in sys.argv[2:]:
    vf, n = arg.split("=")
    back = [e for e in ev if e["address"] == vf and e["reason"] == "reclaim"]
    assert len(back) == int(n), (vf, back)
    for e in back:
        assert (e["old_state"], e["state"], e.get("reset_method"), e.get("health")) == \
            ("assigned", "quarantined", "flr", "ok"), e
PY
}

sys=/sys/bus/pci/devices
vf_of() { basename "$(readlink "$sys/$pf/virtfn$1")"; }
is_vf_of_pf() { [[ $(basename "$(readlink "$sys/$1/physfn")") == "$pf" ]]; }

assign_vf() {
	$ddactl assign --vf-of "$pf" --vm "$1" | tee /dev/stderr >/tmp/assign.out || return 1
	grep -Eo '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]' /tmp/assign.out >/tmp/vf
	[[ -s /tmp/vf ]] && is_vf_of_pf "$(</tmp/vf)"
}

sriov_pool_setup() {
	pf=$(vm_pci_addr nvme-sriov0)
	log "the SR-IOV NVMe PF is $pf"
	check "insmod dda.ko" insmod "$DDA_KO"
	check "modprobe vfio-pci" modprobe vfio-pci
	check "make 2 VFs into quarantine" "$ddactl" sriov "$pf" --vfs 2
	vf0=$(vf_of 0) vf1=$(vf_of 1)
	log "VFs $vf0 $vf1"
	check "both VFs are dda's" sh -c "[ $(driver_of "$vf0") = dda ] && [ $(driver_of "$vf1") = dda ]"
}
