#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh LINE: run dda's KUnit suites on kernel line LINE (6.1, 6.12: see
# tests/kernels.sh) with that kernel's own runner, kunit.py, from its
# linux-source-LINE package. dda is placed in tree as drivers/dda (a copy of
# Kconfig, Kbuild, kmod/, include/uapi/ and tests/kunit/), built into an
# x86_64 kernel and run under QEMU on q35 with an Intel IOMMU and edu
# devices (qemu_x86_64_iommu.py).
#
# The source tree and the kernel build live in the cache ($DDA_CACHE, default
# ~/.cache/dda), one of each per line, outside the clone, so a second run is
# incremental: only changed files are copied in, keeping their timestamps
# meaningful to make.
#
# Each result line is prefixed with the line; the last line is "N passed, N
# failed"; the exit status is kunit.py's.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 LINE (6.1, 6.12)" >&2; exit 2; }
line=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${DDA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/dda}
tarball=/usr/src/linux-source-$line.tar.xz
src=$cache/linux-source-$line
build=$cache/kunit-build-$line
log=$top/build/kunit-$line.log

log() { printf '# kunit %s: %s\n' "$line" "$*" >&2; }

[[ -f $tarball ]] || { echo "kunit: $tarball missing; run 'make deps'" >&2; exit 1; }
mkdir -p "$cache" "$top/build"

# Unpack once per source package version.
stamp=$(stat -c '%s-%Y' "$tarball")
if [[ ! -f $src/.dda-unpacked || $(cat "$src/.dda-unpacked") != "$stamp" ]]; then
	log "unpacking $tarball into $cache"
	rm -rf "$src" "$build"
	tar -C "$cache" -xf "$tarball"
	echo "$stamp" > "$src/.dda-unpacked"
fi

# Hook drivers/dda into the tree, once.
grep -q 'drivers/dda/Kconfig' "$src/drivers/Kconfig" ||
	sed -i 's|^endmenu$|source "drivers/dda/Kconfig"\n\nendmenu|' "$src/drivers/Kconfig"
grep -q 'CONFIG_DDA' "$src/drivers/Makefile" ||
	echo 'obj-$(CONFIG_DDA) += dda/' >> "$src/drivers/Makefile"

# Copy dda's kernel sources in, touching only what changed.
sync_file() {
	local from=$1 to=$2
	cmp -s "$from" "$to" && return 0
	mkdir -p "$(dirname "$to")"
	cp "$from" "$to"
}
dest=$src/drivers/dda
(cd "$top" && ls Kconfig Kbuild kmod/Kbuild kmod/*.[ch] kmod/probes/* include/uapi/linux/dda.h \
	tests/kunit/Kbuild tests/kunit/*.c) | while read -r f; do
	sync_file "$top/$f" "$dest/$f"
done
# ... and drop files that are gone from the repository.
(cd "$dest" && find . -type f -name '*.[ch]') | while read -r f; do
	[[ -e $top/$f ]] || rm -f "$dest/$f"
done

log "building and running (log: $log)"
set +e
python3 "$src/tools/testing/kunit/kunit.py" run \
	--build_dir="$build" \
	--kunitconfig="$top/tests/kunit/.kunitconfig" \
	--qemu_config="$top/tests/kunit/qemu_x86_64_iommu.py" \
	--jobs="$(nproc)" \
	--timeout=600 > "$log" 2>&1
rc=$?
set -e

# Per-test lines, then the totals in the project's summary form.
grep -E '^\[[0-9:]+\] +(\[(PASSED|FAILED|SKIPPED|CRASHED)\]|#|ok|not ok)' "$log" |
	sed -E "s/^\[[0-9:]+\] /$line: /" || true
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E 'Testing complete\. Ran [0-9]+ tests' | tail -n 1 || true)
if [[ -z $summary ]]; then
	tail -n 60 "$log"
	echo "kunit: no test result; see $log" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
count() { sed -nE "s/.*[ ,]$1: ([0-9]+).*/\1/p" <<<"$summary" | grep . || echo 0; }
passed=$(count passed)
failed=$(( $(count failed) + $(count crashed) + $(count errors) ))
[[ $rc -eq 0 ]] || tail -n 60 "$log"
echo "${passed:-0} passed, ${failed} failed"
exit $rc
