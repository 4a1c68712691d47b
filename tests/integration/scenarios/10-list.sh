#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dda.ko loads and unloads cleanly; ddactl lists what sysfs says, to root and
# to anyone; changing a device needs CAP_SYS_ADMIN (CAP_NET_ADMIN alone is
# refused).
#
#   q35 + intel-iommu            the default mix (vm.sh):
#    |-- rp -- e1000e            bound to e1000e
#    |-- edu                     no driver
#    |-- virtio-net              bound to virtio-net
#    `-- ich9-intel-hda          bound to snd_hda_intel
#
#@ devices: e1000e edu virtio-net hda
. "$DDA_TESTLIB"

ddactl=$DDA_SAN_BIN/ddactl
genl=$DDA_SRC/tests/integration/genl.py

check "insmod dda.ko" insmod "$DDA_KO"
check "dda.ko says hello" grep -q 'dda: discrete device assignment' <(dmesg)
check "the dda family answers a raw dump" "$genl" dev_get --dump

# The JSON list against sysfs, device by device and field by field.
list_matches_sysfs() {
	python3 - "$1" <<'PY'
import json, os, sys
listed = {d["address"]: d for d in json.load(open(sys.argv[1]))}
root = "/sys/bus/pci/devices"
def link(dev, name):
    p = os.path.join(root, dev, name)
    return os.path.basename(os.readlink(p)) if os.path.islink(p) else None
def attr(dev, name):
    return open(os.path.join(root, dev, name)).read().strip()
bad = []
sysfs = sorted(os.listdir(root))
if sorted(listed) != sysfs:
    bad.append("addresses: listed %s, sysfs %s" % (sorted(listed), sysfs))
for dev in sysfs:
    d = listed.get(dev)
    if d is None:
        continue
    want = {
        "vendor": attr(dev, "vendor")[2:], "device": attr(dev, "device")[2:],
        "subsystem_vendor": attr(dev, "subsystem_vendor")[2:],
        "subsystem_device": attr(dev, "subsystem_device")[2:],
        "class": attr(dev, "class")[2:], "driver": link(dev, "driver"),
        "iommu_group": None if link(dev, "iommu_group") is None
                       else int(link(dev, "iommu_group")),
        "state": "host", "vm": None, "original_driver": None,
    }
    for k, v in want.items():
        if d.get(k, "<missing>") != v:
            bad.append("%s %s: listed %r, sysfs %r" % (dev, k, d.get(k), v))
print("\n".join(bad) or "%d devices agree" % len(sysfs))
sys.exit(1 if bad else 0)
PY
}

check "ddactl list --json as root" sh -c "$ddactl list --json > /tmp/root.json"
check "ddactl list --json agrees with sysfs for every device" \
	list_matches_sysfs /tmp/root.json
check "every device of the mix is in an IOMMU group" python3 -c '
import json, sys
sys.exit(any(d["iommu_group"] is None for d in json.load(open("/tmp/root.json"))))'

check "ddactl list prints a table" sh -c "$ddactl list > /tmp/table.txt"
check "the table has a header and a row per device" sh -c '
	head -n 1 /tmp/table.txt | grep -q "^ADDRESS *CLASS *VENDOR:DEVICE *DRIVER *GROUP *STATE" &&
	[ $(($(wc -l < /tmp/table.txt) - 1)) -eq $(ls /sys/bus/pci/devices | wc -l) ]'
check "the e1000e row names its driver" grep -qE ' e1000e +[0-9]+ +host ' /tmp/table.txt

check "unprivileged ddactl list --json works" \
	sh -c "$(declare -f as_user); as_user $ddactl list --json > /tmp/user.json"
check "and says the same as root's" cmp /tmp/root.json /tmp/user.json

e1000e=$(vm_pci_addr e1000e0)
short=${e1000e#0000:}
check "ddactl show takes the short form $short" \
	sh -c "$ddactl show --json $short > /tmp/show.json"
check "show --json is the device's list entry" python3 -c "
import json
d = json.load(open('/tmp/show.json'))
assert d == [x for x in json.load(open('/tmp/root.json')) if x['address'] == '$e1000e'][0], d"

check_fails "ddactl show refuses garbage" $ddactl show xyz
check "with exit status 2 and a message naming it" sh -c "
	$ddactl show xyz 2> /tmp/err; [ \$? -eq 2 ] && grep -q \"'xyz' is not a PCI address\" /tmp/err"
check "a nonexistent device: exit 1, the kernel's reason" sh -c "
	$ddactl show 0000:00:1f.7 2> /tmp/err; [ \$? -eq 1 ] &&
	grep -q 'no PCI device has this address' /tmp/err"

check "an unprivileged dismount gets EPERM from the kernel" sh -c "
	$(declare -f as_user); as_user $genl dev_dismount dev_address=$e1000e | grep -q '^error EPERM'"
check "and the e1000e still has its driver" \
	test "$(basename "$(readlink /sys/bus/pci/devices/$e1000e/driver)")" = e1000e

# root's uid with CAP_NET_ADMIN alone, as a network manager or a container
# with host networking has: genl's admin check passes, dda's does not.
net_admin() { setpriv --bounding-set=-all,+net_admin --inh-caps=-all -- "$@"; }
for cmd in dev_dismount dev_mount dev_handover dev_reclaim; do
	check "$cmd with CAP_NET_ADMIN only: EPERM, CAP_SYS_ADMIN named" sh -c "
		$(declare -f net_admin); net_admin $genl $cmd dev_address=$e1000e |
		grep -q '^error EPERM: changing a device needs CAP_SYS_ADMIN'"
done
check "ddactl dismount with CAP_NET_ADMIN only: exit 1, the reason" sh -c "
	$(declare -f net_admin); net_admin $ddactl dismount $e1000e 2> /tmp/err
	[ \$? -eq 1 ] && grep -q 'CAP_SYS_ADMIN' /tmp/err"
check "and CAP_NET_ADMIN may still list" sh -c "
	$(declare -f net_admin); net_admin $ddactl list --json > /tmp/netadmin.json"
check "and the e1000e still has its driver, untouched" \
	test "$(basename "$(readlink /sys/bus/pci/devices/$e1000e/driver)")" = e1000e

check "rmmod dda" rmmod dda
check "the family is gone" sh -c "! $genl dev_get --dump"
check "insmod again" insmod "$DDA_KO"
check "rmmod again" rmmod dda
dmesg_clean
done_testing
