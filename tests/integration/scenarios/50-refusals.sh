#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Bad requests get a clear error and change nothing; two dismounts of one
# device at once: one wins, the other gets EBUSY; a quarantined device that
# leaves the bus leaves dda; unloading gives quarantined devices back.
#
#   q35 + intel-iommu
#    |-- rp -- e1000e            e1000e
#    |-- edu                     no driver
#    `-- rp hot0                 empty: an edu is hot-added and removed
#
#@ devices: e1000e edu rootport
. "$DDA_TESTLIB"

genl=$DDA_SRC/tests/integration/genl.py
says() { local want=$1; shift; "$genl" "$@" | tee /dev/stderr | grep -q "^$want"; }

nic=$(vm_pci_addr e1000e0)
check "insmod dda.ko" insmod "$DDA_KO"
snapshot() { "$genl" dev_get --dump; }
before=$(snapshot)

check "garbage address: EINVAL naming the attribute" says \
	"error EINVAL: address is not a PCI address DDDD:BB:DD.F \[at offset" \
	dev_dismount dev_address=zz:zz.z
check "empty address: EINVAL" says "error EINVAL: address is not a PCI address" \
	dev_dismount dev_address=
check "over-long address: EINVAL from the policy" says "error EINVAL" \
	dev_dismount dev_address=00000:00:03.0
check "short form is for user space: EINVAL" says "error EINVAL" \
	dev_dismount dev_address=00:03.0
check "nonexistent device: ENODEV" says "error ENODEV: no PCI device has this address" \
	dev_dismount dev_address=0000:00:1f.7
check "no address: EINVAL, missing attribute" says "error EINVAL" dev_dismount
check "host bridge: refused" says "error EINVAL: host and PCI bridges cannot be assigned" \
	dev_dismount dev_address=0000:00:00.0
check "unknown attribute: refused by the strict policy" says "error EINVAL" \
	dev_dismount dev_address="$nic" --raw 200:01000000
check "reply-only attribute in a request: refused" says "error EINVAL" \
	dev_dismount dev_address="$nic" dev_vendor=u16:0x8086
check "a string where a flag belongs: refused by the policy" \
	says "error ERANGE: Attribute failed policy validation \[at offset" \
	dev_dismount dev_address="$nic" dev_group=yes
check "unknown command: EOPNOTSUPP" says "error EOPNOTSUPP" 99 dev_address="$nic"
check "an address in a dump request: refused" says "error EINVAL" \
	dev_get --dump dev_address="$nic"
check "nothing changed" test "$before" = "$(snapshot)"
check "the e1000e kept its driver" test "$(driver_of "$nic")" = e1000e

# Two threads of one process send the same dismount at once, each on its
# own socket: the kernel runs both requests in parallel (parallel_ops).
race() {
	python3 - "$DDA_SRC/tests/integration" "$nic" <<'PY'
import sys, threading
sys.path.insert(0, sys.argv[1])
import genl
nic, barrier, out = sys.argv[2], threading.Barrier(2), []
def go():
    barrier.wait()
    err, text, _, _ = genl.request(["dev_dismount", "dev_address=" + nic])
    out.append("ok" if not err else "%s: %s" % (genl.errname(err), text))
t = [threading.Thread(target=go) for _ in range(2)]
[x.start() for x in t]; [x.join() for x in t]
print(out)
sys.exit(0 if sorted(o.split(":")[0] for o in out) == ["EBUSY", "ok"] else 1)
PY
}
check "two dismounts at once: one wins, the other gets EBUSY" race
check "the device is quarantined once" test "$(driver_of "$nic")" = dda

dmesg_mark
check "hot-add an edu into hot0" vm_qmp \
	'{"execute": "device_add", "arguments": {"driver": "edu", "id": "hotedu", "bus": "hot0"}}'
hot=
find_hot() { hot=$(vm_pci_addr hotedu) && [[ -e /sys/bus/pci/devices/$hot ]]; }
check "it appears" wait_for 30 find_hot
check "dismount it" "$genl" dev_dismount dev_address="$hot"
check "remove it from the VM (surprise removal)" vm_qmp \
	'{"execute": "device_del", "arguments": {"id": "hotedu"}}'
check "it is gone from the bus" wait_for 30 sh -c "! test -e /sys/bus/pci/devices/$hot"
check "dda logged that it left" grep -q "$hot: left the bus while quarantined\|$hot.*no longer" <(dmesg)
check "a command naming it gets ENODEV" says "error ENODEV" dev_mount dev_address="$hot"

ifname_back() { ls "/sys/bus/pci/devices/$nic/net" >/dev/null 2>&1; }
check "rmmod with the e1000e quarantined" rmmod dda
check "gives it back to e1000e" test "$(driver_of "$nic")" = e1000e
check "with its interface" wait_for 10 ifname_back
dmesg_clean
done_testing
