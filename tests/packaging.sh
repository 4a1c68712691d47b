#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tests/packaging.sh: dda as a distribution would ship it, checked without
# touching the system:
#
#   dkms        dkms.conf builds dda.ko against the installed headers, from a
#               copy of the sources in a private DKMS tree (--dkmstree,
#               --sourcetree; no module signing, so no key in /var/lib/dkms)
#   install     make install DESTDIR=... puts every file in place, the udev
#               rules naming the installed ddactl; make uninstall removes
#               every file it installed
#   man         the man pages format without a groff warning
#   completion  the bash completion of ddactl
#
# dkms builds for every kernel of tests/kernels.sh (DDA_KERNELS).
# Prints "ok N - ..." lines, then "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit

passed=0 failed=0 n=0
ok() { n=$((n + 1)) passed=$((passed + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
	[[ -z ${2-} ]] || sed 's/^/#   /' <<<"$2"
}
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

kernels=$(tests/kernels.sh list) || exit 1
version=$(sed -n 's/^VERSION := //p' Makefile)
tmp=$(mktemp -d /tmp/dda-packaging.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# --- dkms ---------------------------------------------------------------------

# dkms build against KVER's headers, in a private tree of its own.
dkms_build() {
	local kver=$1 src=$tmp/dkms-$1/source/dda-$version
	mkdir -p "$src" "$tmp/dkms-$kver/tree"
	cp -r dkms.conf Makefile Kbuild Kconfig kmod include "$src/" || return
	# The sources, not what this tree built.
	find "$src/kmod" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o \
		-name '.*.cmd' -o -name Module.symvers -o -name modules.order -o \
		-name probes.h \) -delete
	dkms add -m dda -v "$version" --dkmstree "$tmp/dkms-$kver/tree" \
		--sourcetree "$tmp/dkms-$kver/source" &&
		sign_file=/nonexistent dkms build -m dda -v "$version" -k "$kver" \
			--kernelsourcedir "/usr/src/linux-headers-$kver" \
			--dkmstree "$tmp/dkms-$kver/tree" \
			--sourcetree "$tmp/dkms-$kver/source"
}

if ! command -v dkms >/dev/null; then
	not_ok "dkms is installed" "run 'make deps'"
else
	check "dkms.conf names the Makefile's version $version" \
		grep -qx "PACKAGE_VERSION=\"$version\"" dkms.conf
	while read -r line kver; do
		check "$line: dkms build, against $kver, in a private tree" dkms_build "$kver"
		# dda.ko, or dda.ko.xz where the kernel compresses its modules (6.12).
		ko=$(ls "$tmp/dkms-$kver/tree/dda/$version/$kver/$(uname -m)/module/"dda.ko* 2>/dev/null | head -n 1)
		check "$line: builds dda.ko" test -s "$ko"
		check "$line: for $kver" sh -c "modinfo -F vermagic '$ko' | grep -q '^$kver '"
		check "$line: with its parameters" sh -c "modinfo -F parm '$ko' | grep -q '^addresses:'"
	done <<<"$kernels"
fi

# The rest is the same on every kernel: the first one's headers.
read -r _ KVER <<<"$kernels"
KDIR=/usr/src/linux-headers-$KVER

# --- install ------------------------------------------------------------------

dest=$tmp/dest
installed=(
	/usr/local/sbin/ddactl /usr/local/sbin/ddad
	"/usr/local/lib/libdda.so.$version" /usr/local/lib/libdda.a
	/usr/local/lib/pkgconfig/dda.pc /usr/local/include/libdda.h
	/usr/local/include/linux/dda.h "/lib/modules/$KVER/extra/dda.ko"
	/usr/local/share/ynl/specs/dda.yaml
	/lib/systemd/system/ddad.service /lib/udev/rules.d/60-dda.rules
	/usr/local/share/man/man8/ddactl.8 /usr/local/share/man/man8/ddad.8
	/usr/local/share/man/man5/dda.conf.5
	/usr/share/bash-completion/completions/ddactl
)
# With libvirt (pkg-config libvirt), the qemu hook, executable.
if pkg-config --exists libvirt libxml-2.0; then
	installed+=(/etc/libvirt/hooks/qemu.d/dda)
fi
check "make install DESTDIR=..." make -s install DESTDIR="$dest" KDIR="$KDIR"
for f in "${installed[@]}"; do
	check "installs $f" test -f "$dest$f"
done
check "the udev rules run the installed ddactl" grep -q \
	'^PROGRAM="/usr/local/sbin/ddactl policy apply --udev", RESULT=="load", RUN{builtin}+="kmod load dda"$' \
	"$dest/lib/udev/rules.d/60-dda.rules"
! pkg-config --exists libvirt libxml-2.0 ||
	check "the qemu hook is executable" test -x "$dest/etc/libvirt/hooks/qemu.d/dda"
check "make uninstall DESTDIR=..." make -s uninstall DESTDIR="$dest" KDIR="$KDIR"
check "removes every file it installed" sh -c "! find '$dest' ! -type d | grep ."

# --- man ----------------------------------------------------------------------

for f in man/*.[1-8]; do
	check "$f formats without a warning" sh -c \
		"out=\$(groff -t -man -ww -z -Tutf8 '$f' 2>&1) && test -z \"\$out\" || { echo \"\$out\"; false; }"
done
check "ddactl.8 describes every command of ddactl help" sh -c '
	for c in $(build/bin/ddactl help | sed -n "s/^  \([a-z]*\) .*/\1/p"); do
		grep -q "^\.B[RI]* \"*$c" man/ddactl.8 || { echo "no $c"; exit 1; }
	done'

# --- completion ---------------------------------------------------------------

completes() { # LINE WANT: what _ddactl offers for LINE is WANT
	PATH=$top/build/bin:$PATH bash -c '
		. daemon/ddactl/completion.bash
		COMP_LINE=$1 COMP_POINT=${#1}
		_ddactl
		echo "${COMPREPLY[*]}"' _ "$1" | grep -qx -- "$2"
}
check "bash completion parses" bash -n daemon/ddactl/completion.bash
check "completes the commands, as ddactl help lists them" completes "ddactl " \
	"$(build/bin/ddactl help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | paste -sd ' ')"
check "a command" completes "ddactl po" "policy"
check "policy's subcommands" completes "ddactl policy " "check apply modprobe"
check "their options" completes "ddactl policy check --" "--file --json --udev --help"
check "a file after --file" completes "ddactl policy check --file dkms.co" "dkms.conf"
check "a command's options" completes "ddactl dismount 00:00.0 --g" "--group"
addresses=(/sys/bus/pci/devices/*)
addresses=("${addresses[@]##*/}")
if [[ -e /sys/bus/pci/devices/${addresses[0]} ]]; then
	p=${addresses[0]:0:8} want=()
	for a in "${addresses[@]}"; do
		[[ $a == "$p"* ]] && want+=("${a#"$p"}")
	done
	check "PCI addresses, after their last colon" completes "ddactl show $p" "${want[*]}"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
