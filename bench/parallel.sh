#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, in the sandbox VM: four devices at once against one. Four
# e1000e, each alone in its IOMMU group behind its own root port; one guest
# with four free ports, and three more guests of one port each. Each round
# times dismount, assign, unassign and mount of one device, then of all
# four with four ddactl processes started together, then the assign and
# unassign of the four each into a guest of its own (parallel4x4_ratio).
# The ratio four/one is 1 when the work of different devices overlaps and
# 4 when it queues (dda.ko takes no lock across binds and resets; ddad runs
# each handover and reclaim in a thread of its own; QEMU runs device_add
# and device_del under its big lock, one at a time, which the same
# device_adds sent by hand show; four guests have four such locks). ddad's
# log then says, step by step, what overlapped and what queued.
#
#@ devices: e1000e e1000e e1000e e1000e
#@ timeout: 1500
. "$DDA_TESTLIB"
. "$DDA_SRC/bench/lib.sh"
. "$DDA_SRC/tests/integration/guest-qmp.sh"

rounds=${DDA_BENCH_ROUNDS:-5}
ddactl=$DDA_BIN/ddactl

guest_up 4

devs=()
for i in 0 1 2 3; do devs+=("$(vm_pci_addr "e1000e$i")"); done
log "devices: ${devs[*]}"

# all CMD [ARGS...]: ddactl CMD ADDRESS ARGS... for every device at once.
all() {
	local a pids=() p rc=0
	for a in "${devs[@]}"; do
		"$ddactl" "$1" "$a" "${@:2}" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	return $rc
}

# apart: assign device i to guest gi+1, all four at once (four guests, so
# that no QEMU's big lock is shared).
apart() {
	local i pids=() p rc=0
	for i in 0 1 2 3; do
		"$ddactl" assign "${devs[i]}" --vm "g$((i + 1))" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	return $rc
}

# Three more guests of one port each, for four devices into four guests.
for g in g2 g3 g4; do
	guest_start "$g" 1 || { echo "bench: guest $g did not start"; exit 1; }
	"$ddactl" vm add "$g" --qmp "/tmp/$g.qmp" >/dev/null ||
		{ echo "bench: ddad did not take guest $g"; exit 1; }
done

steps=(dismount assign unassign mount)
for s in "${steps[@]}"; do declare -a "one_$s=()" "four_$s=()"; done
apart_assign=() apart_unassign=()
# ddad's log lines of the jobs of one or of four, apart.
lines() { wc -l </tmp/ddad.log; }
keep() { tail -n "+$(($2 + 1))" /tmp/ddad.log >>"/tmp/jobs-$1"; }
for ((r = 0; r < rounds; r++)); do
	at=$(lines)
	timed one_dismount "$ddactl" dismount "${devs[0]}" &&
	timed one_assign "$ddactl" assign "${devs[0]}" --vm g1 &&
	timed one_unassign "$ddactl" unassign "${devs[0]}" &&
	timed one_mount "$ddactl" mount "${devs[0]}" &&
	keep one "$at" && at=$(lines) &&
	timed four_dismount all dismount &&
	timed four_assign all assign --vm g1 &&
	timed four_unassign all unassign &&
	timed four_mount all mount &&
	keep four "$at" &&
	all dismount &&
	timed apart_assign apart &&
	timed apart_unassign all unassign &&
	all mount || { echo "bench: round $r failed"; tail -n 20 /tmp/ddad.log; exit 1; }
	log "round $r: assign one ${one_assign[-1]} us, four ${four_assign[-1]} us, four into four guests ${apart_assign[-1]} us"
done

# four_over_one WHAT ONE FOUR FIGURE: the stats of the arrays ONE and FOUR,
# the ratio of their medians (also in $four_one) and its figure.
four_over_one() {
	local -n _one=$2 _four=$3
	stats "$2" "${_one[@]}"
	stats "$3" "${_four[@]}"
	four_one=$(ratio "$3" "$2")
	echo "  four/one for $1: $four_one"
	figure "$4" "$four_one"
}

echo "one device against four at once, $rounds rounds:"
for s in "${steps[@]}"; do
	four_over_one "$s" "one_$s" "four_$s" "parallel4_${s}_ratio"
	# The summary's parallel4_ratio is that of assignment.
	[[ $s != assign ]] || figure parallel4_ratio "$four_one"
done
echo "one device into one guest against four into four guests at once:"
four_over_one "assign" one_assign apart_assign parallel4x4_ratio
four_over_one "unassign" one_unassign apart_unassign parallel4x4_unassign_ratio

# The same in QEMU alone, by hand: the four bound to vfio-pci through sysfs
# (bench/lib.sh's manual_dismount), then device_add of one, and of four sent
# together on the test's monitor; device_del likewise. QEMU runs them one
# after the other under its big lock, whoever asks: this ratio is the floor
# of four assigns to one guest.

# qemu_all add|del N: device_add (or device_del) of devs[0..N-1] as man0..,
# all sent at once; wait for every answer (and for del, every
# DEVICE_DELETED).
qemu_all() {
	local op=$1 n=$2 i line answered=0 deleted=0 deadline=$((SECONDS + 60))
	for ((i = 0; i < n; i++)); do
		if [[ $op == add ]]; then
			printf '{"execute": "device_add", "arguments": {"driver": "vfio-pci", "host": "%s", "bus": "rp%d", "id": "man%d"}, "id": "q%d"}\n' \
				"${devs[i]}" "$i" "$i" "$i"
		else
			printf '{"execute": "device_del", "arguments": {"id": "man%d"}, "id": "q%d"}\n' "$i" "$i"
		fi
	done >&"${gw[g1]}"
	[[ $op == add ]] && deleted=$n
	while ((answered < n || deleted < n)) && ((SECONDS < deadline)) &&
		IFS= read -r -t 60 -u "${gr[g1]}" line; do
		case $line in
		*'"id": "q'*) [[ $line == *'"return"'* ]] || return 1
			answered=$((answered + 1)) ;;
		*'"DEVICE_DELETED"'*'"device": "man'*) deleted=$((deleted + 1)) ;;
		esac
	done
	((answered == n && deleted == n))
}
for a in "${devs[@]}"; do manual_dismount "$a" e1000e || exit 1; done
qemu_one_add=() qemu_four_add=() qemu_one_del=() qemu_four_del=()
for ((r = 0; r < rounds; r++)); do
	timed qemu_one_add qemu_all add 1 && timed qemu_one_del qemu_all del 1 &&
	timed qemu_four_add qemu_all add 4 && timed qemu_four_del qemu_all del 4 ||
		{ echo "bench: QEMU round $r failed"; exit 1; }
done
for a in "${devs[@]}"; do manual_mount "$a" e1000e || exit 1; done
echo "QEMU alone (device_add, device_del by hand), one against four at once:"
for s in add del; do
	four_over_one "device_$s" "qemu_one_$s" "qemu_four_$s" "parallel4_qemu_${s}_ratio"
done

# Inside ddad's jobs: a step that takes as long with four as with one
# overlapped; one that takes about four times as long queued somewhere.
echo "ddad's steps (median ms), one device against each of four at once:"
python3 - /tmp/jobs-one /tmp/jobs-four <<'PY'
import re, statistics, sys
def steps(path):
    by = {}
    for line in open(path):
        m = re.search(r"ddad: (assign|unassign) \S+: [0-9.]+ ms:(.*)", line)
        if m:
            for part in m.group(2).split(","):
                step, ms = part.split()
                by.setdefault(m.group(1) + " " + step, []).append(float(ms))
    return by
one, four = steps(sys.argv[1]), steps(sys.argv[2])
for key in one:
    if key in four:
        o, f = statistics.median(one[key]), statistics.median(four[key])
        print(f"  {key:<24} {o:8.1f} {f:8.1f}  x{f / o if o else 0:.1f}")
PY

for g in g2 g3 g4; do guest_kill "$g"; done
guest_down
