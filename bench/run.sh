#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: run each benchmark in its own sandbox VM (one at a time, so
# they do not disturb each other's timing), print their tables, and end with
# one summary line:
#
#   bench: cycle_ratio=R floor_ms=F overhead_ms=O list128_ms=L lspci128_ms=P
#          ddad_rss_kib=K idle_wakeups=W parallel4_ratio=Q
#          parallel4x4_ratio=X status_600conn_ms=C status_qmpflood_ms=F
#          libvirt_ratio=V
#
# cycle: dismount, assign, unassign and mount of the e1000e through ddactl
# and ddad, against the same work done by hand through sysfs and QMP (ratio
# dda/manual); floor: the resets in it, which dda reports; overhead: the
# cycle above the floor.
# Figures a run could not produce print as "n/a". DDA_BENCH_ROUNDS=N sets
# the rounds of transitions.sh and parallel.sh (10 and 5).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
benches=("$@")
[[ $# -gt 0 ]] || benches=("$here"/transitions.sh "$here"/list64.sh \
	"$here"/list128.sh "$here"/ddad.sh "$here"/lockout.sh \
	"$here"/parallel.sh "$here"/libvirt.sh)

declare -A fig=()
status=0
for b in "${benches[@]}"; do
	name=$(basename "$b" .sh)
	out=$top/build/bench/$name
	mkdir -p "$out"
	echo "== $name"
	if ! "$top/tests/integration/vm.sh" "$b" "$out" >"$out/vm.log" 2>&1; then
		echo "bench: $name failed; see $out/"
		tail -n 20 "$out/output.log"
		status=1
	fi
	grep -v '^bench: \|^# \$\|^#   ' "$out/output.log"
	while IFS='=' read -r k v; do
		fig[$k]=$v
	done < <(sed -n 's/^bench: \([a-z0-9_]*=[0-9.]*\)$/\1/p' "$out/output.log")
done

get() { echo "${fig[$1]:-n/a}"; }
calc() { # awk expression over figures, or n/a when one is missing
	local expr=$1 k
	shift
	for k in "$@"; do [[ -n ${fig[$k]:-} ]] || { echo n/a; return; }; done
	awk "BEGIN { $(for k in "$@"; do printf '%s=%s;' "$k" "${fig[$k]}"; done) printf \"%.2f\", $expr }"
}

# The cycle: the four transitions of the e1000e; its floor: the three
# resets in it (dismount, the reclaim of the unassign, mount).
dda=(e1000e0_dismount_ms e1000e0_assign_ms e1000e0_unassign_ms e1000e0_mount_ms)
man=(e1000e0_manual_dismount_ms e1000e0_manual_assign_ms
	e1000e0_manual_unassign_ms e1000e0_manual_mount_ms)
rst=(e1000e0_dismount_reset_ms e1000e0_unassign_reset_ms e1000e0_mount_reset_ms)
sum() { local IFS=+; echo "($*)"; }
ratio=$(calc "$(sum "${dda[@]}") / $(sum "${man[@]}")" "${dda[@]}" "${man[@]}")
floor=$(calc "$(sum "${rst[@]}")" "${rst[@]}")
overhead=$(calc "$(sum "${dda[@]}") - $(sum "${rst[@]}")" "${dda[@]}" "${rst[@]}")
# How listing grows with the number of devices: per device, from 64 to 128
# extra ones.
if [[ -n ${fig[devices64]:-} && -n ${fig[devices128]:-} ]]; then
	echo "== listing, per PCI device added (from ${fig[devices64]} to ${fig[devices128]} devices)"
	for tool in list lspci sysfs; do
		echo "  $tool: $(calc "(${tool}128_ms - ${tool}64_ms) / (devices128 - devices64)" \
			"${tool}128_ms" "${tool}64_ms" devices128 devices64) ms a device"
	done
fi
echo "== summary (cycle: dismount + assign + unassign + mount of the e1000e)"
echo "bench: cycle_ratio=$ratio floor_ms=$floor overhead_ms=$overhead" \
	"list128_ms=$(get list128_ms) lspci128_ms=$(get lspci128_ms)" \
	"ddad_rss_kib=$(get ddad_rss_kib) idle_wakeups=$(get idle_wakeups)" \
	"parallel4_ratio=$(get parallel4_ratio)" \
	"parallel4x4_ratio=$(get parallel4x4_ratio)" \
	"status_600conn_ms=$(get status_600conn_ms)" \
	"status_qmpflood_ms=$(get status_qmpflood_ms)" \
	"libvirt_ratio=$(get libvirt_ratio)"
exit $status
