#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check-newest [SCENARIO...]: dda against the newest kernel Debian ships
# (not part of make check).
#
# That kernel is trixie-backports' (7.x). Its kbuild tools need a newer glibc
# than Debian 12 has, so dda.ko is built in a trixie chroot; its image boots
# in the sandbox VM like any other. Everything of it lives in a cache outside
# the clone, DDA_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/dda), never on
# the host: nothing here installs that kernel or picks "the newest installed
# one".
#
#   DDA_CACHE/trixie            debootstrap'd trixie (minbase) with
#                               trixie-backports, the newest
#                               linux-headers-ABI-amd64 and gcc, make
#   DDA_CACHE/kernels/KVER      the matching unsigned image and modules,
#                               extracted: boot/vmlinuz-KVER and
#                               lib/modules/KVER (depmod'ed for that root)
#   build/kmod/KVER/dda.ko      dda.ko, built in the chroot, the tree
#                               bind-mounted at its own path (kbuild's MO=)
#   build/vm/KVER/NAME/         the sandbox VM's logs of each scenario
#
# The VM boots the cached kernel through vm.sh's DDA_KERNEL_ROOT (the guest
# sees its modules at /lib/modules/KVER) and runs the scenarios given, by
# default 00-sandbox (the kernel boots, its drivers bind, the IOMMU is
# there), 20-dismount-mount and 30-dma-isolation; their checks are counted
# here. Scenarios that need dda.ko are not booted when it did not build.
#
# Idempotent: a warm run only refreshes trixie's package lists once a day
# (DDA_NEWEST_UPDATE=1 forces it) and rebuilds what changed. Prints "ok N -
# ..." / "not ok N - ..." naming the kernel, "# ..." comments, and ends with
# "N passed, N failed"; exit status 1 when anything failed. DDA_VERBOSE=1
# also shows the scenarios' comment lines.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
top=$(cd "$here/../.." && pwd -P)
cache=${DDA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/dda}
root=$cache/trixie
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

scenarios=("$@")
[[ $# -gt 0 ]] || scenarios=(00-sandbox 20-dismount-mount 30-dma-isolation)

_n=0 _passed=0 _failed=0
ok() { _n=$((_n + 1)) _passed=$((_passed + 1)); printf 'ok %d - %s\n' "$_n" "$1"; }
not_ok() {
	_n=$((_n + 1)) _failed=$((_failed + 1))
	printf 'not ok %d - %s\n' "$_n" "$1"
	[[ -z ${2-} ]] || printf '%s\n' "$2" | sed 's/^/#   /'
}
log() { printf '# %s\n' "$*"; }
finish() {
	echo "$_passed passed, $_failed failed"
	[[ $_failed -eq 0 ]]
	exit
}
# Stop at a failed step that everything after it needs.
fatal() { not_ok "$@"; finish; }

# CMD... run in the chroot, in a mount namespace of its own: /proc, /dev and
# the tree (at its own path) are mounted there and go away with it.
in_chroot() {
	unshare --mount --propagation private -- /bin/bash -euc '
		root=$1 top=$2; shift 2
		mount -t proc proc "$root/proc"
		mount --bind /dev "$root/dev"
		mkdir -p "$root$top"
		mount --bind "$top" "$root$top"
		cp /etc/resolv.conf "$root/etc/resolv.conf"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	' in_chroot "$root" "$top" "$@"
}

# The Debian mirror the host's apt uses (deb822 or one-line sources).
mirror() {
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -nE 's@^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?(https?://[^[:space:]]*/debian)/?([[:space:]].*)?$@\3@p' |
		head -n 1) || true
	echo "${m:-http://deb.debian.org/debian}"
}

mkdir -p "$cache"
exec 9>"$cache/.newest.lock"
flock 9

# ---- the host: debootstrap -------------------------------------------------

# Another apt-get may hold dpkg's lock for a while: wait for it.
host_apt() { apt-get -q -o DPkg::Lock::Timeout=900 "$@"; }
if ! command -v debootstrap >/dev/null; then
	log "installing debootstrap on the host"
	out=$(host_apt install -y debootstrap 2>&1 ||
		{ host_apt update && host_apt install -y debootstrap; } 2>&1) ||
		fatal "debootstrap on the host" "$(tail -n 20 <<<"$out")"
fi
ok "debootstrap on the host ($(dpkg-query -W -f='${Version}' debootstrap))"

# ---- the trixie chroot -----------------------------------------------------

url=$(mirror)
if [[ ! -e $root/.dda-ready ]]; then
	start=$SECONDS
	log "debootstrap trixie (amd64, minbase) from $url into $root"
	rm -rf "$root.new"
	if ! debootstrap --variant=minbase --arch=amd64 trixie "$root.new" "$url" \
		>"$cache/debootstrap-trixie.log" 2>&1; then
		fatal "a trixie chroot in $root" "$(tail -n 20 "$cache/debootstrap-trixie.log")"
	fi
	cat >"$root.new/etc/apt/sources.list" <<-SOURCES
		deb $url trixie main
		deb $url trixie-updates main
		deb $url trixie-backports main
	SOURCES
	printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
		>"$root.new/etc/apt/apt.conf.d/90dda"
	rm -rf "$root"
	mv "$root.new" "$root"
	touch "$root/.dda-ready"
	log "debootstrap took $((SECONDS - start))s"
fi
ok "a trixie chroot in $root ($(cat "$root/etc/debian_version"))"

# Package lists: once a day, or when asked.
stamp=$root/var/lib/apt/lists/.dda-updated
if [[ ${DDA_NEWEST_UPDATE:-0} == 1 || -z $(find "$stamp" -mmin -1440 2>/dev/null) ]]; then
	log "apt-get update in the chroot"
	out=$(in_chroot apt-get update -q 2>&1) || fatal "apt-get update in the chroot" "$out"
	touch "$stamp"
fi

# ---- the newest headers ----------------------------------------------------

# linux-headers-amd64 of trixie-backports depends on linux-headers-ABI-amd64.
headers=$(in_chroot apt-cache depends -t trixie-backports linux-headers-amd64 2>/dev/null |
	sed -nE 's/^ *Depends: (linux-headers-[^ ]*-amd64)$/\1/p' | head -n 1)
[[ -n $headers ]] ||
	fatal "trixie-backports' linux-headers-amd64 names a linux-headers-ABI-amd64"
abi=${headers#linux-headers-}
# The version trixie-backports has of it (the candidate with -t).
version=$(in_chroot apt-cache policy -t trixie-backports "$headers" 2>/dev/null |
	sed -n 's/^ *Candidate: //p')
[[ -n $version && $version != "(none)" ]] ||
	fatal "a candidate version of $headers in trixie-backports"
ok "trixie-backports: linux-headers-amd64 -> $headers $version"

installed_version() {
	in_chroot dpkg-query -W -f='${db:Status-Status} ${Version}' "$1" 2>/dev/null |
		sed -n 's/^installed //p'
}
tools=(gcc make libc6-dev)
if [[ $(installed_version "$headers") != "$version" ]] ||
	! in_chroot sh -c 'command -v gcc && command -v make' >/dev/null 2>&1; then
	log "installing $headers=$version ${tools[*]} in the chroot"
	out=$(in_chroot apt-get install -y -q -t trixie-backports "$headers=$version" "${tools[@]}" 2>&1) ||
		fatal "$headers $version installed in the chroot" "$(tail -n 20 <<<"$out")"
fi
kdir=/usr/src/linux-headers-$abi
kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$root$kdir/include/generated/utsrelease.h")
[[ -n $kver ]] || fatal "$headers: no UTS_RELEASE in $kdir"
ok "$kver: $headers $version installed in the chroot, $(in_chroot gcc --version | head -n 1)"

# ---- the matching kernel image, extracted into the cache -------------------

# From 7.x on, trixie-backports splits the kernel into linux-binary-ABI
# (signed vmlinuz), linux-binary-unsigned-ABI, linux-modules-ABI and
# linux-base-ABI (config, modules.builtin...), everything under
# usr/lib/modules/KVER; before, linux-image-ABI-unsigned had it all.
available() { in_chroot apt-cache show -q "$1=$version" >/dev/null 2>&1; }
if available "linux-binary-unsigned-$abi"; then
	image=("linux-binary-unsigned-$abi" "linux-modules-$abi" "linux-base-$abi")
else
	image=("linux-image-$abi-unsigned")
fi
kroot=$cache/kernels/$kver
if [[ $(cat "$kroot/.dda-ready" 2>/dev/null) != "${image[*]} $version" ]]; then
	log "downloading and extracting ${image[*]} $version"
	dl=/var/cache/dda
	rm -rf "$root$dl" "$kroot.new"
	mkdir -p "$root$dl" "$kroot.new"
	out=$(in_chroot sh -c "chown _apt $dl && cd $dl && apt-get download -q $(printf "'%s=$version' " "${image[@]}")" 2>&1) ||
		fatal "$kver: ${image[*]} $version downloaded" "$out"
	for deb in "$root$dl"/*.deb; do
		out=$(dpkg-deb -x "$deb" "$kroot.new" 2>&1) ||
			fatal "$kver: ${deb##*/} extracted" "$out"
	done
	rm -rf "$root$dl"
	# Modules under usr/lib (merged /usr) go where modprobe -d looks, the
	# image where vm.sh does.
	if [[ -d $kroot.new/usr/lib/modules && ! -d $kroot.new/lib/modules ]]; then
		mkdir -p "$kroot.new/lib"
		mv "$kroot.new/usr/lib/modules" "$kroot.new/lib/modules"
	fi
	for f in "$kroot.new/lib/modules/$kver"/vmlinuz{,.unsigned}; do
		[[ -e $f && ! -e $kroot.new/boot/vmlinuz-$kver ]] || continue
		mkdir -p "$kroot.new/boot"
		ln "$f" "$kroot.new/boot/vmlinuz-$kver"
	done
	# The host's kmod loads .ko.xz and, when built with it, .ko.zst.
	if ! kmod --version | grep -q '+ZSTD'; then
		find "$kroot.new/lib/modules" -name '*.ko.zst' -exec sh -c \
			'for f; do zstd -qd --rm "$f"; done' sh {} +
	fi
	depmod -b "$kroot.new" "$kver"
	rm -rf "$kroot"
	mv "$kroot.new" "$kroot"
	echo "${image[*]} $version" >"$kroot/.dda-ready"
fi
[[ -e $kroot/boot/vmlinuz-$kver && -d $kroot/lib/modules/$kver ]] ||
	fatal "$kver: ${image[*]} give boot/vmlinuz-$kver and lib/modules/$kver"
compression=$(find "$kroot/lib/modules/$kver/kernel" -name '*.ko*' | sed -n 's/.*\.ko//p' | sort | uniq -c | xargs)
ok "$kver: ${image[*]} $version in $kroot (modules: $compression)"

# The guest's modprobe is the host's: it must read these modules.
mods=$(modprobe -d "$kroot" -S "$kver" --show-depends e1000e vfio-pci 9p 2>&1) &&
	ok "$kver: the host's modprobe resolves e1000e, vfio-pci, 9p in $kroot" ||
	not_ok "$kver: the host's modprobe resolves e1000e, vfio-pci, 9p in $kroot" "$mods"

# ---- dda.ko, built in the chroot -------------------------------------------

out_dir=$top/build/kmod/$kver
mkdir -p "$out_dir"
build_log=$out_dir/build.log
rm -f "$out_dir/dda.ko"
if in_chroot make -k -C "$kdir" M="$top/kmod" MO="$out_dir" modules >"$build_log" 2>&1 &&
	[[ -e $out_dir/dda.ko ]]; then
	ok "$kver: dda.ko builds against $headers ($(modinfo -F vermagic "$out_dir/dda.ko" | xargs))"
	have_ko=yes
else
	not_ok "$kver: dda.ko builds against $headers" \
		"$(grep -E 'error|Error' "$build_log" | sed "s|$top/||g" | head -n 60; echo "the whole log: ${build_log#"$top"/}")"
	have_ko=no
fi

# ---- the sandbox VM --------------------------------------------------------

export KVER=$kver DDA_KERNEL_ROOT=$kroot
for s in "${scenarios[@]}"; do
	s=${s%.sh}
	s=${s##*/}
	file=$top/tests/integration/scenarios/$s.sh
	[[ -e $file ]] || { not_ok "$kver: $s: no such scenario"; continue; }
	if [[ $have_ko == no ]] && grep -q 'DDA_KO' "$file"; then
		not_ok "$kver: $s: not booted, it needs dda.ko, which did not build"
		continue
	fi
	vmout=$top/build/vm/$kver/$s
	# Under TCG on a loaded host, the kernel's early check of the timer
	# through the remapped IO-APIC can fail and panic (any kernel, seen
	# with 7.x): that is the host's load, not the kernel, so boot again.
	for try in 1 2 3; do
		rm -rf "$vmout"
		mkdir -p "$vmout"
		rc=0
		"$top/tests/integration/vm.sh" "$file" "$vmout" >"$vmout/vm.log" 2>&1 || rc=$?
		grep -q "panic - not syncing: timer doesn't work" "$vmout/console.log" || break
		log "$kver: $s: boot $try: early panic, timer doesn't work through the IO-APIC (host load)"
	done
	p=0 f=0
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "$kver: $s: $(sed -E 's/^ok [0-9]+ - //' <<<"$line")"; p=$((p + 1)) ;;
		"not ok "*) not_ok "$kver: $s: $(sed -E 's/^not ok [0-9]+ - //' <<<"$line")"; f=$((f + 1)) ;;
		\#*) [[ -z ${DDA_VERBOSE-} ]] || echo "$line" ;;
		esac
	done < <(grep -aE '^(not )?ok |^#' "$vmout/output.log" 2>/dev/null || true)
	log "$kver: $s: $(sed -n 's/^vm: [^:]*: //p' "$vmout/vm.log" | tail -n 1); logs in ${vmout#"$top"/}"
	if [[ $rc -ne 0 || $f -gt 0 || $p -eq 0 ]]; then
		[[ $rc -eq 0 && $p -gt 0 ]] || not_ok "$kver: $s: exit status $rc, $p checks passed in the guest"
		tail -n 40 "$vmout/console.log" 2>/dev/null | sed 's/^/#   console: /'
	fi
done

finish
