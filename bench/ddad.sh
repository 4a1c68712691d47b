#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, in the sandbox VM: ddad's footprint. Resident memory after
# start and after 1,000 status requests, and how often it wakes up in 10 s
# of idleness (it must sleep in poll(2): no timer, no spinning).
#
#@ devices: e1000e edu
#@ timeout: 900
. "$DDA_TESTLIB"
. "$DDA_SRC/bench/lib.sh"

insmod "$DDA_KO"
"$DDA_BIN/ddactl" dismount "$(vm_pci_addr edu0)" >/dev/null
mkdir -p /tmp/ddad
"$DDA_BIN/ddad" --socket /tmp/ddad/ddad.sock --state-dir /tmp/ddad &
pid=$!
wait_for 10 test -S /tmp/ddad/ddad.sock || { echo "bench: ddad did not start"; exit 1; }

field() { sed -n "s/^$1:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$pid/status"; }
# Every thread's, not only the main one's (a job's worker threads count).
switches() {
	cat /proc/"$pid"/task/*/status |
		awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n }'
}

rss_start=$(field VmRSS)
start=$(date +%s%6N)
python3 - /tmp/ddad/ddad.sock <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b''.join(b'{"id": %d, "op": "status"}\n' % i for i in range(1000)))
f, n = s.makefile('rb'), 0
for line in f:
    r = json.loads(line)
    assert r["ok"] and len(r["result"]) == 1, r
    n += 1
    if n == 1000:
        break
assert n == 1000, n
PY
end=$(date +%s%6N)
rss_after=$(field VmRSS)

# Ten seconds of nothing: the measuring window itself, not a wait.
before=$(switches)
sleep 10
wakeups=$(($(switches) - before))

echo "ddad: RSS ${rss_start} KiB after start, ${rss_after} KiB after 1000 status requests" \
	"($(( (end - start) / 1000 )) ms for the 1000); ${wakeups} wake-ups in 10 s idle"
figure ddad_rss_kib "$rss_after"
figure ddad_rss_start_kib "$rss_start"
figure status1000_ms $(( (end - start) / 1000 ))
figure idle_wakeups "$wakeups"
kill "$pid"
wait "$pid" 2>/dev/null
