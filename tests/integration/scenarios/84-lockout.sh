#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# No user locks root out of ddad: uid 65534 opens 600 connections and
# keeps them idle, pipelines 64 KiB of status requests, and a guest floods
# its QMP socket with events; root's status answers throughout: within 2 s,
# within 5 s while the flooder competes for the sandbox's two CPUs (under
# TCG, ddad built with sanitizers; bench/lockout.sh has the real figures).
# uid 65534 keeps at most 16 connections, and loses them once idle 30 s.
#
#@ devices: edu
#@ timeout: 300
. "$DDA_TESTLIB"
. "$DDA_SRC/tests/integration/ddad.sh"

clients=$DDA_SRC/tests/integration/clients.py
liar=$DDA_SRC/tests/integration/qmp-liar.py
edu=$(vm_pci_addr edu0)

# root's status, within 2 s (or SECONDS)
answers_at_once() { timeout "${1:-2}" "$ddactl" status >/dev/null; }

check "insmod dda.ko" insmod "$DDA_KO"
check "ddad starts" ddad_start
check "dismount edu" $ddactl dismount $edu

# --- 600 idle connections --------------------------------------------------
as_user /usr/bin/python3 "$clients" hold "$DDA_SOCKET" 600 33 >/tmp/hold.out 2>&1 &
hold_pid=$!
check "uid 65534 connected" wait_for 30 grep -q "^held" /tmp/hold.out
check "root's status answers at once" answers_at_once
check "root's status again" answers_at_once
check "uid 65534 kept 16 of its 600" grep -q "^held 16 of 600" /tmp/hold.out
check "ddad said why the rest were refused" grep -q \
	"a connection of uid 65534 (pid [0-9]*) refused: it has 16 already" /tmp/ddad.log
check "30 s idle: dropped" wait_for 60 grep -q "^left 0 of 600" /tmp/hold.out
wait "$hold_pid"
_run cat /tmp/hold.out

# --- pipelined status requests ----------------------------------------------
as_user /usr/bin/python3 - "$DDA_SOCKET" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
line = b'{"id": 1, "op": "status"}\n'
s.sendall(line * (65536 // len(line)))
time.sleep(20)		# and reads none of the answers
PY
pipe_pid=$!
sleep 1
check "root's status answers at once, 64 KiB of status pipelined" answers_at_once
kill "$pipe_pid" 2>/dev/null
wait "$pipe_pid" 2>/dev/null

# --- a QMP flood -------------------------------------------------------------
/usr/bin/python3 "$liar" --flood /tmp/flood.qmp /tmp/flood.log &
flood_pid=$!
check "the flooder listens" wait_for 10 test -S /tmp/flood.qmp
check "vm add flood" $ddactl vm add flood --qmp /tmp/flood.qmp
sleep 2
check "root's status answers, the guest flooding" answers_at_once 5
check "and vm list" timeout 5 "$ddactl" vm list
check "the flooder is still connected" sh -c "$ddactl vm list | grep -Eq '^flood +yes'"
_run /usr/bin/python3 "$clients" time "$DDA_SOCKET" status 20
kill "$flood_pid"
wait "$flood_pid" 2>/dev/null
check "vm remove flood" $ddactl vm remove flood

check "mount edu" $ddactl mount $edu
check "SIGTERM: ddad exits 0, no sanitizer report" ddad_stop
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
