#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Dismount into quarantine and mount back, through the kernel's netlink
# interface: a NIC (its interface goes, then comes back and comes up), a
# sound card, and a device without a driver.
#
#   q35 + intel-iommu
#    |-- rp -- e1000e            e1000e, FLR
#    |-- edu                     no driver
#    |-- virtio-net              virtio-pci
#    |-- ich9-intel-hda          snd_hda_intel
#    `-- rp -- nvme              nvme, FLR
#
#@ devices: e1000e edu virtio-net hda nvme
. "$DDA_TESTLIB"

genl=$DDA_SRC/tests/integration/genl.py
ddactl=$DDA_SAN_BIN/ddactl

state_of() { $ddactl show --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }
is_state() { [[ $(state_of "$1") == "$2" ]]; }
no_netdev() { ! ls "/sys/bus/pci/devices/$1/net" >/dev/null 2>&1; }

check "insmod dda.ko" insmod "$DDA_KO"

nic=$(vm_pci_addr e1000e0)
ifname=$(ls "/sys/bus/pci/devices/$nic/net")
log "e1000e at $nic is $ifname"

check "survey of the e1000e answers" "$genl" dev_survey dev_address="$nic"
dmesg_mark
check "dismount the e1000e" "$genl" dev_dismount dev_address="$nic"
check "it is bound to dda" is_driver "$nic" dda
check "its state is quarantined" is_state "$nic" quarantined
check "its interface $ifname is gone" no_netdev "$nic"
check "its IOMMU group is quarantined" grep -q "$nic: IOMMU group [0-9]* quarantined: DMA is blocked" <(dmesg)
# The reset dda did is the one the kernel ranks first (sysfs reset_method;
# enum dda_reset numbers, little-endian u32), none when it ranks none.
reset_as_kernel_ranks() {
	local m want=00000000
	for m in $(cat "/sys/bus/pci/devices/$1/reset_method" 2>/dev/null); do
		case $m in
		flr) want=01000000 ;; af_flr) want=02000000 ;; pm) want=03000000 ;;
		bus) want=04000000 ;; device_specific) want=05000000 ;;
		acpi) want=06000000 ;; cxl_bus) want=07000000 ;; *) want=08000000 ;;
		esac
		break
	done
	log "kernel reset_method: $(cat "/sys/bus/pci/devices/$1/reset_method" 2>/dev/null)"
	"$genl" dev_get dev_address="$1" | tee /dev/stderr | grep -q "dev_reset_method=$want"
}
check "it was reset the way the kernel ranks first" reset_as_kernel_ranks "$nic"
check "show names its original driver" sh -c \
	"$ddactl show --json $nic | grep -q '\"original_driver\": *\"e1000e\"'"
check "a second dismount is refused: already quarantined" sh -c \
	"$genl dev_dismount dev_address=$nic | grep -q '^error EALREADY: the device is quarantined already'"

check "mount the e1000e" "$genl" dev_mount dev_address="$nic"
check "it is bound to e1000e again" is_driver "$nic" e1000e
check "its state is host" is_state "$nic" host
check "its interface is back" wait_for 10 ls "/sys/bus/pci/devices/$nic/net/$ifname"
check "and comes up" ip link set "$ifname" up
check "a second mount is refused: not held" sh -c \
	"$genl dev_mount dev_address=$nic | grep -q '^error EINVAL: the device is not held by dda'"
dmesg_clean

hda=$(vm_pci_addr hda0)
check "the sound card has a card in ALSA" grep -q . /proc/asound/cards
check "dismount the sound card" "$genl" dev_dismount dev_address="$hda"
check "it is bound to dda" is_driver "$hda" dda
check "ALSA has no card left" sh -c "grep -q 'no soundcards' /proc/asound/cards"
check "mount the sound card" "$genl" dev_mount dev_address="$hda"
check "it is bound to snd_hda_intel again" is_driver "$hda" snd_hda_intel
check "ALSA has its card again" wait_for 10 sh -c "! grep -q 'no soundcards' /proc/asound/cards"

edu=$(vm_pci_addr edu0)
check "dismount the edu (no driver)" "$genl" dev_dismount dev_address="$edu"
check "it is bound to dda" is_driver "$edu" dda
check "it was reset the way the kernel ranks first (none)" reset_as_kernel_ranks "$edu"
check "mount the edu" "$genl" dev_mount dev_address="$edu"
check "it has no driver again" is_driver "$edu" ""
check "its state is host" is_state "$edu" host

nvme=$(vm_pci_addr nvme0)
check "the NVMe controller has FLR" grep -qw flr "/sys/bus/pci/devices/$nvme/reset_method"
check "dismount the NVMe controller" "$genl" dev_dismount dev_address="$nvme"
check "it was reset by FLR, as the kernel ranks first" reset_as_kernel_ranks "$nvme"

# ddactl reset: again, by the PCI core's method, the device answers, the
# events group hears it though the state stays.
$ddactl events --json >/tmp/events.json 2>&1 &
events=$!
# Subscribed once it waits in poll(2) for the first event.
listening() { grep -q poll "/proc/$events/wchan"; }
check "ddactl events is listening" wait_for 20 listening
check "ddactl reset of the quarantined NVMe controller" sh -c \
	"$ddactl reset --json $nvme > /tmp/reset.json"
check "it is quarantined and healthy" python3 -c "
import json
d = json.load(open('/tmp/reset.json'))
assert d['state'] == 'quarantined' and d['health'] == 'ok', d"
check "reset by FLR again" reset_as_kernel_ranks "$nvme"
check "the events group heard the reset, by flr, healthy" wait_for 10 python3 -c "
import json
ev = [json.loads(l) for l in open('/tmp/events.json') if l.startswith('{')]
assert any(e['reason'] == 'reset' and e['old_state'] == e['state'] == 'quarantined'
           and e['reset_method'] == 'flr' and e['health'] == 'ok'
           and e['address'] == '$nvme' for e in ev), ev"
kill "$events"
check "ddactl show says health: ok" sh -c "$ddactl show $nvme | grep -qx 'health: ok'"
check "survey finds no blocker in its reset" sh -c \
	"! $ddactl survey --json $nvme | grep -q '\"check\": *\"reset\", *\"severity\": *\"blocker\"'"
check "mount it back to nvme" "$genl" dev_mount dev_address="$nvme"
check "it is bound to nvme again" is_driver "$nvme" nvme
check "a reset of a device dda does not hold is refused" sh -c \
	"$genl dev_reset dev_address=$nvme | grep -q '^error EINVAL: the device is not held by dda: dismount it first'"

check "a host bridge is refused" sh -c \
	"$genl dev_dismount dev_address=0000:00:00.0 | grep -q '^error EINVAL: host and PCI bridges cannot be assigned'"
dmesg_clean
done_testing
