#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: boot the sandbox VM (vm.sh) and show, live, what dda sees in it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$top/build/vm/demo

rm -rf "$out"
mkdir -p "$out"
: > "$out/output.log"
echo "demo: booting the sandbox VM (TCG, about 10 s) ..."
"$here/vm.sh" "$here/demo-guest.sh" "$out" 2>/dev/null &
vm=$!
tail -n +1 -f --pid="$vm" "$out/output.log"
wait "$vm"
