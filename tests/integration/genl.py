#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Send one raw request to the "dda" generic netlink family and print the
answer: what the kernel sees from a careless or hostile client, without
libdda in the way.

  genl.py CMD [ATTR=VALUE ...] [--dump] [--raw TYPE:HEX ...] [--no-wait]
          [--between SHELL-CMD]

CMD is a number or a name from include/uapi/linux/dda.h (dev_get, ...).
ATTR is an attribute number or name (dev_address, dev_group, ...); VALUE is
a string (sent NUL-terminated), "flag", or u16:N / u32:N. --raw adds an
attribute of any type with the given bytes.

A change dda.ko answers EINPROGRESS (still under way after its two seconds)
is waited for as libdda does: dev_get until the device is no longer busy,
whose answer is then printed, after a line "# in progress: waited" on
stderr; --no-wait prints the EINPROGRESS answer instead.

--between runs SHELL-CMD once the request is sent, before the answer is
read: the first part of a dump is made as the request arrives, the next
only as the reader takes the one before. A dump any of whose
messages carries NLM_F_DUMP_INTR (the kernel saw the set change under it)
prints "dump_intr" after "ok".

Prints "ok" and one line per reply message (its attributes), or
"error ERRNO_NAME: extack message [at offset N]"; exits 0 on success, 1 on
an error answer, 2 on a usage problem.
"""
import errno
import os
import re
import socket
import struct
import subprocess
import sys
import time

NETLINK_GENERIC = 16
NETLINK_EXT_ACK = 11
SOL_NETLINK = 270
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      '../../include/uapi/linux/dda.h')


def uapi_enum(name, prefix):
    """Names and numbers of enum name's DDA_<prefix>* in the uapi header."""
    text = open(HEADER).read()
    body = re.search(r'enum %s \{(.*?)\};' % name, text, re.S).group(1)
    return {m.group(1).lower(): int(m.group(2)) for m in
            re.finditer(r'\bDDA_%s([A-Z0-9_]+) = (\d+)' % prefix, body)}


CMDS = uapi_enum('dda_cmd', 'CMD_')
ATTRS = uapi_enum('dda_attr', 'A_')


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack('HH', length, kind) + payload + b'\0' * (-length % 4)


def message(family, flags, cmd, attrs, seq):
    body = struct.pack('BBH', cmd, 1, 0) + attrs
    return struct.pack('IHHII', 16 + len(body), family, flags, seq, 0) + body


def parse_attrs(data):
    out = []
    while len(data) >= 4:
        length, kind = struct.unpack('HH', data[:4])
        if length < 4:
            break
        out.append((kind & 0x3fff, data[4:length]))
        data = data[(length + 3) & ~3:]
    return out


NLM_F_DUMP_INTR = 0x10
dump_intr = False


def exchange(sock, msg, between=None):
    """Send msg; return (errno, extack text, offset, [reply attr lists])."""
    global dump_intr
    sock.send(msg)
    if between:
        subprocess.run(['sh', '-c', between], check=True)
    replies = []
    while True:
        data = sock.recv(65536)
        while data:
            length, kind, flags = struct.unpack('IHH', data[:8])
            payload = data[16:length]
            dump_intr |= bool(flags & NLM_F_DUMP_INTR)
            if kind == NLMSG_ERROR:
                err = -struct.unpack('i', payload[:4])[0]
                text, offs = '', None
                # With NETLINK_EXT_ACK the TLVs follow the echoed request
                # (capped to its header when the kernel says so: flag 0x100).
                orig_len = struct.unpack('I', payload[4:8])[0]
                skip = 4 + (16 if flags & 0x100 else orig_len)
                for k, v in parse_attrs(payload[skip:]):
                    if k == NLMSGERR_ATTR_MSG:
                        text = v.rstrip(b'\0').decode()
                    elif k == NLMSGERR_ATTR_OFFS:
                        offs = struct.unpack('I', v)[0]
                return err, text, offs, replies
            if kind == NLMSG_DONE:
                return 0, '', None, replies
            replies.append(parse_attrs(payload[4:]))
            data = data[(length + 3) & ~3:]


def family_id(sock):
    err, text, _, replies = exchange(sock, message(
        GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, CTRL_CMD_GETFAMILY,
        attr(CTRL_ATTR_FAMILY_NAME, b'dda\0'), 1))
    if err:
        sys.exit('genl.py: no "dda" family: %s' % errno.errorcode[err])
    for k, v in replies[0]:
        if k == CTRL_ATTR_FAMILY_ID:
            return struct.unpack('H', v[:2])[0]
    sys.exit('genl.py: no family id in the answer')


def encode(spec):
    name, _, value = spec.partition('=')
    kind = int(name) if name.isdigit() else ATTRS[name]
    if value == 'flag':
        return attr(kind, b'')
    if value.startswith('u16:'):
        return attr(kind, struct.pack('H', int(value[4:], 0)))
    if value.startswith('u32:'):
        return attr(kind, struct.pack('I', int(value[4:], 0)))
    return attr(kind, value.encode() + b'\0')


def errname(err):
    # errno.errorcode names 95 ENOTSUP; the kernel's word is EOPNOTSUPP.
    return 'EOPNOTSUPP' if err == errno.EOPNOTSUPP else \
        errno.errorcode.get(err, str(err))


def request(argv):
    """Send the request argv describes (as on the command line) on a
    socket of its own; return (errno, extack text, offset, replies)."""
    cmd = int(argv[0]) if argv[0].isdigit() else CMDS[argv[0]]
    flags, attrs, rest = NLM_F_REQUEST | NLM_F_ACK, b'', argv[1:]
    between = None
    while rest:
        a = rest.pop(0)
        if a == '--dump':
            flags |= NLM_F_DUMP
        elif a == '--between':
            between = rest.pop(0)
        elif a == '--raw':
            kind, _, hexbytes = rest.pop(0).partition(':')
            attrs += attr(int(kind), bytes.fromhex(hexbytes))
        else:
            attrs += encode(a)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.bind((0, 0))
    try:
        return exchange(sock, message(family_id(sock), flags, cmd, attrs, 2),
                        between)
    finally:
        sock.close()


CHANGES = ('dev_dismount', 'dev_mount', 'dev_handover', 'dev_reclaim',
           'dev_reset')


def wait_idle(argv):
    """dev_get of the device argv's request names, once it is not busy."""
    address = [a for a in argv if a.startswith('dev_address=')]
    deadline = time.monotonic() + 300
    while True:
        err, text, offs, replies = request(['dev_get'] + address)
        busy = any(k == ATTRS['dev_busy'] for r in replies for k, _ in r)
        if err or not busy or time.monotonic() > deadline:
            return err, text, offs, replies
        time.sleep(0.1)


def main(argv):
    if not argv:
        sys.exit(__doc__)
    wait = '--no-wait' not in argv
    argv = [a for a in argv if a != '--no-wait']
    err, text, offs, replies = request(argv)
    if err == errno.EINPROGRESS and wait and argv[0] in CHANGES:
        print('# in progress: waited', file=sys.stderr)
        err, text, offs, replies = wait_idle(argv)
    if err:
        where = '' if offs is None else ' [at offset %d]' % offs
        print('error %s: %s%s' % (errname(err), text, where))
        return 1
    print('ok')
    if dump_intr:
        print('dump_intr')
    names = {v: k for k, v in ATTRS.items()}
    for r in replies:
        print(' '.join('%s=%s' % (names.get(k, k), v.rstrip(b'\0').decode(
            errors='replace') if k in (ATTRS['dev_address'],
                                        ATTRS['dev_driver']) else v.hex())
                       for k, v in r))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
