#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# SR-IOV: `ddactl sriov PF --vfs N` makes virtual functions straight into
# quarantine, none of them ever meeting a host driver, while the PF keeps
# its own; it removes them only while every one is in quarantine; a PF
# whose driver cannot make VFs gets a clear error. Then the control: a VF
# made by hand, autoprobe on, is probed by nvme at once, and the same
# kernel log checks see it.
#
#   q35 + intel-iommu
#    `-- rp -- nvme (SR-IOV PF)     nvme; QEMU 7.2's, 2 VFs at most, each
#                                   VF with its own IOMMU group and FLR
#
#@ devices: nvme-sriov
#@ timeout: 420
. "$DDA_TESTLIB"

genl=$DDA_SRC/tests/integration/genl.py
ddactl=$DDA_SAN_BIN/ddactl
sys=/sys/bus/pci/devices

group_of() { basename "$(readlink "$sys/$1/iommu_group")"; }
vf_of() { basename "$(readlink "$sys/$pf/virtfn$1")"; }
autoprobe_is() { [[ $(<"$sys/$pf/sriov_drivers_autoprobe") == "$1" ]]; }
numvfs_is() { [[ $(<"$sys/$pf/sriov_numvfs") == "$1" ]]; }
# Exits with status $1, and says $2 on stderr.
fails_with() {
	local rc=$1 want=$2
	shift 2
	"$@" 2>/tmp/err && return 1
	[[ $? -eq $rc ]] || { cat /tmp/err; return 1; }
	cat /tmp/err
	grep -qF -- "$want" /tmp/err
}
# The kernel log since the last mark.
since_mark() { dmesg | sed -n "/dda-test: mark $1\$/,\$p"; }

pf=$(vm_pci_addr nvme-sriov0)
log "the SR-IOV NVMe PF is $pf"
check "the PF is bound to nvme" is_driver "$pf" nvme
check "it can have 2 VFs" grep -qx 2 "$sys/$pf/sriov_totalvfs"
check "insmod dda.ko" insmod "$DDA_KO"

check "ddactl sriov: 0 of 2 VFs, autoprobe on" sh -c \
	"$ddactl sriov ${pf#0000:} | tee /dev/stderr | tr '\n' ' ' | grep -q 'driver: nvme total_vfs: 2 num_vfs: 0 autoprobe: yes'"
check "the survey reports the PF's SR-IOV state" sh -c \
	"$ddactl survey $pf | tee /dev/stderr | grep -q 'SR-IOV physical function, 0 of 2 virtual functions enabled; its driver nvme can make them'"
check "--vfs 3 is refused: at most 2" fails_with 2 "has at most 2 virtual functions, not 3" \
	"$ddactl" sriov "$pf" --vfs 3
check "--vfs two is refused" fails_with 2 "--vfs 'two' is not a number" \
	"$ddactl" sriov "$pf" --vfs two
check "a device without SR-IOV is named" fails_with 1 "has no SR-IOV capability" \
	"$ddactl" sriov "$(vm_pci_addr rp-nvme-sriov0)"
check "as nobody, nothing is made" fails_with 1 "" as_user "$ddactl" sriov "$pf" --vfs 2
check "still no VF" numvfs_is 0

# Every PCI uevent from here on: bind events name the driver.
udevadm monitor --kernel --property --subsystem-match=pci >/tmp/uevents 2>&1 &
monitor=$!
"$ddactl" events --json >/tmp/events.json 2>&1 &
events=$!
listening() { grep -q poll "/proc/$events/wchan"; }
check "ddactl events is listening" wait_for 20 listening
sleep 1
dmesg_mark
mark=$_marks

check "ddactl sriov --vfs 2" sh -c "$ddactl sriov $pf --vfs 2 --json | tee /tmp/sriov.json"
vf0=$(vf_of 0) vf1=$(vf_of 1)
log "its VFs are $vf0 and $vf1"
check "two VFs exist" numvfs_is 2
check "the PF's autoprobe is on again, as it was" autoprobe_is 1
check "the PF keeps nvme" is_driver "$pf" nvme
check "both VFs are bound to dda" sh -c "[ $(driver_of "$vf0") = dda ] && [ $(driver_of "$vf1") = dda ]"
check "each VF has an IOMMU group of its own" sh -c \
	"[ $(group_of "$vf0") != $(group_of "$vf1") ] && [ $(group_of "$vf0") != $(group_of "$pf") ] && [ $(group_of "$vf1") != $(group_of "$pf") ]"
# check runs its command with stdin from /dev/null: the scripts live in
# functions, their heredocs inside.
json_says() {
	/usr/bin/python3 - "$pf" "$vf0" "$vf1" <<'PY'
import json, sys
pf, vf0, vf1 = sys.argv[1:]
s = json.load(open("/tmp/sriov.json"))
assert (s["address"], s["driver"], s["total_vfs"], s["num_vfs"], s["autoprobe"]) == \
    (pf, "nvme", 2, 2, True), s
assert [v["address"] for v in s["vfs"]] == [vf0, vf1], s
for v in s["vfs"]:
    assert (v["state"], v["driver"], v["health"], v["physfn"], v["original_driver"], v["vm"]) == \
        ("quarantined", "dda", "ok", pf, None, None), v
PY
}
check "the JSON: 2 of 2, each VF quarantined, healthy, naming its PF" json_says
check "show names the VF's PF" sh -c "$ddactl show $vf0 | tee /dev/stderr | grep -qx 'physfn: $pf'"
check "list --json: physfn of the VFs, null for the PF" sh -c \
	"$ddactl list --json | jq -e '[.[] | select(.address == \"$vf0\" or .address == \"$vf1\") | .physfn] == [\"$pf\", \"$pf\"] and (.[] | select(.address == \"$pf\") | .physfn) == null'"
check "the VFs reset by FLR" sh -c "grep -qw flr $sys/$vf0/reset_method && $ddactl show $vf0 | grep -qx 'reset_method: flr'"
check "the survey says whose VF it is" sh -c "$ddactl survey $vf0 | grep -q 'SR-IOV virtual function of $pf'"
check "the survey of the PF: 2 of 2 enabled" sh -c \
	"$ddactl survey $pf | grep -q 'SR-IOV physical function, 2 of 2 virtual functions enabled'"

# Never met a host driver: no bind uevent but dda's, no nvme probe.
sleep 1
kill "$monitor"
binds() {
	awk -v vf="$1" '/^ACTION=/ { a = substr($0, 8) } /^DEVPATH=/ { p = $0 }
		/^DRIVER=/ { if (a == "bind" && p ~ ("/" vf "$")) print substr($0, 8) }' /tmp/uevents
}
for vf in "$vf0" "$vf1"; do
	check "$vf was bound to dda once, to no other driver" \
		test "$(binds "$vf" | tr '\n' ' ')" = "dda "
done
since_mark "$mark" >/tmp/kmsg
check_fails "nvme never probed a VF" \
	grep -E "pci function ($vf0|$vf1)|Device not ready|nvme ($vf0|$vf1)" /tmp/kmsg
dismounted_once() {
	/usr/bin/python3 - "$vf0" "$vf1" <<'PY'
import json, sys
ev = [json.loads(l) for l in open("/tmp/events.json") if l.startswith("{")]
for vf in sys.argv[1:]:
    mine = [(e["old_state"], e["state"], e["reason"]) for e in ev if e["address"] == vf]
    assert mine == [("host", "quarantined", "dismount")], (vf, mine)
PY
}
check "events: each VF host -> quarantined by dismount, nothing else" dismounted_once

# Removal only from quarantine.
check "hand VF 0 over to vfio-pci" "$genl" dev_handover dev_address="$vf0"
check "removal is refused, naming the assigned VF" fails_with 1 \
	"virtual function $vf0 is assigned to a guest" "$ddactl" sriov "$pf" --vfs 0
check "both VFs are still there" numvfs_is 2
check "VF 0 is still with vfio-pci" is_driver "$vf0" vfio-pci
check "a different count is refused while VFs exist" fails_with 1 \
	"has 2 virtual functions already: remove them first with --vfs 0" "$ddactl" sriov "$pf" --vfs 1
check "ddactl sriov names the VF's state" sh -c \
	"$ddactl sriov $pf | tee /dev/stderr | grep -Eq '^$vf0 +assigned +- +ok +vfio-pci\$'"
check "reclaim VF 0" "$genl" dev_reclaim dev_address="$vf0"
# A VF given back to the host: it never had a driver, none probes it.
check "mount VF 1" "$ddactl" mount "$vf1"
check "VF 1 is with the host, no driver" sh -c "$ddactl show $vf1 | grep -qx 'state: host' && [ ! -e $sys/$vf1/driver ]"
check "removal is refused, naming the VF with the host" fails_with 1 \
	"virtual function $vf1 is with the host: its virtual functions are removed only from quarantine" \
	"$ddactl" sriov "$pf" --vfs 0
check "both VFs are still there" numvfs_is 2
check "dismount VF 1 again" "$ddactl" dismount "$vf1"
check "--vfs 0 removes them" sh -c "$ddactl sriov $pf --vfs 0 | tee /dev/stderr | grep -qx 'num_vfs: 0'"
check "no VF left" numvfs_is 0
check "their devices are gone" sh -c "[ ! -e $sys/$vf0 ] && [ ! -e $sys/$vf1 ]"
check "the PF still has nvme" is_driver "$pf" nvme
check "its autoprobe is still on" autoprobe_is 1
saw_removed() {
	/usr/bin/python3 - "$vf0" "$vf1" <<'PY'
import json, sys
ev = [json.loads(l) for l in open("/tmp/events.json") if l.startswith("{")]
for vf in sys.argv[1:]:
    assert [e["reason"] for e in ev if e["address"] == vf][-1] == "removed", vf
PY
}
check "the VFs left quarantine as they left the bus" wait_for 10 saw_removed
kill "$events"

# With autoprobe off before, the command leaves it off.
echo 0 >"$sys/$pf/sriov_drivers_autoprobe"
check "--vfs 1 with autoprobe off" "$ddactl" sriov "$pf" --vfs 1
check "autoprobe stays off" autoprobe_is 0
check "the VF is quarantined" is_driver "$(vf_of 0)" dda
check "--vfs 0" "$ddactl" sriov "$pf" --vfs 0
echo 1 >"$sys/$pf/sriov_drivers_autoprobe"

# A PF driver that cannot make VFs: pci-stub has no sriov_configure.
echo "$pf" >"$sys/$pf/driver/unbind"
check "a PF without a driver is refused" fails_with 1 "has no driver" "$ddactl" sriov "$pf" --vfs 1
modprobe pci-stub 2>/dev/null
echo pci-stub >"$sys/$pf/driver_override"
echo "$pf" >/sys/bus/pci/drivers_probe
check "the PF is bound to pci-stub" is_driver "$pf" pci-stub
check "its driver cannot make VFs: said so" fails_with 1 \
	"its driver pci-stub cannot make virtual functions" "$ddactl" sriov "$pf" --vfs 1
check "autoprobe back on after the failure" autoprobe_is 1
check "no VF" numvfs_is 0
echo "$pf" >"$sys/$pf/driver/unbind"
echo >"$sys/$pf/driver_override"
echo "$pf" >/sys/bus/pci/drivers_probe
check "the PF is back with nvme" wait_for 30 is_driver "$pf" nvme

dmesg_clean

# The control: by hand, autoprobe on, nvme probes the VF at once, and the
# checks above would have seen it.
dmesg_mark
mark=$_marks
echo 1 >"$sys/$pf/sriov_numvfs"
vf=$(vf_of 0)
probed() { since_mark "$mark" | grep -E "pci function $vf|Device not ready"; }
check "control: by hand, nvme probes the VF $vf" wait_for 60 probed
log "$(since_mark "$mark" | grep -E "nvme|$vf")"
echo 0 >"$sys/$pf/sriov_numvfs"
check "control: its VFs removed" numvfs_is 0

check "rmmod dda" rmmod dda
dmesg_clean
done_testing
