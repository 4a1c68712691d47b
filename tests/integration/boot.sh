# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced, after lib.sh, by the scenarios of quarantine at boot (7x): what
# they put in place in their boot stage ("#@ boot: yes", vm.sh), before
# udevd or modprobe look.
#
#   boot_rules            udev/60-dda.rules in /run/udev/rules.d, running
#                         this tree's ddactl (the ASan build)
#   boot_dda_module       /run/modprobe.d/dda-ko.conf: "modprobe dda", and
#                         udev's "kmod load dda", insmod $DDA_KO (it is not
#                         under /lib/modules) with the options modprobe.d
#                         and the kernel command line give it
#   boot_policy FILE TEXT /run/dda/policy.d/FILE holds TEXT
#   driver_of ADDRESS     the driver bound to a device, or nothing
#   driver_is ADDRESS DRIVER  is it bound to DRIVER?
#   in_dmesg TEXT         is TEXT in the kernel log?
#   override_of ADDRESS   its driver_override, "(null)" for none
#   state_of ADDRESS      its dda state (ddactl show)

boot_rules() {
	mkdir -p /run/udev/rules.d
	sed "s|/usr/sbin/ddactl|$DDA_SAN_BIN/ddactl|" "$DDA_SRC/udev/60-dda.rules" \
		>/run/udev/rules.d/60-dda.rules
}

boot_dda_module() {
	mkdir -p /run/modprobe.d
	echo "install dda /sbin/insmod $DDA_KO \$CMDLINE_OPTS" >/run/modprobe.d/dda-ko.conf
}

boot_policy() {
	mkdir -p /run/dda/policy.d
	printf '%s\n' "$2" >"/run/dda/policy.d/$1"
}

driver_of() { basename "$(readlink "/sys/bus/pci/devices/$1/driver")" 2>/dev/null || true; }
driver_is() { [[ $(driver_of "$1") == "$2" ]]; }
in_dmesg() { dmesg | grep -qF -- "$1"; }
override_of() { cat "/sys/bus/pci/devices/$1/driver_override"; }
state_of() {
	"$DDA_SAN_BIN/ddactl" show --json "$1" |
		sed -n 's/^ *"state": "\(.*\)",\{0,1\}$/\1/p'
}
