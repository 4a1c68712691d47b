#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Quarantine at load, earlier than udev (an initramfs loading host drivers):
# `ddactl policy modprobe` turns the policy into modprobe.d lines, "options
# dda addresses=..." and "softdep e1000e pre: dda"; with them in
# /run/modprobe.d, `modprobe e1000e` loads dda.ko first, which quarantines
# the selected e1000e before e1000e can probe it, while e1000e takes the
# other one. dda.ids= on the kernel command line reaches dda.ko the same
# way and quarantines the edu. The parameters never take a device a driver
# has: loaded again naming both e1000e, dda.ko leaves e1000e's to it.
#
#   q35 + intel-iommu
#    |-- rp -- e1000e0           selected: address (policy -> options dda)
#    |-- rp -- e1000e1           not selected: e1000e
#    `-- edu                     selected: dda.ids=1234:11e8 (kernel command line)
#
# dda.ko is not under /lib/modules (the host's root is read-only): an
# "install dda /sbin/insmod $DDA_KO $CMDLINE_OPTS" line stands in for it,
# and the softdep, the options and the command line go through modprobe.
#
#@ devices: e1000e e1000e edu
#@ cmdline: dda.ids=1234:11e8
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/boot.sh"

ddactl=$DDA_SAN_BIN/ddactl
nic0=$(vm_pci_addr e1000e0)
nic1=$(vm_pci_addr e1000e1)
edu=$(vm_pci_addr edu0)
conf=/run/modprobe.d/dda.conf

check "rmmod e1000e: a boot without it loaded yet" rmmod e1000e
check "no e1000e has a driver" test -z "$(driver_of "$nic0")$(driver_of "$nic1")"
boot_policy 10-nic.conf "address $nic0"
boot_dda_module
check "policy modprobe, without dda.ko (from sysfs)" sh -c \
	"$ddactl policy modprobe >$conf.new && cat $conf.new"
check "has the options line" grep -qx "options dda addresses=$nic0" "$conf.new"
check "and the softdep of the e1000e's driver" grep -qx "softdep e1000e pre: dda" "$conf.new"
check "and the kernel command line alternative" grep -qx \
	"# or on the kernel command line: dda.addresses=$nic0" "$conf.new"
check "and no other line" test "$(grep -vc '^#' "$conf.new")" -eq 2
mv "$conf.new" "$conf"

check "a class and an id with a subsystem become addresses" sh -c "
	printf 'id 8086:10d3 subsystem %s\nclass 0x00ff\nid 8086:10d3\n' \
		\$(sed 's/^0x//' /sys/bus/pci/devices/$nic0/subsystem_vendor):\$(sed 's/^0x//' /sys/bus/pci/devices/$nic0/subsystem_device) >/tmp/p.conf
	$ddactl policy modprobe --file /tmp/p.conf | tee /dev/stderr >/tmp/p.out
	grep -qx 'options dda ids=8086:10d3 addresses=$edu,$nic0,$nic1' /tmp/p.out &&
	grep -qx '# $edu is selected by class 0x00ff (/tmp/p.conf:2): by its address' /tmp/p.out &&
	grep -qx 'softdep e1000e pre: dda' /tmp/p.out"
check "--json: what the lines hold" sh -c "
	$ddactl policy modprobe --file /tmp/p.conf --json | tee /dev/stderr | jq -e '
		.ids == [\"8086:10d3\"] and
		.addresses == [\"$edu\", \"$nic0\", \"$nic1\"] and
		any(.by_address[]; .address == \"$edu\" and
			.selector == \"class 0x00ff\" and .line == 2) and
		any(.softdeps[]; . == \"e1000e\")'"

dmesg_mark
check "modprobe e1000e" modprobe e1000e
check "loaded dda.ko first (softdep)" test -d /sys/module/dda
check "dda.ko has addresses= from modprobe.d" grep -qx "$nic0" /sys/module/dda/parameters/addresses
check "and ids= from the kernel command line" grep -qx "1234:11e8" /sys/module/dda/parameters/ids
check "the selected e1000e is quarantined" test "$(state_of "$nic0")" = quarantined
check "bound to dda" driver_is "$nic0" dda
check_fails "e1000e never probed it" grep "e1000e $nic0" <(dmesg | sed -n '/dda-test: mark 1$/,$p')
check "the other e1000e has e1000e" driver_is "$nic1" e1000e
check "and e1000e probed it" grep -q "e1000e $nic1" <(dmesg | sed -n '/dda-test: mark 1$/,$p')
check "the edu, chosen by dda.ids=, is quarantined" test "$(state_of "$edu")" = quarantined
check "policy check agrees for the e1000e" sh -c \
	"$ddactl policy check | tee /dev/stderr | grep -Eq '^$nic0 .* quarantined +address $nic0 '"
dmesg_clean

# The parameters take only devices no driver has: the host may be using a
# bound one in ways only ddactl dismount's checks see (a mounted disk).
check "rmmod dda: the quarantined ones are left driverless" rmmod dda
check "the selected e1000e has no driver" test -z "$(driver_of "$nic0")"
dmesg_mark
check "insmod dda.ko addresses= naming a driverless and a bound e1000e" \
	insmod "$DDA_KO" "addresses=$nic0,$nic1"
check "the driverless one is quarantined" test "$(state_of "$nic0")" = quarantined
check "the one e1000e has stays with e1000e" driver_is "$nic1" e1000e
check "and with the host" test "$(state_of "$nic1")" = host
check "the log says why, and what takes it" grep -q \
	"$nic1: selected, but not quarantined: bound to a host driver: not taken at load (ddactl dismount checks what the host uses of it)" \
	<(dmesg | sed -n '/dda-test: mark 2$/,$p')
dmesg_clean
done_testing
