# SPDX-License-Identifier: GPL-2.0-only
#
# A real libvirtd in the sandbox VM, for the libvirt scenarios and the
# libvirt bench: sourced after "$DDA_TESTLIB".
#
# The VM's / is the host's, read-only over 9p; /tmp and /run are its own
# tmpfs (guest-init). libvirtd writes to /etc/libvirt, /var/lib, /var/cache
# and /var/log: each gets a tmpfs here (/etc/libvirt keeps a copy of what
# the host has there). Debian's libvirt-daemon package creates no user;
# libvirtd looks up "libvirt-qemu" all the same, so it is added to copies of
# /etc/passwd and /etc/group bind-mounted over them. qemu.conf runs QEMU as
# root with no security driver, no ownership changes, no cgroups and no
# mount namespace: the sandbox has none of those to give, and it needs
# none. QEMU's stdout and stderr go to a file (no virtlogd).
#
#   lv_setup                    the tmpfs, the users, qemu.conf; hooks go in
#                               $LV_HOOKS (/etc/libvirt/hooks/qemu.d) now,
#                               before lv_start: libvirtd looks for hooks
#                               when it starts
#   lv_start / lv_stop          libvirtd (log /tmp/libvirtd.log)
#   lv_up                       libvirtd answers
#   lv_define NAME PORTS        define an OS-less q35 domain of type qemu
#                               (TCG) with PORTS free pcie-root-ports
#   lv_hostdev ADDRESS MANAGED [ALIAS]
#                               a PCI <hostdev> element, for attach-device
#   lv_alias ADDRESS            ua-dda-0000-01-00-0 for 0000:01:00.0: the
#                               alias ddad gives its hostdevs
#   lv_running NAME             the domain is running
#   lv_pid NAME                 its QEMU's pid, from /run/libvirt/qemu/NAME.pid
#   lv_log_hook                 install a hook logging "ARGS" and the XML's
#                               first hostdev line to $LV_HOOK_LOG
#   lv_vfio ADDRESS / lv_host ADDRESS DRIVER
#                               put a device on vfio-pci by hand
#                               (driver_override), or back on DRIVER

LV_HOOKS=/etc/libvirt/hooks/qemu.d
LV_HOOK_LOG=/tmp/lv-hook.log
export LIBVIRT_DEFAULT_URI=qemu:///system

lv_setup() {
	local d
	cp -a /etc/libvirt /tmp/lv-etc
	mount -t tmpfs -o mode=0755 tmpfs /etc/libvirt || return 1
	cp -a /tmp/lv-etc/. /etc/libvirt/
	rm -rf /tmp/lv-etc
	for d in /var/lib /var/cache /var/log; do
		mount -t tmpfs -o mode=0755 tmpfs "$d" || return 1
	done
	mkdir -p /var/lib/libvirt /var/cache/libvirt /var/log/libvirt/qemu "$LV_HOOKS"
	cp /etc/passwd /tmp/lv-passwd
	cp /etc/group /tmp/lv-group
	grep -q '^libvirt-qemu:' /tmp/lv-passwd ||
		echo 'libvirt-qemu:x:64055:64055:libvirt qemu:/var/lib/libvirt:/usr/sbin/nologin' >>/tmp/lv-passwd
	grep -q '^libvirt-qemu:' /tmp/lv-group || echo 'libvirt-qemu:x:64055:' >>/tmp/lv-group
	grep -q '^libvirt:' /tmp/lv-group || echo 'libvirt:x:64056:' >>/tmp/lv-group
	grep -q '^kvm:' /tmp/lv-group || echo 'kvm:x:64057:' >>/tmp/lv-group
	mount --bind /tmp/lv-passwd /etc/passwd || return 1
	mount --bind /tmp/lv-group /etc/group || return 1
	cat >/etc/libvirt/qemu.conf <<-'EOF'
		user = "root"
		group = "root"
		security_driver = "none"
		dynamic_ownership = 0
		remember_owner = 0
		cgroup_controllers = [ ]
		namespaces = [ ]
		stdio_handler = "file"
	EOF
	cat >/etc/libvirt/libvirtd.conf <<-'EOF'
		unix_sock_group = "root"
		unix_sock_rw_perms = "0700"
		auth_unix_rw = "none"
		auth_unix_ro = "none"
		log_outputs = "3:file:/tmp/libvirtd-debug.log"
	EOF
}

lv_up() { virsh -c qemu:///system version >/dev/null 2>&1; }

lv_start() {
	/usr/sbin/libvirtd --config /etc/libvirt/libvirtd.conf >>/tmp/libvirtd.log 2>&1 &
	lv_pid_daemon=$!
	# The first connection probes QEMU's capabilities: long under TCG.
	wait_for 120 lv_up
}

lv_stop() {
	[[ -n ${lv_pid_daemon-} ]] || return 0
	kill -TERM "$lv_pid_daemon" 2>/dev/null
	wait "$lv_pid_daemon" 2>/dev/null
	lv_pid_daemon=
	true
}

lv_alias() { local a=${1//:/-}; echo "ua-dda-${a//./-}"; }

lv_hostdev() { # ADDRESS MANAGED [ALIAS]
	local dom=${1%%:*} rest=${1#*:} bus slot fn
	bus=${rest%%:*} rest=${rest#*:}
	slot=${rest%%.*} fn=${rest#*.}
	printf "<hostdev mode='subsystem' type='pci' managed='%s'>" "$2"
	printf "<source><address domain='0x%s' bus='0x%s' slot='0x%s' function='0x%s'/></source>" \
		"$dom" "$bus" "$slot" "$fn"
	[[ -z ${3-} ]] || printf "<alias name='%s'/>" "$3"
	printf '</hostdev>\n'
}

lv_define() { # NAME PORTS [EXTRA_DEVICE_XML]
	local i ports=
	for ((i = 0; i < $2; i++)); do
		ports+="<controller type='pci' model='pcie-root-port'/>"
	done
	cat >"/tmp/$1.xml" <<-EOF
		<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
		  <name>$1</name>
		  <memory unit='MiB'>128</memory>
		  <vcpu>1</vcpu>
		  <os><type arch='x86_64' machine='q35'>hvm</type></os>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>destroy</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <emulator>/usr/bin/qemu-system-x86_64</emulator>
		    <controller type='usb' model='none'/>
		    <controller type='pci' model='pcie-root'/>
		    $ports
		    ${3-}
		    <memballoon model='none'/>
		  </devices>
		  <qemu:commandline>
		    <qemu:arg value='-global'/>
		    <qemu:arg value='ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off'/>
		  </qemu:commandline>
		</domain>
	EOF
	virsh define "/tmp/$1.xml"
}

lv_running() { [[ $(virsh domstate "$1" 2>/dev/null) == running* ]]; }

lv_pid() { local p; p=$(<"/run/libvirt/qemu/$1.pid") && echo "$p"; }

lv_log_hook() {
	mkdir -p "$LV_HOOKS"
	cat >"$LV_HOOKS/log" <<-EOF
		#!/bin/sh
		xml=\$(cat)
		echo "\$* \$(echo "\$xml" | grep -c '<hostdev ')" >>$LV_HOOK_LOG
	EOF
	chmod 0755 "$LV_HOOKS/log"
}

# lv_start_or_end: check that libvirtd starts and answers; if it does
# not, the scenario ends here, with the end of libvirtd's log
lv_start_or_end() {
	check "libvirtd starts and answers" lv_start
	[[ -n ${lv_pid_daemon-} ]] && lv_up && return
	_run tail -n 30 /tmp/libvirtd.log
	done_testing
}

lv_vfio() {
	local d=/sys/bus/pci/devices/$1
	modprobe vfio-pci || return 1
	echo vfio-pci >"$d/driver_override" || return 1
	[[ ! -e $d/driver ]] || echo "$1" >"$d/driver/unbind" || return 1
	echo "$1" >/sys/bus/pci/drivers_probe
	[[ $(driver_of "$1") == vfio-pci ]]
}

lv_host() {
	local d=/sys/bus/pci/devices/$1
	echo >"$d/driver_override" || return 1
	[[ ! -e $d/driver ]] || echo "$1" >"$d/driver/unbind" || return 1
	echo "$1" >/sys/bus/pci/drivers_probe
	[[ $(driver_of "$1") == "$2" ]]
}
