#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# ddad under valgrind: tests/unit/test_ddad_protocol run against
# build/bin/ddad (the build without sanitizers) under memcheck, then every
# valgrind log read for errors and leaks. The last line is
# "N passed, N failed", as tests/check.sh adds up.
#
# Usage: tests/ddad/valgrind.sh
#	(after make build/bin/ddad build/san/tests/test_ddad_protocol)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
ddad=$top/build/bin/ddad
test=$top/build/san/tests/test_ddad_protocol

for f in "$ddad" "$test"; do
	if [[ ! -x $f ]]; then
		echo "valgrind.sh: $f is missing; run make ${f#"$top/"}" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
done
command -v valgrind >/dev/null || {
	echo "valgrind.sh: valgrind is not installed" >&2
	echo "0 passed, 1 failed"
	exit 1
}

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# exec keeps the pid: the test checks "already running (pid N)".
cat >"$logs/ddad" <<WRAPPER
#!/bin/sh
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \\
	--errors-for-leak-kinds=definite,indirect,possible \\
	--error-exitcode=99 --log-file="$logs/vg.%p" "$ddad" "\$@"
WRAPPER
chmod +x "$logs/ddad"

out=$(DDA_DDAD=$logs/ddad "$test" 2>&1)
rc=$?
printf '%s\n' "$out" | sed '$d'
read -r passed failed < <(printf '%s\n' "$out" | tail -n 1 |
	sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p')
[[ -z ${passed:-} ]] && passed=0 failed=1
[[ $rc -ne 0 && $failed -eq 0 ]] && failed=1

runs=0 dirty=0
for log in "$logs"/vg.*; do
	[[ -e $log ]] || continue
	runs=$((runs + 1))
	if [[ -s $log ]]; then
		dirty=$((dirty + 1))
		sed 's/^/#   /' "$log"
	fi
done
if [[ $runs -gt 0 && $dirty -eq 0 ]]; then
	echo "ok - valgrind: $runs runs of ddad, no errors, no leaks"
	passed=$((passed + 1))
else
	echo "not ok - valgrind: $dirty of $runs runs of ddad reported errors"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
