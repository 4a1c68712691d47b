#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm.sh SCENARIO_FILE OUTDIR: boot the sandbox VM, run one scenario in it.
#
# The sandbox is a q35 machine under TCG with an emulated Intel IOMMU (DMA
# translation and interrupt remapping) booting the host's own kernel. The
# host's / is its root file system (read-only 9p), so the guest runs the
# freshly built dda.ko and tools from the repo, at the same absolute path.
#
# The default device mix, "e1000e edu virtio-net hda":
#
#   q35 (TCG, 2 vCPUs, 2 GiB)    intel-iommu, intremap=on, caching-mode=on
#    pcie.0
#     |-- 00:00.0  host bridge
#     |-- 00:01.0  pcie-root-port    rp-e1000e0
#     |    `-- 01:00.0  e1000e       e1000e0      user net, restrict=on
#     |-- 00:02.0  edu 1234:11e8     edu0         no driver
#     |-- 00:03.0  virtio-net-pci    virtio-net0  user net, restrict=on
#     |-- 00:04.0  ich9-intel-hda    hda0         + hda-duplex hda0-codec
#     |-- 00:1d.0  virtio-serial     vser         port org.dda.qmp (QMP)   \ the
#     |-- 00:1e.0  virtio-9p         hostroot     the host's /, read-only  | VM's
#     `-- 00:1f.*  ICH9 LPC, SATA, SMBus (q35 built-ins)                   / own
#    ttyS0 -> OUTDIR/console.log   ttyS1 -> OUTDIR/output.log
#
# Devices (scenario header "#@ devices: ..."), each repeatable; the N in an
# id counts instances of that kind from 0, in order, and slots on pcie.0
# are given in order from 00:01.0:
#
#   e1000e       pcie-root-port rp-e1000eN with an e1000e e1000eN behind it
#   edu          edu device eduN (1234:11e8) on pcie.0
#   virtio-net   virtio-net-pci virtio-netN
#   hda          ich9-intel-hda hdaN with an hda-duplex hdaN-codec
#   bridge2nic   a conventional pci-bridge bridgeN (shpc=off, as most real
#                bridges: shpchp would hold the group's DMA) with two e1000,
#                bridgeNnic0 and bridgeNnic1 (one IOMMU group)
#   rootport     empty pcie-root-port hotN, for device_add (native hotplug)
#   ats          pcie-root-port rp-atsN with a virtio-net-pci atsN with ATS
#                behind it; a mix with one turns on the IOMMU's device-iotlb
#                (the IOMMU then offers ATS), which no other mix has
#   edus:N       N edu devices edus0.. behind conventional pci-bridges edubrK,
#                31 a bridge (for benchmarks at scale)
#   nvme         pcie-root-port rp-nvmeN with an NVMe controller nvmeN behind
#                it (a null disk); it has FLR, which QEMU's e1000e has not
#   nvmedisk     the same, rp-nvmediskN and nvmediskN, with a disk that keeps
#                what is written: 256 MiB of zeros in OUTDIR/nvmediskN.img
#   bridgedisk   a conventional pci-bridge bridgediskN (shpc=off) with an
#                e1000 bridgediskNnic and an NVMe controller bridgediskNnvme
#                whose disk keeps what is written (64 MiB in
#                OUTDIR/bridgediskN.img): one IOMMU group
#   nvme-sriov   pcie-root-port rp-nvme-sriovN with an SR-IOV NVMe controller
#                nvme-sriovN behind it (QEMU 7.2's: no namespace, subsystem
#                nvme-subsysN, at most 2 VFs, which get IOMMU groups of
#                their own and FLR; a VF never brought online makes the
#                nvme driver fail, "Device not ready")
#   nvme-sriov-noacs
#                the same, rp-nvme-sriov-noacsN and nvme-sriov-noacsN, the
#                root port without ACS (disable-acs=on): the PF, its VFs and
#                the port share one IOMMU group
#
# Other header lines: "#@ timeout: SECONDS" (default 300), "#@ udev: yes"
# (systemd-udevd instead of modprobing every device's modalias), "#@ boot:
# yes" (guest-init first runs the scenario with the argument "boot", before
# it brings the devices up: for what must be in place at boot, e.g. udev
# rules in /run/udev/rules.d, a policy in /run/dda/policy.d, /run/modprobe.d;
# it should print no "ok" lines), "#@ cmdline: ARGS" (appended to the kernel
# command line, e.g. dda.ids=8086:10d3).
#
# The VM's QMP monitor is wired to the virtio-serial port org.dda.qmp of the
# guest itself (lib.sh: vm_qmp), so scenarios can hotplug into hotN.
#
# Writes OUTDIR/console.log (kernel console), OUTDIR/output.log (the
# scenario's stdout and stderr) and OUTDIR/job (read by guest-init). Exits
# with the scenario's exit status; 124 when the VM timed out, 125 when it
# stopped without reporting one. KVER names the kernel, one of
# tests/kernels.sh list; there is no default, so what ran is always what was
# asked for.
#
# DDA_KERNEL_ROOT=DIR (with KVER): boot a kernel that is not installed on
# this host, DIR/boot/vmlinuz-KVER with its modules in DIR/lib/modules/KVER
# (depmod -b DIR KVER done), e.g. the newest kernel of tests/newest/run.sh.
# The initramfs takes its modules from there (modprobe -d DIR), and the
# guest bind-mounts DIR/lib/modules over its /lib/modules (guest-init).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)

[[ $# -eq 2 ]] || { echo "usage: $0 SCENARIO_FILE OUTDIR" >&2; exit 2; }
scenario=$(realpath "$1")
mkdir -p "$2"
outdir=$(realpath "$2")
name=$(basename "$scenario" .sh)

say() { printf 'vm: %s: %s\n' "$name" "$*" >&2; }

[[ -n ${KVER-} ]] || { say "KVER names no kernel (see tests/kernels.sh list)"; exit 2; }
# DDA_KERNEL_ROOT: the kernel's image and modules under DIR, not /.
kroot=
[[ -z ${DDA_KERNEL_ROOT-} ]] || kroot=$(realpath "$DDA_KERNEL_ROOT")
[[ -e $kroot/boot/vmlinuz-$KVER ]] || { say "no $kroot/boot/vmlinuz-$KVER: run 'make deps'"; exit 2; }
[[ -e $top/build/kmod/$KVER/dda.ko ]] || say "warning: no build/kmod/$KVER/dda.ko (make kmods)"

# "#@ key: value" from the scenario's header, else $2.
directive() {
	local v
	v=$(sed -n "s/^#@ *$1: *//p" "$scenario" | head -n 1)
	echo "${v:-$2}"
}

# The initramfs: busybox, guest-init as /init and the modules that mount
# the 9p share. Rebuilt when any of those, or this script, changes.
initramfs() {
	local out=$top/build/vm/initramfs-$KVER.cpio.gz busybox mods key dir f m
	busybox=$(command -v busybox)
	mods=$(for m in virtio_pci 9pnet_virtio 9p; do
		modprobe ${kroot:+-d "$kroot"} -S "$KVER" --show-depends "$m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
	# shellcheck disable=SC2086
	key=$(sha256sum "$here/guest-init" "$busybox" "${BASH_SOURCE[0]}" $mods | sha256sum)
	if [[ -e $out && $(cat "$out.key" 2>/dev/null) == "$key" ]]; then
		echo "$out"
		return
	fi
	say "building $out"
	dir=$(mktemp -d)
	mkdir -p "$dir"/{bin,modules,dev,proc,sys}
	cp "$busybox" "$dir/bin/busybox"
	ln -s busybox "$dir/bin/sh"
	cp "$here/guest-init" "$dir/init"
	for f in $mods; do
		m=$(basename "$f")
		m=${m%%.ko*}
		case $f in
		*.xz) xz -dc "$f" ;;
		*.zst) zstd -qdc "$f" ;;
		*.gz) gzip -dc "$f" ;;
		*) cat "$f" ;;
		esac >"$dir/modules/$m.ko"
		echo "$m" >>"$dir/modules/order"
	done
	mkdir -p "${out%/*}"
	(cd "$dir" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.$$"
	rm -rf "$dir"
	mv "$out.$$" "$out"
	echo "$key" >"$out.key"
	echo "$out"
}

# The kernel, decompressed: QEMU boots an ELF vmlinux through its PVH entry
# point, sparing the firmware and the decompression under TCG (~6 s). Falls
# back to the bzImage when the payload is neither xz, zstd nor gzip.
vmlinux() {
	local in=$kroot/boot/vmlinuz-$KVER out=$top/build/vm/vmlinux-$KVER f off
	if [[ ! -s $out || $in -nt $out ]]; then
		mkdir -p "${out%/*}"
		for f in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
			off=$(LC_ALL=C grep -abo -m 1 -P "${f#*:}" "$in" | head -n 1 | cut -d: -f1)
			[[ -n $off ]] || continue
			# Trailing data after the payload makes the tool complain.
			tail -c +$((off + 1)) "$in" | "${f%%:*}" -dc >"$out.$$" 2>/dev/null || true
			[[ $(head -c 4 "$out.$$") == $'\x7fELF' ]] && { mv "$out.$$" "$out"; break; }
			rm -f "$out.$$"
		done
	fi
	if [[ -s $out ]]; then echo "$out"; else echo "$in"; fi
}

# QEMU arguments of the device mix, with the ids documented above.
chassis=0
declare -A count=()
# N edus behind conventional bridges, 31 a bridge: PCI devices by the dozen.
many_edus() {
	local n=$1 k
	for ((k = 0; k < n; k++)); do
		((k % 31)) || args+=(-device "pci-bridge,id=edubr$((k / 31)),chassis_nr=$((++chassis)),shpc=off")
		args+=(-device "edu,id=edus$k,bus=edubr$((k / 31)),addr=$(printf %x $((k % 31 + 1)))")
	done
}

devices() {
	local d i tag acs
	for d in "$@"; do
		i=${count[$d]:-0}
		count[$d]=$((i + 1))
		case $d in
		e1000e) args+=(
			-device "pcie-root-port,id=rp-e1000e$i,chassis=$((++chassis)),slot=$chassis"
			-netdev "user,id=net-e1000e$i,restrict=on"
			-device "e1000e,id=e1000e$i,bus=rp-e1000e$i,netdev=net-e1000e$i,romfile=") ;;
		edu) args+=(-device "edu,id=edu$i,dma_mask=0xffffffffffffffff") ;;
		virtio-net) args+=(
			-netdev "user,id=net-virtio-net$i,restrict=on"
			-device "virtio-net-pci,id=virtio-net$i,netdev=net-virtio-net$i,romfile=") ;;
		nvme) args+=(
			-device "pcie-root-port,id=rp-nvme$i,chassis=$((++chassis)),slot=$chassis"
			-drive "if=none,id=disk-nvme$i,file=null-co://,format=raw"
			-device "nvme,id=nvme$i,bus=rp-nvme$i,serial=dda$i,drive=disk-nvme$i") ;;
		nvmedisk)
			truncate -s 0 "$outdir/nvmedisk$i.img"
			truncate -s 256M "$outdir/nvmedisk$i.img"
			args+=(
			-device "pcie-root-port,id=rp-nvmedisk$i,chassis=$((++chassis)),slot=$chassis"
			-drive "if=none,id=disk-nvmedisk$i,file=$outdir/nvmedisk$i.img,format=raw"
			-device "nvme,id=nvmedisk$i,bus=rp-nvmedisk$i,serial=ddadisk$i,drive=disk-nvmedisk$i") ;;
		bridgedisk)
			truncate -s 0 "$outdir/bridgedisk$i.img"
			truncate -s 64M "$outdir/bridgedisk$i.img"
			args+=(
			-device "pci-bridge,id=bridgedisk$i,chassis_nr=$((++chassis)),shpc=off"
			-netdev "user,id=net-bridgedisk${i}nic,restrict=on"
			-device "e1000,id=bridgedisk${i}nic,bus=bridgedisk$i,addr=1,netdev=net-bridgedisk${i}nic,romfile="
			-drive "if=none,id=disk-bridgedisk$i,file=$outdir/bridgedisk$i.img,format=raw"
			-device "nvme,id=bridgedisk${i}nvme,bus=bridgedisk$i,addr=2,serial=ddabridge$i,drive=disk-bridgedisk$i") ;;
		nvme-sriov | nvme-sriov-noacs)
			tag=${d#nvme-sriov} acs=
			[[ -z $tag ]] || acs=,disable-acs=on
			args+=(
			-device "pcie-root-port,id=rp-$d$i,chassis=$((++chassis)),slot=$chassis$acs"
			-device "nvme-subsys,id=nvme-subsys$tag$i,nqn=dda-sriov$tag$i"
			-device "nvme,id=$d$i,bus=rp-$d$i,serial=ddasriov${tag#-}$i,subsys=nvme-subsys$tag$i,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,max_ioqpairs=6,msix_qsize=3") ;;
		hda) args+=(
			-audiodev "none,id=audio-hda$i"
			-device "ich9-intel-hda,id=hda$i"
			-device "hda-duplex,id=hda$i-codec,bus=hda$i.0,audiodev=audio-hda$i") ;;
		bridge2nic) args+=(
			-device "pci-bridge,id=bridge$i,chassis_nr=$((i + 1)),shpc=off"
			-netdev "user,id=net-bridge${i}nic0,restrict=on"
			-netdev "user,id=net-bridge${i}nic1,restrict=on"
			-device "e1000,id=bridge${i}nic0,bus=bridge$i,addr=1,netdev=net-bridge${i}nic0,romfile="
			-device "e1000,id=bridge${i}nic1,bus=bridge$i,addr=2,netdev=net-bridge${i}nic1,romfile=") ;;
		ats) args+=(
			-device "pcie-root-port,id=rp-ats$i,chassis=$((++chassis)),slot=$chassis"
			-netdev "user,id=net-ats$i,restrict=on"
			-device "virtio-net-pci,id=ats$i,bus=rp-ats$i,netdev=net-ats$i,romfile=,ats=on") ;;
		rootport) args+=(-device "pcie-root-port,id=hot$i,chassis=$((++chassis)),slot=$chassis") ;;
		edus:[0-9]*) many_edus "${d#edus:}" ;;
		*) say "unknown device '$d'"; exit 2 ;;
		esac
	done
}

initrd=$(initramfs)
kernel=$(vmlinux)
timeout=$(directive timeout 300)
cmdline=$(directive cmdline "")
read -ra mix <<<"$(directive devices "e1000e edu virtio-net hda")"
iotlb=
[[ " ${mix[*]} " == *" ats "* ]] && iotlb=,device-iotlb=on

: >"$outdir/console.log"
: >"$outdir/output.log"
printf 'DDA_SRC=%q\nSCENARIO=%q\nUDEV=%q\nBOOT=%q\nKEEP=%q\nDDA_BENCH_ROUNDS=%q\n' \
	"$top" "$scenario" "$(directive udev no)" "$(directive boot no)" \
	"$top $outdir ${scenario%/*}" "${DDA_BENCH_ROUNDS:-}" >"$outdir/job"
printf 'DDA_KERNEL_ROOT=%q\n' "$kroot" >>"$outdir/job"

# QMP: a server socket for the monitor and a client chardev behind the
# virtio-serial port connecting to it: QEMU relays the guest to itself.
qmp=dda-qmp-$$-$RANDOM
# shellcheck disable=SC2054 # QEMU's options are comma-separated
args=(
	-accel tcg -machine q35,kernel-irqchip=split -m 2048 -smp 2
	-device "intel-iommu,intremap=on,caching-mode=on$iotlb"
	-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 no_timer_check intel_iommu=on iommu=strict iommu.strict=1 loglevel=6 printk.devkmsg=on panic=-1 ddajob=$outdir/job${cmdline:+ $cmdline}"
	-serial "file:$outdir/console.log" -serial "file:$outdir/output.log"
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,id=hostroot,fsdev=hostroot,mount_tag=hostroot,addr=1e.0
	-chardev "socket,id=qmp,path=$qmp,abstract=on,server=on,wait=off"
	-mon chardev=qmp,mode=control
	-device virtio-serial-pci,id=vser,addr=1d.0
	-chardev "socket,id=qmp-guest,path=$qmp,abstract=on"
	-device virtserialport,bus=vser.0,chardev=qmp-guest,name=org.dda.qmp
)
devices "${mix[@]}"

say "devices: ${mix[*]}; timeout ${timeout}s; kernel $KVER"
# Boots take 5-40 s here (TCG, two VMs on two CPUs).
boot_limit=${DDA_BOOT_LIMIT:-$(( timeout < 240 ? timeout / 2 : 120 ))}
# A kernel that dies before the scenario printed any result and without an
# exit status (TCG has panicked kernels on a loaded host, in the IO-APIC
# timer check, and 6.12 on an int3 of live text patching) tested nothing:
# boot it again, three times at most, keeping each failed console as
# console.bootN.log; so is one that hangs before the scenario starts. A
# panic after a result counts, as it may be dda's.
for boot in 1 2 3; do
	start=$SECONDS
	rc=0
	: >"$outdir/console.log"
	echo "[+] qemu-system-x86_64 ${args[*]@Q}" >&2
	rm -f "$outdir/boot-hung"
	timeout -k 10 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null &
	# timeout(1) puts QEMU in a process group of its own: pass on our end.
	qemu=$!
	# A kernel that has not started dda's init after boot_limit seconds
	# hung (seen: 6.12 under TCG, stuck before any driver): end it.
	(
		trap 'kill $nap 2>/dev/null; exit 0' TERM
		sleep "$boot_limit" &
		nap=$!
		wait $nap
		grep -q 'dda-guest: ' "$outdir/console.log" && exit 0
		: >"$outdir/boot-hung"
		kill "$qemu" 2>/dev/null
	) &
	watchdog=$!
	trap 'kill $qemu $watchdog 2>/dev/null || true' EXIT
	wait $qemu || rc=$?
	kill "$watchdog" 2>/dev/null || true
	wait "$watchdog" 2>/dev/null || true
	wall=$((SECONDS - start))
	if [[ -e $outdir/boot-hung ]]; then
		cp "$outdir/console.log" "$outdir/console.boot$boot.log"
		say "boot $boot hung: no init after ${boot_limit}s; $(tail -n 1 "$outdir/console.log" | sed 's/^\[[^]]*\] //')"
		rc=124
		continue
	fi
	[[ $rc -ne 124 && $rc -ne 137 ]] || break
	grep -q 'dda-guest: exit status' "$outdir/console.log" && break
	grep -qE '^(not )?ok ' "$outdir/output.log" && break
	cp "$outdir/console.log" "$outdir/console.boot$boot.log"
	say "boot $boot died before any result: $(grep -m 1 -E 'panic|Oops' "$outdir/console.log" | sed 's/^\[[^]]*\] //')"
done

# Guest times from the console: "[    8.123456] dda-guest: running ..." is
# the end of the boot, "dda-guest: exit status N" the end of the scenario.
times=$(awk -v wall="$wall" '
	/dda-guest: running/ { boot = $2 + 0 }
	/dda-guest: exit status/ { end = $2 + 0 }
	END { printf "boot %ss, scenario %ss, wall %ds",
		boot ? sprintf("%.1f", boot) : "?", end ? sprintf("%.1f", end - boot) : "?", wall }
' FS='[][]' "$outdir/console.log")
status=$(sed -n 's/.*dda-guest: exit status \([0-9]*\).*/\1/p' "$outdir/console.log" | tail -n 1)
if [[ -e $outdir/boot-hung ]]; then
	say "TIMED OUT: three boots hung before init (console.boot*.log)"
	exit 124
elif [[ $rc -eq 124 || $rc -eq 137 ]]; then
	say "TIMED OUT after ${timeout}s ($times)"
	exit 124
elif [[ -z $status ]]; then
	say "no exit status from the guest, QEMU exit status $rc ($times)"
	exit 125
fi
say "exit status $status ($times)"
exit "$status"
