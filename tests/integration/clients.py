#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""ddad's clients, for the scenarios and the benchmarks.

    clients.py hold SOCKET N SECONDS   open N connections, say how many
                                       ddad kept ("held K of N") after 1 s,
                                       and after SECONDS how many are left
    clients.py time SOCKET OP N        N requests, one connection each: the
                                       median and the slowest, in ms
"""
import json
import socket
import sys
import time


def still_open(socks):
    n = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                continue
        except BlockingIOError:
            pass
        except OSError:
            continue
        n += 1
    return n


def hold(path, n, seconds):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
        except OSError:
            s.close()
            continue
        socks.append(s)
    time.sleep(1)
    print("held %d of %d" % (still_open(socks), n), flush=True)
    time.sleep(seconds)
    print("left %d of %d" % (still_open(socks), n), flush=True)


def timed(path, op, n):
    times = []
    for i in range(n):
        t = time.monotonic()
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10)
        s.connect(path)
        s.sendall(b'{"id": %d, "op": "%s"}\n' % (i, op.encode()))
        reply = json.loads(s.makefile("rb").readline())
        s.close()
        assert reply["ok"], reply
        times.append((time.monotonic() - t) * 1000)
    times.sort()
    print("%s median %.1f max %.1f" % (op, times[len(times) // 2], times[-1]))


if sys.argv[1] == "hold":
    hold(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
else:
    timed(sys.argv[2], sys.argv[3], int(sys.argv[4]))
