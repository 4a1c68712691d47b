#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: run dda's test suites and add up their results.
#
#   unit         user-space unit tests, built with ASan and UBSan
#   ynl          the YNL spec against the uapi header (tests/ynl/check-spec.sh)
#   valgrind     ddad under valgrind memcheck, through its protocol test
#   checkpatch   the kernel code under checkpatch.pl --strict
#   packaging    dkms build for each kernel, make install/uninstall, man
#                pages, completion
#   kunit        KUnit suites in a kernel built by kunit.py, under QEMU, one
#                suite per kernel line ("kunit 6.12")
#   integration  scenarios in the sandbox VM: real kernel, emulated IOMMU,
#                on every kernel
#
# The kernels are those of tests/kernels.sh (DDA_KERNELS picks some, e.g.
# DDA_KERNELS=6.12 for a quick run); each suite says which it ran on.
# Every suite ends its output with "N passed, N failed"; a suite that ends
# otherwise, or exits non-zero without a failure line, counts one failure.
# The last line of this script is the sum, in the same form.
#
# Usage: tests/check.sh all|SUITE...
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

suite_unit() {
	local t passed=0 failed=0 out rc
	for t in build/san/tests/test_*; do
		[[ -x $t ]] || continue
		out=$("$t" 2>&1); rc=$?
		printf '%s\n' "$out" | sed "s|^|${t##*/}: |"
		read -r p f < <(summary_of "$out")
		[[ $rc -ne 0 && $f -eq 0 ]] && f=1
		passed=$((passed + p)) failed=$((failed + f))
	done
	echo "$passed passed, $failed failed"
}
suite_ynl() { tests/ynl/check-spec.sh; }
suite_valgrind() { tests/ddad/valgrind.sh; }
suite_checkpatch() { tests/checkpatch.sh; }
suite_sparse() { tests/sparse.sh; }
suite_packaging() { tests/packaging.sh; }
suite_kunit() { tests/kunit/run.sh "$1"; }
suite_integration() { tests/integration/run.sh; }

# "N passed, N failed" of the last such line of $1, as "N N" (else "0 1").
summary_of() {
	local line
	line=$(printf '%s\n' "$1" | grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [[ -z $line ]]; then
		echo "0 1"
		return
	fi
	sed -E 's/^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/' <<<"$line"
}

suites=("$@")
[[ ${#suites[@]} -eq 0 || ${suites[0]} == all ]] &&
	suites=(unit ynl valgrind checkpatch sparse packaging kunit integration)

# "kunit" is one suite per kernel line.
lines=$(tests/kernels.sh list | cut -d' ' -f1) || exit 1
expanded=()
for s in "${suites[@]}"; do
	if [[ $s == kunit ]]; then
		for l in $lines; do expanded+=("kunit $l"); done
	else
		expanded+=("$s")
	fi
done
echo "== kernels: $(tests/kernels.sh list | paste -sd ',' | sed 's/,/, /g')"

total_p=0 total_f=0 report=() failures=()
for s in "${expanded[@]}"; do
	echo "== $s"
	start=$SECONDS
	# shellcheck disable=SC2086 # "kunit LINE": the suite and its argument
	out=$(suite_$s 2>&1 | tee >(cat >&2)); rc=$?
	failures+=("$(grep -E '^([^ ]+ )?([^ ]+: )?not ok ' <<<"$out" | sed "s/^/$s: /")")
	read -r p f < <(summary_of "$out")
	[[ $rc -ne 0 && $f -eq 0 ]] && f=1
	total_p=$((total_p + p)) total_f=$((total_f + f))
	report+=("$(printf '%-12s %4d passed, %3d failed  (%ds)' "$s" "$p" "$f" $((SECONDS - start)))")
done

echo "== summary"
# What failed, again, where a log's tail shows it.
printf '%s\n' "${failures[@]}" | grep . | head -n 40
printf '%s\n' "${report[@]}"
echo "$total_p passed, $total_f failed"
[[ $total_f -eq 0 ]]
