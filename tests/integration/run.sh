#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh [SCENARIO...]: run integration scenarios, each in its own sandbox VM
# (vm.sh), on every kernel of tests/kernels.sh (DDA_KERNELS picks some); by
# default every tests/integration/scenarios/*.sh. DDA_JOBS VMs run at once
# (default: the number of CPUs; a TCG guest keeps about one busy), the
# longest first (as long as they took last time on this machine, kept in the
# cache; else as their "#@ timeout:" says), so that the run ends sooner; the
# reports still come in order, kernel by kernel.
#
# Prints each scenario's "ok"/"not ok" lines prefixed with its kernel line
# and name ("6.12 20-dismount-mount: ok 3 - ..."), and its times; for a
# failed one, QEMU's complaints, its output.log and the end of its
# console.log. Everything stays in build/vm/KVER/NAME/. Ends with a total per
# kernel, then "N passed, N failed"; a scenario that fails without a "not
# ok" line (exit status, timeout, crash) counts one failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${DDA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/dda}
durations=$cache/durations
mkdir -p "$durations"

scenarios=("$@")
[[ $# -gt 0 ]] || scenarios=("$here"/scenarios/*.sh)
kernels=$("$top/tests/kernels.sh" list) || exit 1

# Run one scenario on one kernel; write its report and "PASSED FAILED" to
# build/vm/KVER/NAME/.
run_one() {
	local line=$1 kver=$2 s=$3 name out rc=0 results p f start=$SECONDS
	name=$(basename "$s" .sh)
	out=$top/build/vm/$kver/$name
	mkdir -p "$out"
	KVER=$kver "$here/vm.sh" "$s" "$out" >"$out/vm.log" 2>&1 || rc=$?
	echo $((SECONDS - start)) >"$durations/$line-$name"

	results=$(grep -E '^(not )?ok ' "$out/output.log" 2>/dev/null)
	p=$(grep -c '^ok ' <<<"$results")
	f=$(grep -c '^not ok ' <<<"$results")
	{
		[[ -z $results ]] || sed "s/^/$line $name: /" <<<"$results"
		if [[ $rc -ne 0 && $f -eq 0 ]]; then
			if [[ $rc -eq 124 ]]; then echo "$line $name: not ok - timed out"
			else echo "$line $name: not ok - exit status $rc"; fi
			f=1
		fi
		echo "$line $name: # $(sed -n 's/^vm: [^:]*: //p' "$out/vm.log" | tail -n 1)"
		if [[ $rc -ne 0 || $f -gt 0 ]]; then
			echo "---- $line $name: vm.log (vm.sh, QEMU's stderr), first 30 lines"
			grep -v '^\[+\] ' "$out/vm.log" | head -n 30
			echo "---- $line $name: output.log"
			cat "$out/output.log" 2>/dev/null
			echo "---- $line $name: console.log, last 60 lines"
			tail -n 60 "$out/console.log" 2>/dev/null
			echo "---- $line $name: end"
		fi
	} >"$out/report.$$"
	mv "$out/report.$$" "$out/report"
	echo "$p $f" >"$out/counts"
}

# How long a scenario is expected to take on a line, in seconds.
expected() {
	local line=$1 s=$2 name
	name=$(basename "$s" .sh)
	cat "$durations/$line-$name" 2>/dev/null ||
		sed -n 's/^#@ *timeout: *//p' "$s" | grep . || echo 0
}

# Every (kernel, scenario) pair: in report order, and longest first.
pairs=()
while read -r line kver; do
	for s in "${scenarios[@]}"; do
		pairs+=("$line $kver $s")
		rm -f "$top/build/vm/$kver/$(basename "$s" .sh)/"{report,counts}
	done
done <<<"$kernels"
mapfile -t by_length < <(for p in "${pairs[@]}"; do
	read -r line kver s <<<"$p"
	echo "$(expected "$line" "$s") $p"
done | sort -s -k1,1nr | cut -d' ' -f2-)

jobs=${DDA_JOBS:-$(nproc)}
start=$SECONDS
for p in "${by_length[@]}"; do
	while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do
		wait -n || true
	done
	# shellcheck disable=SC2086 # "line kver scenario"
	run_one $p &
done

# Reports in order, each as soon as it and those before it are done.
declare -A k_passed=() k_failed=()
passed=0 failed=0
for p in "${pairs[@]}"; do
	read -r line kver s <<<"$p"
	name=$(basename "$s" .sh)
	out=$top/build/vm/$kver/$name
	while [[ ! -e $out/counts && -n $(jobs -rp) ]]; do
		wait -n 2>/dev/null || true
	done
	if [[ -e $out/counts ]]; then
		cat "$out/report"
		read -r pp ff <"$out/counts"
	else
		echo "$line $name: not ok - the runner lost it"
		pp=0 ff=1
	fi
	k_passed[$line]=$((${k_passed[$line]:-0} + pp))
	k_failed[$line]=$((${k_failed[$line]:-0} + ff))
	passed=$((passed + pp)) failed=$((failed + ff))
done
wait

echo "# ${#scenarios[@]} scenarios on $(wc -l <<<"$kernels") kernels in $((SECONDS - start))s, $jobs at a time"
while read -r line kver; do
	echo "# $line ($kver): ${k_passed[$line]} passed, ${k_failed[$line]} failed"
done <<<"$kernels"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
