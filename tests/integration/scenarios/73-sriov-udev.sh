#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# SR-IOV virtual functions caught by the policy through udev/60-dda.rules,
# made by hand with the PF's sriov_drivers_autoprobe off (README: a VF made
# with autoprobe on is bound by the kernel before udev runs, 46-sriov's
# control). `vf-of PF`: udev loads dda.ko for the new VFs, which quarantines
# them, nvme never probing one; then, dda.ko loaded, `id` (the VF's own
# device id, sriov_vf_device) and `class` select a VF too, never the PF,
# which keeps nvme.
#
#   q35 + intel-iommu
#    `-- rp -- nvme (SR-IOV PF)     nvme; QEMU 7.2's, 2 VFs at most
#
#@ devices: nvme-sriov
#@ udev: yes
#@ boot: yes
#@ timeout: 300
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/boot.sh"

if [[ ${1-} == boot ]]; then
	boot_rules
	boot_dda_module
	exit 0
fi

ddactl=$DDA_SAN_BIN/ddactl
sys=/sys/bus/pci/devices
conf=/run/dda/policy.d/50-vfs.conf
vf_of() { basename "$(readlink "$sys/$pf/virtfn$1")"; }
since_mark() { dmesg | sed -n "/dda-test: mark $1\$/,\$p"; }
quarantined() { driver_is "$1" dda && [[ $(state_of "$1") == quarantined ]]; }
# make_vfs N: N VFs by hand, autoprobe off; their addresses in $vfs.
make_vfs() {
	local i
	echo 0 >"$sys/$pf/sriov_drivers_autoprobe" &&
		echo "$1" >"$sys/$pf/sriov_numvfs" || return 1
	vfs=()
	for ((i = 0; i < $1; i++)); do vfs+=("$(vf_of "$i")"); done
	log "VFs ${vfs[*]}"
}
remove_vfs() {
	"$ddactl" sriov "$pf" --vfs 0 &&
		echo 1 >"$sys/$pf/sriov_drivers_autoprobe"
}
# selected_by SELECTOR LINE VF...: each VF quarantined, the kernel log
# naming the policy line that marked it.
selected_by() {
	local sel=$1 line=$2 vf
	shift 2
	for vf in "$@"; do
		wait_for 30 quarantined "$vf" || { log "$vf: $(driver_of "$vf")"; return 1; }
		in_dmesg "ddactl: policy: $vf: driver_override set to dda ($sel, $conf:$line)" || return 1
	done
}
pf_untouched() { driver_is "$pf" nvme && [[ $(override_of "$pf") == "(null)" ]]; }
never_probed() { # MARK VF...
	local mark=$1 re
	shift
	re=$(IFS='|'; echo "$*")
	! since_mark "$mark" | grep -E "pci function ($re)|Device not ready|nvme ($re)"
}

pf=$(vm_pci_addr nvme-sriov0)
log "the SR-IOV NVMe PF is $pf"
check "the PF is bound to nvme" driver_is "$pf" nvme
check "nothing selected at boot: dda.ko is not loaded" test ! -d /sys/module/dda

# --- vf-of: udev loads dda.ko for the VFs ---------------------------------
boot_policy 50-vfs.conf "vf-of ${pf#0000:}   # the VFs of the NVMe"
check "policy check: the line is vf-of $pf, and selects nothing yet" sh -c \
	"$ddactl policy check --json | tee /dev/stderr | jq -e '.selectors[0].selector == \"vf-of $pf\" and .selected == []'"
dmesg_mark
mark=$_marks
check "2 VFs by hand, autoprobe off" make_vfs 2
check "udev loaded dda.ko for them" wait_for 30 test -d /sys/module/dda
check "both quarantined, by the vf-of line" selected_by "vf-of $pf" 1 "${vfs[@]}"
check "nvme never probed a VF" never_probed "$mark" "${vfs[@]}"
check "the PF keeps nvme, no driver_override" pf_untouched
check "ddactl sriov: both VFs quarantined" sh -c \
	"$ddactl sriov $pf | tee /dev/stderr | grep -Ec '^0000:[0-9a-f:.]+ +quarantined +- +ok +dda\$' | grep -qx 2"
check "--vfs 0 removes them" remove_vfs

# --- id and class, dda.ko loaded: a VF, never the PF -------------------------
# sriov_vf_device is in hex, without 0x or leading zeros.
id=$(printf '%04x:%04x' "$(<"$sys/$pf/vendor")" "0x$(<"$sys/$pf/sriov_vf_device")")
class=$(sed 's/^0x//' "$sys/$pf/class")
log "VF id $id, class $class"
boot_policy 50-vfs.conf "id $id"
dmesg_mark
mark=$_marks
check "a VF by hand, autoprobe off" make_vfs 1
check "quarantined, by the id line" selected_by "id $id" 1 "${vfs[@]}"
check "nvme never probed it" never_probed "$mark" "${vfs[@]}"
check "the PF keeps nvme, no driver_override" pf_untouched
check "--vfs 0" remove_vfs

boot_policy 50-vfs.conf "class 0x$class"
dmesg_mark
mark=$_marks
check "a VF by hand, autoprobe off" make_vfs 1
check "quarantined, by the class line" selected_by "class 0x$class" 1 "${vfs[@]}"
check "nvme never probed it" never_probed "$mark" "${vfs[@]}"
check "the PF keeps nvme, no driver_override" pf_untouched
check "--vfs 0" remove_vfs

rm -f "$conf"
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
