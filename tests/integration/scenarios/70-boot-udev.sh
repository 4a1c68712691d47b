#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Quarantine at boot through udev: the real systemd-udevd's coldplug runs
# udev/60-dda.rules with a policy selecting the sound card by class and one
# of two identical e1000e by address. Both end quarantined and their host
# drivers never probe them, while the other e1000e gets e1000e; devices
# selected by nothing are not touched. Then a malformed policy is refused,
# naming its file and line, and applies nothing; fixed, it applies to a
# device added again while dda.ko is loaded; a device an administrator mounts
# by hand stays with the host when udev sees it again.
#
#   q35 + intel-iommu
#    |-- rp -- e1000e0           selected: address
#    |-- rp -- e1000e1           not selected: e1000e
#    |-- ich9-intel-hda          selected: class 0x0403
#    `-- edu                     not selected, then selected by id
#
#@ devices: e1000e e1000e hda edu
#@ udev: yes
#@ boot: yes
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/boot.sh"

ddactl=$DDA_SAN_BIN/ddactl

if [[ ${1-} == boot ]]; then
	modprobe virtio_console # for vm_qmp, before udevd
	nic0=$(vm_pci_addr e1000e0) || exit 1
	boot_rules
	boot_dda_module
	boot_policy 10-sound.conf $'# the sound card, by class\nclass 0x0403'
	boot_policy 20-nic.conf "address ${nic0#0000:}  # e1000e0"
	log "policy: class 0x0403, address ${nic0#0000:}"
	exit 0
fi

nic0=$(vm_pci_addr e1000e0)
nic1=$(vm_pci_addr e1000e1)
hda=$(vm_pci_addr hda0)
edu=$(vm_pci_addr edu0)
log "e1000e0 $nic0, e1000e1 $nic1, hda0 $hda, edu0 $edu"

check "udev loaded dda.ko" test -d /sys/module/dda
check "the selected e1000e is bound to dda" test "$(driver_of "$nic0")" = dda
check "and quarantined" test "$(state_of "$nic0")" = quarantined
check "the sound card is bound to dda" test "$(driver_of "$hda")" = dda
check "and quarantined" test "$(state_of "$hda")" = quarantined
check "the other e1000e has its driver" test "$(driver_of "$nic1")" = e1000e
check "and no driver_override" test "$(override_of "$nic1")" = "(null)"
check "the edu, selected by nothing, has no driver" test -z "$(driver_of "$edu")"
check "and no driver_override" test "$(override_of "$edu")" = "(null)"

# The host drivers were loaded, and never probed the selected devices.
check "e1000e probed the other e1000e" grep -q "e1000e $nic1" <(dmesg)
check_fails "e1000e never probed the selected one" grep "e1000e $nic0" <(dmesg)
check "snd_hda_intel was loaded" test -d /sys/module/snd_hda_intel
check_fails "and never probed the sound card" grep "snd_hda_intel $hda" <(dmesg)
check "ALSA has no sound card" grep -q 'no soundcards' /proc/asound/cards
check "the kernel log says who marked the e1000e, and why" grep -q \
	"ddactl: policy: $nic0: driver_override set to dda (address $nic0, /run/dda/policy.d/20-nic.conf:1)" <(dmesg)
check "and the sound card" grep -q \
	"ddactl: policy: $hda: driver_override set to dda (class 0x0403, /run/dda/policy.d/10-sound.conf:2)" <(dmesg)

check "policy check lists both, with their selectors" sh -c "
	$ddactl policy check | tee /dev/stderr >/tmp/check.out &&
	grep -Eq '^$hda +8086:293e +dda +quarantined +class 0x0403 +/run/dda/policy.d/10-sound.conf:2\$' /tmp/check.out &&
	grep -Eq '^$nic0 +8086:10d3 +dda +quarantined +address $nic0 +/run/dda/policy.d/20-nic.conf:1\$' /tmp/check.out &&
	test \$(grep -c '^0000:' /tmp/check.out) -eq 2"
check "policy check --json selects the same two" python3 - "$ddactl" "$hda" "$nic0" <<'PY'
import json, subprocess, sys
out = json.loads(subprocess.check_output([sys.argv[1], "policy", "check", "--json"]))
assert [d["address"] for d in out["selected"]] == sys.argv[2:], out["selected"]
assert [s["selector"] for s in out["selectors"]] == ["class 0x0403", "address " + sys.argv[3]]
assert all(d["state"] == "quarantined" for d in out["selected"])
PY

# A malformed policy: refused with its file and line, nothing applied.
dmesg_mark
boot_policy 30-edu.conf $'id 1234:11e8\nclas 0x00ff'
check "policy check refuses a malformed policy: exit status 2" sh -c "
	$ddactl policy check 2>/tmp/check.err; rc=\$?; cat /tmp/check.err; test \$rc -eq 2"
check "naming the file, the line and the word" grep -q \
	"/run/dda/policy.d/30-edu.conf:2: unknown word 'clas' (expected address, vf-of, id or class)" /tmp/check.err
check "udev adds the edu again" udevadm trigger --action=add --settle "/sys/bus/pci/devices/$edu"
check "the kernel log has the refusal, file and line" wait_for 20 in_dmesg \
	"ddactl: policy refused, nothing applied: /run/dda/policy.d/30-edu.conf:2: unknown word 'clas'"
check "the edu is not touched" test "$(override_of "$edu")" = "(null)"

boot_policy 30-edu.conf 'id 1234:11e8'
check "fixed, the policy passes" "$ddactl" policy check
check "udev adds the edu again" udevadm trigger --action=add --settle "/sys/bus/pci/devices/$edu"
check "with dda.ko loaded, the edu is quarantined at once" wait_for 20 driver_is "$edu" dda
check "its state is quarantined" test "$(state_of "$edu")" = quarantined
check "the kernel log says so" in_dmesg "ddactl: policy: $edu: quarantined"
check "the other e1000e still has no driver_override" test "$(override_of "$nic1")" = "(null)"

# Mounted by hand, the edu stays with the host when udev sees it again,
# until an administrator applies the policy.
check "mount the edu by hand" "$ddactl" mount "$edu"
check "it is with the host, no driver_override" \
	test "$(state_of "$edu")/$(override_of "$edu")" = "host/(null)"
check "udev adds the edu again" udevadm trigger --action=add --settle "/sys/bus/pci/devices/$edu"
check "the kernel log says why udev left it" wait_for 20 in_dmesg \
	"ddactl: policy: $edu: mounted by hand: left with the host until the next boot or \`ddactl policy apply\`"
check "the edu is still with the host, no driver_override" \
	test "$(state_of "$edu")/$(override_of "$edu")" = "host/(null)"
check "an administrator's policy apply takes it again" "$ddactl" policy apply
check "quarantined" wait_for 20 driver_is "$edu" dda
check "udev's next event keeps it so" udevadm trigger --action=add --settle "/sys/bus/pci/devices/$edu"
check "still quarantined" test "$(state_of "$edu")" = quarantined

dmesg_clean
done_testing
