#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# SR-IOV without isolation: the SR-IOV NVMe behind a root port without ACS
# (disable-acs=on), so that the PF, its VFs and the port share one IOMMU
# group. The survey blocks such a VF, naming its PF and its sibling;
# `ddactl sriov PF --vfs 2` fails naming the VF it could not quarantine and
# the blocker, removes the VFs again and puts the PF's autoprobe back on:
# nothing is left half made, and nvme never probed a VF.
#
#   q35 + intel-iommu
#    `-- rp (no ACS) -- nvme (SR-IOV PF)    one IOMMU group with its VFs
#
#@ devices: nvme-sriov-noacs
#@ timeout: 300
. "$DDA_TESTLIB"

ddactl=$DDA_SAN_BIN/ddactl
sys=/sys/bus/pci/devices

group_of() { basename "$(readlink "$sys/$1/iommu_group")"; }
vf_of() { basename "$(readlink "$sys/$pf/virtfn$1")"; }
autoprobe_is() { [[ $(<"$sys/$pf/sriov_drivers_autoprobe") == "$1" ]]; }
numvfs_is() { [[ $(<"$sys/$pf/sriov_numvfs") == "$1" ]]; }
since_mark() { dmesg | sed -n "/dda-test: mark $1\$/,\$p"; }
# fails_saying WANT... -- CMD...: CMD exits with status 1, its stderr
# holding every WANT.
fails_saying() {
	local w want=()
	while [[ $1 != -- ]]; do want+=("$1"); shift; done
	shift
	"$@" 2>/tmp/err && return 1
	[[ $? -eq 1 ]] || { cat /tmp/err; return 1; }
	cat /tmp/err
	for w in "${want[@]}"; do
		grep -qF -- "$w" /tmp/err || { echo "missing: $w"; return 1; }
	done
}

pf=$(vm_pci_addr nvme-sriov-noacs0)
rp=$(vm_pci_addr rp-nvme-sriov-noacs0)
log "the SR-IOV NVMe PF is $pf, behind $rp"
check "the PF is bound to nvme" is_driver "$pf" nvme
check "the PF shares its port's IOMMU group: no ACS" test "$(group_of "$pf")" = "$(group_of "$rp")"
check "insmod dda.ko" insmod "$DDA_KO"

# By hand, autoprobe off: the VFs join the group; the survey blocks them.
echo 0 >"$sys/$pf/sriov_drivers_autoprobe"
echo 2 >"$sys/$pf/sriov_numvfs"
vf0=$(vf_of 0) vf1=$(vf_of 1)
log "its VFs are $vf0 and $vf1"
check "the VFs are in the PF's IOMMU group" sh -c \
	"[ $(group_of "$vf0") = $(group_of "$pf") ] && [ $(group_of "$vf1") = $(group_of "$pf") ]"
check "no driver took them" sh -c "[ -z '$(driver_of "$vf0")' ] && [ -z '$(driver_of "$vf1")' ]"
check "the survey names the PF, a blocker" sh -c \
	"$ddactl survey $vf0 | tee /dev/stderr | grep -q 'blocker  *sriov: shares its IOMMU group with its SR-IOV physical function $pf: the IOMMU cannot isolate their DMA'"
check "and the sibling, a blocker" sh -c \
	"$ddactl survey $vf0 | grep -q 'blocker  *sriov: shares its IOMMU group with its SR-IOV sibling $vf1: the IOMMU cannot isolate their DMA'"
survey_json() {
	"$ddactl" survey --json "$vf1" >/tmp/survey.json || return 1
	/usr/bin/python3 - "$pf" "$vf0" <<'PY'
import json, sys
pf, vf0 = sys.argv[1:]
s = json.load(open("/tmp/survey.json"))
s = s[0] if isinstance(s, list) else s
assert s["verdict"] == "blocked", s
texts = [f["text"] for f in s["findings"] if (f["check"], f["severity"]) == ("sriov", "blocker")]
assert any(pf in t for t in texts) and any(vf0 in t for t in texts), texts
PY
}
check "survey --json of the other VF: blocked, check sriov, both named" survey_json
check "ddactl dismount of a VF is refused" fails_saying \
	"shares its IOMMU group with its SR-IOV physical function $pf" -- \
	"$ddactl" dismount "$vf0"
check "it has no driver still" test -z "$(driver_of "$vf0")"
echo 0 >"$sys/$pf/sriov_numvfs"
echo 1 >"$sys/$pf/sriov_drivers_autoprobe"
check "by hand: no VF left" numvfs_is 0

# ddactl sriov: the first VF cannot be quarantined; all undone.
dmesg_mark
mark=$_marks
check "ddactl sriov --vfs 2 fails, naming the VF and the blocker" fails_saying \
	"$vf0" "shares its IOMMU group with its SR-IOV physical function $pf" \
	"$pf: its virtual functions are removed again" -- \
	"$ddactl" sriov "$pf" --vfs 2
check "no VF is left" numvfs_is 0
check "their devices are gone" sh -c "[ ! -e $sys/$vf0 ] && [ ! -e $sys/$vf1 ]"
check "the PF's autoprobe is on again, as it was" autoprobe_is 1
check "the PF keeps nvme" is_driver "$pf" nvme
since_mark "$mark" >/tmp/kmsg
check_fails "nvme never probed a VF" \
	grep -E "pci function ($vf0|$vf1)|Device not ready|nvme ($vf0|$vf1)" /tmp/kmsg
check "ddactl sriov: 0 VFs" sh -c "$ddactl sriov $pf | tr '\n' ' ' | grep -q 'num_vfs: 0 autoprobe: yes'"

check "rmmod dda" rmmod dda
dmesg_clean
done_testing
