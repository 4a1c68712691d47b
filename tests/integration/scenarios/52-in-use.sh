#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A device the host uses is refused, naming each use, and keeps its data:
# an NVMe disk with a mounted ext4 (p1), active swap (p2) and a dm linear
# device on p3; as each use ends, the refusal names one fewer, and with none
# left it dismounts. --force dismounts a mounted one, and the kernel log
# says so. A device bound to vfio-pci by another than dda (a VMM of its
# own, here a process holding its group open) is refused too, naming who.
# --group checks every member: a NIC whose group holds a mounted disk.
#
#   q35 + intel-iommu
#    |-- rp -- nvme              nvme, a 256 MiB disk that keeps its data
#    `-- pci-bridge              one IOMMU group:
#         |-- e1000              e1000
#         `-- nvme               nvme, a 64 MiB disk
#
#@ devices: nvmedisk bridgedisk
. "$DDA_TESTLIB"

ddactl=$DDA_SAN_BIN/ddactl
fs=/tmp/dda-fs

# ddactl dismount ARGS... is refused (exit status 1) with each of the
# patterns in $want on its stderr, and none of those in $unwanted.
refused() {
	local rc=0 p
	"$ddactl" dismount "$@" >/tmp/out 2>/tmp/err || rc=$?
	cat /tmp/out /tmp/err
	[[ $rc -eq 1 ]] || { echo "exit status $rc, expected 1"; return 1; }
	for p in "${want[@]}"; do
		grep -qF -- "$p" /tmp/err || { echo "no '$p'"; return 1; }
	done
	for p in "${unwanted[@]}"; do
		! grep -qF -- "$p" /tmp/err || { echo "'$p' still"; return 1; }
	done
}
# An MBR of three partitions: 64 MiB (Linux), 32 MiB (swap), 32 MiB (Linux).
partition() {
	/usr/bin/python3 - "$1" <<'PY'
import struct, sys
mbr = bytearray(512)
for i, (start, size, kind) in enumerate([(2048, 131072, 0x83),
                                         (133120, 65536, 0x82),
                                         (198656, 65536, 0x83)]):
    mbr[446 + 16 * i:462 + 16 * i] = struct.pack('<B3sB3sII', 0, b'\0\0\0', kind,
                                                 b'\0\0\0', start, size)
mbr[510:512] = b'\x55\xaa'
with open(sys.argv[1], 'r+b') as f:
    f.write(mbr)
PY
}

check "insmod dda.ko" insmod "$DDA_KO"
check "modprobe ext4 dm_mod" modprobe -a ext4 dm_mod
# The disk of the NVMe controller at ADDRESS.
disk_of() { ls "/sys/bus/pci/devices/$1"/nvme/nvme*/ | grep -xE 'nvme[0-9]+n1'; }
nvme=$(vm_pci_addr nvmedisk0)
disk=$(disk_of "$nvme")
log "NVMe controller $nvme, disk $disk"
ls -l /sys/class/block/ | sed "s/^/# /"

check "partition $disk" partition "/dev/$disk"
check "re-read its partitions" blockdev --rereadpt "/dev/$disk"
check "p1, p2, p3 appear" wait_for 10 test -b "/dev/${disk}p3"
check "mkfs.ext4 on p1" mkfs.ext4 -q -F "/dev/${disk}p1"
mkdir -p "$fs"
check "mount p1 on $fs" mount "/dev/${disk}p1" "$fs"
check "write data there" sh -c "head -c 4M /dev/urandom > $fs/data && sync && sha256sum $fs/data > /tmp/data.sum"
check "mkswap, swapon p2" sh -c "mkswap /dev/${disk}p2 && swapon /dev/${disk}p2"
check "a dm linear device on p3" dmsetup create ddatest --noudevsync \
	--table "0 65536 linear /dev/${disk}p3 0"
dm=$(basename "$(ls -d /sys/class/block/${disk}p3/holders/dm-*)")
log "p3 is held by $dm"

want=("ddactl: $nvme: ${disk}p1 is mounted on $fs; ${disk}p2 is active swap; ${disk}p3 is held by $dm (ddatest) (Device or resource busy)")
unwanted=()
check "dismount is refused, naming the mount, the swap and the dm device" refused "$nvme"
check "so is --group, which checks every member" refused --group "$nvme"
check "the controller is still nvme's" is_driver "$nvme" nvme
check "the data is intact" sh -c "echo 3 > /proc/sys/vm/drop_caches && sha256sum -c /tmp/data.sum"

check "umount $fs" umount "$fs"
want=("ddactl: $nvme: ${disk}p2 is active swap; ${disk}p3 is held by $dm (ddatest) (Device")
unwanted=("is mounted on")
check "unmounted: still refused, for the swap and the dm device" refused "$nvme"
check "swapoff" swapoff "/dev/${disk}p2"
want=("ddactl: $nvme: ${disk}p3 is held by $dm (ddatest)")
unwanted=("is mounted on" "active swap")
check "no swap: still refused, for the dm device" refused "$nvme"
check "remove the dm device" dmsetup remove --noudevsync ddatest
check "nothing in use: it dismounts" "$ddactl" dismount "$nvme"
check "it is bound to dda" is_driver "$nvme" dda
check "mount it back" "$ddactl" mount "$nvme"
check "it is nvme's again" is_driver "$nvme" nvme
check "its partitions are back" wait_for 10 test -b "/dev/${disk}p1"
check "mount p1 again" mount "/dev/${disk}p1" "$fs"
check "the data is intact on the disk" sha256sum -c /tmp/data.sum

dmesg_mark
check "--force dismounts the mounted one" "$ddactl" dismount --force "$nvme"
check "it is bound to dda" is_driver "$nvme" dda
check "the kernel log says it was forced, and over what" sh -c \
	"dmesg | grep -F 'libdda: $nvme: dismount forced by ddactl (pid' | grep -F 'though ${disk}p1 is mounted on $fs'"
check "umount the orphaned filesystem" umount -l "$fs"
check "mount it back" "$ddactl" mount "$nvme"
check "it is nvme's again" is_driver "$nvme" nvme

# vfio-pci by hand, as a VMM of its own binds it, and its group held open.
group=$(basename "$(readlink "/sys/bus/pci/devices/$nvme/iommu_group")")
check "modprobe vfio-pci" modprobe vfio-pci
check "bind vfio-pci by hand" sh -c "echo vfio-pci > /sys/bus/pci/devices/$nvme/driver_override &&
	echo $nvme > /sys/bus/pci/drivers/nvme/unbind && echo $nvme > /sys/bus/pci/drivers_probe"
check "it is vfio-pci's" is_driver "$nvme" vfio-pci
sleep 600 7<>"/dev/vfio/$group" &
holder=$!
check "the holder has /dev/vfio/$group open" wait_for 10 sh -c \
	"ls -l /proc/$holder/fd | grep -q /dev/vfio/$group"
want=("ddactl: $nvme: bound to vfio-pci, which dda did not hand over"
      "/dev/vfio/$group is open in pid $holder (sleep)")
unwanted=()
check "dismount is refused, naming vfio-pci and who holds the group" refused "$nvme"
check "it is still vfio-pci's" is_driver "$nvme" vfio-pci
kill "$holder"
wait "$holder" 2>/dev/null
check "--force takes it from vfio-pci" "$ddactl" dismount --force "$nvme"
check "it is bound to dda" is_driver "$nvme" dda
check "the kernel log says so" sh -c \
	"dmesg | grep -F 'libdda: $nvme: dismount forced by ddactl' | grep -F 'though bound to vfio-pci'"
check "mount gives it back to vfio-pci" "$ddactl" mount "$nvme"
check "it is vfio-pci's again" is_driver "$nvme" vfio-pci

# --group: the NIC is not in use, the disk of its group is.
nic=$(vm_pci_addr bridgedisk0nic)
member=$(vm_pci_addr bridgedisk0nvme)
mdisk=$(disk_of "$member")
log "e1000 $nic, NVMe $member (disk $mdisk), one IOMMU group"
check "mkfs.ext4 on $mdisk, mounted" sh -c "mkfs.ext4 -q -F /dev/$mdisk && mkdir -p $fs-2 && mount /dev/$mdisk $fs-2"
want=("ddactl: $nic: $member, of its IOMMU group: $mdisk is mounted on $fs-2 (Device or resource busy)")
unwanted=()
check "dismount --group of the NIC is refused, naming its group's disk" refused --group "$nic"
check "the NIC is still e1000's" is_driver "$nic" e1000
check "the NVMe is still nvme's" is_driver "$member" nvme
check "umount $fs-2" umount "$fs-2"
check "unmounted: the group dismounts" "$ddactl" dismount --group "$nic"
check "the NVMe is bound to dda" is_driver "$member" dda
check "and the group mounts back" "$ddactl" mount --group "$nic"
check "the NIC is e1000's again" is_driver "$nic" e1000
check "the NVMe is nvme's again" is_driver "$member" nvme
dmesg_clean
done_testing
