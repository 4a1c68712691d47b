#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh [SCENARIO...]: run integration scenarios, each in its own sandbox VM
# (vm.sh), by default every tests/integration/scenarios/*.sh in order.
# DDA_JOBS VMs run at once (default: the number of CPUs; a TCG guest keeps
# about one busy); their reports still come in the scenarios' order.
#
# Prints each scenario's "ok"/"not ok" lines prefixed with its name, and its
# times; for a failed one, QEMU's complaints, its output.log and the end of
# its console.log. Everything stays in build/vm/NAME/. The last line is "N
# passed, N failed"; a scenario that fails without a "not ok" line (exit
# status, timeout, crash) counts one failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

scenarios=("$@")
[[ $# -gt 0 ]] || scenarios=("$here"/scenarios/*.sh)

# Run one scenario; write its report and "PASSED FAILED" to build/vm/NAME/.
run_one() {
	local s=$1 name out rc=0 results p f
	name=$(basename "$s" .sh)
	out=$top/build/vm/$name
	mkdir -p "$out"
	"$here/vm.sh" "$s" "$out" >"$out/vm.log" 2>&1 || rc=$?

	results=$(grep -E '^(not )?ok ' "$out/output.log" 2>/dev/null)
	p=$(grep -c '^ok ' <<<"$results")
	f=$(grep -c '^not ok ' <<<"$results")
	{
		[[ -z $results ]] || sed "s/^/$name: /" <<<"$results"
		if [[ $rc -ne 0 && $f -eq 0 ]]; then
			if [[ $rc -eq 124 ]]; then echo "$name: not ok - timed out"
			else echo "$name: not ok - exit status $rc"; fi
			f=1
		fi
		echo "$name: # $(sed -n 's/^vm: [^:]*: //p' "$out/vm.log" | tail -n 1)"
		if [[ $rc -ne 0 || $f -gt 0 ]]; then
			echo "---- $name: vm.log (vm.sh, QEMU's stderr), first 30 lines"
			grep -v '^\[+\] ' "$out/vm.log" | head -n 30
			echo "---- $name: output.log"
			cat "$out/output.log" 2>/dev/null
			echo "---- $name: console.log, last 60 lines"
			tail -n 60 "$out/console.log" 2>/dev/null
			echo "---- $name: end"
		fi
	} >"$out/report.$$"
	mv "$out/report.$$" "$out/report"
	echo "$p $f" >"$out/counts"
}

jobs=${DDA_JOBS:-$(nproc)}
passed=0 failed=0 start=$SECONDS
for s in "${scenarios[@]}"; do
	rm -f "$top/build/vm/$(basename "$s" .sh)/"{report,counts}
done
for s in "${scenarios[@]}"; do
	while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do
		wait -n || true
	done
	run_one "$s" &
done

# Reports in order, each as soon as it and those before it are done.
for s in "${scenarios[@]}"; do
	out=$top/build/vm/$(basename "$s" .sh)
	while [[ ! -e $out/counts && -n $(jobs -rp) ]]; do
		wait -n 2>/dev/null || true
	done
	if [[ -e $out/counts ]]; then
		cat "$out/report"
		read -r p f <"$out/counts"
	else
		echo "$(basename "$s" .sh): not ok - the runner lost it"
		p=0 f=1
	fi
	passed=$((passed + p)) failed=$((failed + f))
done
wait

echo "# ${#scenarios[@]} scenarios in $((SECONDS - start))s, $jobs at a time"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
