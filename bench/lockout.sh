#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, in the sandbox VM: root's status latency from ddad, alone, while
# uid 65534 holds 600 connections to it, and while a guest floods its QMP
# socket with events (tests/integration/qmp-liar.py --flood). Each a median
# and a maximum over 50 requests, one connection each.
#
#@ devices: e1000e edu
#@ timeout: 600
. "$DDA_TESTLIB"
. "$DDA_SRC/bench/lib.sh"

clients=$DDA_SRC/tests/integration/clients.py
sock=/tmp/ddad/ddad.sock
insmod "$DDA_KO"
"$DDA_BIN/ddactl" dismount "$(vm_pci_addr edu0)" >/dev/null
mkdir -p /tmp/ddad
"$DDA_BIN/ddad" --socket "$sock" --state-dir /tmp/ddad &
pid=$!
wait_for 10 test -S "$sock" || { echo "bench: ddad did not start"; exit 1; }

# status_times NAME: 50 of root's status requests; "bench: NAME_ms=" lines
status_times() {
	local out med max
	out=$(/usr/bin/python3 "$clients" time "$sock" status 50) || return 1
	read -r _ _ med _ max <<<"$out"
	printf '  %-28s median %8.1f ms  max %8.1f\n' "$1" "$med" "$max"
	figure "$1_ms" "$med"
	figure "$1_max_ms" "$max"
}

echo "root's status from ddad:"
status_times status_alone
as_user /usr/bin/python3 "$clients" hold "$sock" 600 25 >/tmp/hold.out 2>&1 &
hold=$!
wait_for 60 grep -q '^held' /tmp/hold.out
status_times status_600conn
echo "  (uid 65534 $(head -n 1 /tmp/hold.out))"
kill "$hold" 2>/dev/null
wait "$hold" 2>/dev/null

/usr/bin/python3 "$DDA_SRC/tests/integration/qmp-liar.py" --flood /tmp/flood.qmp /tmp/flood.log &
flood=$!
wait_for 10 test -S /tmp/flood.qmp
DDA_SOCKET=$sock "$DDA_BIN/ddactl" vm add flood --qmp /tmp/flood.qmp >/dev/null
sleep 1
status_times status_qmpflood
kill "$flood"
wait "$flood" 2>/dev/null
kill "$pid"
wait "$pid" 2>/dev/null
