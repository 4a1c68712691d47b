#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools.sh: make the kernel's own YNL tools available under build/ynl, a
# tree laid out as the kernel's (ynl-gen-c.py finds its root by a MAINTAINERS
# file, and the schema of a spec two directories above it):
#
#   build/ynl/MAINTAINERS                        (empty: the root marker)
#   build/ynl/tools/net/ynl/                     cli.py, ynl-gen-c.py, lib/
#   build/ynl/Documentation/netlink/*.yaml       the spec schemas
#
# They come from the linux-source-6.12 package: unpacked once per package
# version into the cache ($DDA_CACHE, default ~/.cache/dda), as
# tests/kunit/run.sh does with 6.1, then copied into build/ynl, which the
# sandbox VM sees (scenario 26-ynl.sh runs cli.py from there). Nothing of
# dda's is in that tree but what tests/ynl/check-spec.sh copies in.
#
# Prints the path of build/ynl.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${DDA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/dda}
tarball=/usr/src/linux-source-6.12.tar.xz
src=$cache/ynl-6.12
out=$top/build/ynl

[[ -f $tarball ]] || { echo "ynl: $tarball missing; run 'make deps'" >&2; exit 1; }

stamp=$(stat -c '%s-%Y' "$tarball")
if [[ ! -f $src/.dda-unpacked || $(cat "$src/.dda-unpacked") != "$stamp" ]]; then
	echo "# ynl: unpacking tools/net/ynl and Documentation/netlink of $tarball" >&2
	rm -rf "$src"
	mkdir -p "$src"
	tar -C "$src" --strip-components=1 -xf "$tarball" --wildcards \
		'linux-source-6.12/tools/net/ynl/*' \
		'linux-source-6.12/Documentation/netlink/*.yaml'
	echo "$stamp" >"$src/.dda-unpacked"
fi

if [[ ! -f $out/.dda-copied || $(cat "$out/.dda-copied") != "$stamp" ]]; then
	rm -rf "$out"
	mkdir -p "$out/tools/net" "$out/Documentation/netlink/specs"
	cp -r "$src/tools/net/ynl" "$out/tools/net/"
	cp "$src"/Documentation/netlink/*.yaml "$out/Documentation/netlink/"
	: >"$out/MAINTAINERS"
	echo "$stamp" >"$out/.dda-copied"
fi
echo "$out"
