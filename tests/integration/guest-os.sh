# SPDX-License-Identifier: GPL-2.0-only
#
# A guest with an operating system, inside the sandbox VM: a second QEMU
# (nested TCG, about two minutes to boot) running the same Debian kernel
# with a busybox initramfs. Its init lists the PCI devices it booted with,
# and busybox's netlink uevent listener reports every PCI add and remove on
# the guest's console, so a test can wait for the guest's own kernel to
# see a device come and go. Sourced by scenarios and by the demo.
#
#   guest_os_start NAME     boot it: console /tmp/NAME.console, QMP for
#                           ddad at /tmp/NAME.qmp, one free pcie-root-port
#   guest_os_boot NAME SECS start it, wait for its init (a kernel that
#                           dies first boots again, three times at most)
#   guest_os_said NAME RE   has the guest's console said RE?
#   guest_os_stop NAME

declare -A guest_os_pid=()

guest_os_initramfs() {
	local root=/tmp/guest-os
	[[ -e $root.cpio.gz ]] && return
	mkdir -p "$root"/{bin,proc,sys,dev}
	cp /bin/busybox "$root/bin/busybox"
	cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
uevent /bin/on-uevent &
for d in /sys/bus/pci/devices/*; do
	echo "guest: booted with ${d##*/} $(cat "$d/vendor"):$(cat "$d/device")"
done
echo "guest: up"
mkfifo /hold
read -r _ </hold
INIT
	cat >"$root/bin/on-uevent" <<'UEVENT'
#!/bin/sh
[ "$SUBSYSTEM" = pci ] && echo "guest: $ACTION ${DEVPATH##*/} $PCI_ID" >/dev/console
exit 0
UEVENT
	chmod +x "$root/init" "$root/bin/on-uevent"
	(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1 >"$root.cpio.gz")
}

guest_os_start() {
	local name=$1
	guest_os_initramfs
	qemu-system-x86_64 -accel tcg -machine q35 -nodefaults -m 384 -display none \
		-kernel "/boot/vmlinuz-$KVER" -initrd /tmp/guest-os.cpio.gz \
		-append "console=ttyS0 quiet no_timer_check panic=-1" -no-reboot \
		-serial "file:/tmp/$name.console" \
		-qmp "unix:/tmp/$name.qmp,server=on,wait=off" \
		-device pcie-root-port,id=rp0,chassis=1 \
		-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off \
		>"/tmp/$name.log" 2>&1 &
	guest_os_pid[$name]=$!
}

guest_os_said() { grep -q "$2" "/tmp/$1.console" 2>/dev/null; }

# guest_os_boot NAME SECONDS: start it and wait until its init is up. A
# kernel that dies before (nested TCG has panicked the guest's kernel in
# start_kernel, on a loaded host; panic=-1 -no-reboot ends its QEMU) tested
# nothing: it boots again, three times at most, each failed console kept as
# /tmp/NAME.console.bootN.
guest_os_boot() {
	local name=$1 n
	for n in 1 2 3; do
		guest_os_start "$name"
		wait_for "$2" guest_os_up_or_gone "$name"
		guest_os_said "$name" "guest: up" && return 0
		kill -0 "${guest_os_pid[$name]}" 2>/dev/null && return 1
		cp "/tmp/$name.console" "/tmp/$name.console.boot$n"
		log "boot $n of $name died before its init: $(grep -m 1 -E 'panic|BUG|RIP:' "/tmp/$name.console")"
		guest_os_stop "$name"
	done
	return 1
}
guest_os_up_or_gone() {
	guest_os_said "$1" "guest: up" || ! kill -0 "${guest_os_pid[$1]}" 2>/dev/null
}

guest_os_stop() {
	kill "${guest_os_pid[$1]}" 2>/dev/null
	wait "${guest_os_pid[$1]}" 2>/dev/null
	true
}
