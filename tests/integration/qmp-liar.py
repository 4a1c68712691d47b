#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""A QMP server that lies, for the scenarios: it claims devices it was never
given (each QDEV behind a pcie-root-port of its query-pci) and says
DEVICE_DELETED of them, again and again. Every connection, every byte it
receives and every command goes to LOG, so that a scenario can tell whether
ddad ever talked to it. With --flood, once it has answered a query-pci (the
guest is up), it also sends events as fast as the socket takes them.

    qmp-liar.py [--flood] SOCKET LOG [QDEV...]
"""
import json
import os
import select
import socket
import sys
import time

flood = sys.argv[1] == "--flood"
args = sys.argv[2:] if flood else sys.argv[1:]
path, log_path, qdevs = args[0], args[1], args[2:]
FLOOD = b"".join(b'{"timestamp": {"seconds": 1, "microseconds": %d}, '
                 b'"event": "RESUME"}\r\n' % i for i in range(1000))
log = open(log_path, "a", buffering=1)


def pci():
    devices = [{"bus": 0, "slot": 0, "function": 0, "qdev_id": "",
                "class_info": {"class": 1536}}]
    for i, qdev in enumerate(qdevs):
        devices.append({
            "bus": 0, "slot": i + 1, "function": 0, "qdev_id": "rp%d" % i,
            "class_info": {"class": 1540},
            "pci_bridge": {
                "bus": {"number": 0, "secondary": i + 1,
                        "subordinate": i + 1},
                "devices": [{"bus": i + 1, "slot": 0, "function": 0,
                             "qdev_id": qdev, "class_info": {"class": 512}}]}})
    return [{"bus": 0, "devices": devices}]


def send(conn, obj):
    conn.sendall((json.dumps(obj) + "\r\n").encode())


def serve(conn):
    send(conn, {"QMP": {"version": {"qemu": {"micro": 0, "minor": 2,
                                             "major": 7}, "package": ""},
                        "capabilities": []}})
    conn.settimeout(0.3)
    buf = b""
    up = False
    while True:
        if flood and up:
            readable, writable, _ = select.select([conn], [conn], [], 0.3)
            if writable:
                conn.sendall(FLOOD)
            if not readable:
                continue
        try:
            data = conn.recv(65536)
            if not data:
                return
            log.write("received %d bytes\n" % len(data))
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                msg = json.loads(line)
                log.write("command %s\n" % msg.get("execute"))
                ret = pci() if msg.get("execute") == "query-pci" else {}
                send(conn, {"return": ret, "id": msg.get("id")})
                up = up or msg.get("execute") == "query-pci"
        except socket.timeout:
            pass
        for qdev in qdevs:
            send(conn, {"timestamp": {"seconds": int(time.time()),
                                      "microseconds": 0},
                        "event": "DEVICE_DELETED",
                        "data": {"device": qdev,
                                 "path": "/machine/peripheral/" + qdev}})


try:
    os.unlink(path)
except FileNotFoundError:
    pass
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(4)
log.write("listening as uid %d\n" % os.getuid())
while True:
    conn, _ = server.accept()
    log.write("connected\n")
    try:
        serve(conn)
    except (OSError, ValueError) as e:
        log.write("error %s\n" % e)
    conn.close()
    log.write("closed\n")
