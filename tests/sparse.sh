#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# dda.ko under sparse (kbuild's C=2: every file checked, whether rebuilt or
# not), against the headers of every kernel of tests/kernels.sh, each in a
# tree of its own, build/sparse/KVER/ (links to kmod/, as make kmod does):
# "ok N - sparse on KVER" when sparse says nothing, else "not ok" and what
# it said; then "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernels=$("$top/tests/kernels.sh" list) || exit 1
command -v sparse >/dev/null || { echo "not ok 1 - sparse is not installed (make deps)"; echo "0 passed, 1 failed"; exit 1; }

cd "$top"
passed=0 failed=0 n=0
while read -r _ kver; do
	n=$((n + 1))
	out=$top/build/sparse/$kver
	mkdir -p "$out"
	find "$out" -maxdepth 1 -type l -delete
	ln -s "$top"/kmod/Kbuild "$top"/kmod/*.[ch] "$top/kmod/probes" "$out/"
	# kbuild prints what it runs on stdout; sparse's findings go to stderr,
	# as do the compiler's: both count.
	if ! log=$(make -s -C "/usr/src/linux-headers-$kver" M="$out" C=2 \
		CHECKFLAGS="-Wsparse-error" modules 2>&1 >/dev/null); then
		log="make failed: $log"
	fi
	log=$(grep -v 'Skipping BTF generation' <<<"$log" | grep .)
	if [[ -z $log ]]; then
		echo "ok $n - sparse on $kver"
		passed=$((passed + 1))
	else
		echo "not ok $n - sparse on $kver"
		sed 's/^/# /' <<<"$log"
		failed=$((failed + 1))
	fi
done <<<"$kernels"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
