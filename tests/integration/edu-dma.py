#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Make an edu device (QEMU's 1234:11e8) write into host memory by DMA, and
tell whether the memory changed.

  edu-dma.py ADDRESS

Fills a locked page with 0x5a, looks up its physical address in
/proc/self/pagemap, enables memory decoding and bus master in the device's
command register (what a rogue device or its firmware could do whatever the
host's driver said), loads the edu's buffer with 0xa5 through BAR0 and
starts a 2 KiB DMA from the edu to that physical address. Prints
"changed N" (bytes of the page that differ afterwards) and exits 0 when the
page changed, 1 when it did not, 2 on an error. Needs root and an edu
created with a dma_mask wide enough for the page (vm.sh does that).

edu registers (QEMU docs/specs/edu.rst): 0x80 DMA source, 0x88 DMA
destination, 0x90 count, 0x98 command (bit 0 start/busy, bit 1 edu -> RAM);
its buffer is at 0x40000.
"""
import ctypes
import mmap
import os
import struct
import sys
import time

PAGE = 4096
EDU_BUF = 0x40000
# QEMU 7.2's edu refuses (aborts on) a transfer of its whole 4 KiB buffer:
# an off-by-one in its range check. Half of it does.
COUNT = 2048


def phys_addr(addr):
    with open('/proc/self/pagemap', 'rb') as f:
        f.seek(addr // PAGE * 8)
        entry = struct.unpack('Q', f.read(8))[0]
    if not entry >> 63:
        sys.exit('edu-dma: page not present')
    return (entry & ((1 << 55) - 1)) * PAGE + addr % PAGE


def main(address):
    dev = '/sys/bus/pci/devices/' + address
    libc = ctypes.CDLL(None, use_errno=True)
    page = mmap.mmap(-1, PAGE)
    page.write(b'\x5a' * PAGE)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
    if libc.mlock(ctypes.c_void_p(addr), PAGE):
        sys.exit('edu-dma: mlock: %s' % os.strerror(ctypes.get_errno()))
    target = phys_addr(addr)

    with open(dev + '/config', 'r+b') as cfg:
        cfg.seek(4)
        cmd = struct.unpack('H', cfg.read(2))[0]
        cfg.seek(4)
        cfg.write(struct.pack('H', cmd | 0x6))	# memory, bus master

    fd = os.open(dev + '/resource0', os.O_RDWR | os.O_SYNC)
    bar = mmap.mmap(fd, 1 << 20)
    regs = memoryview(bar).cast('Q')
    bar[EDU_BUF:EDU_BUF + PAGE] = b'\xa5' * PAGE
    regs[0x80 // 8] = EDU_BUF
    regs[0x88 // 8] = target
    regs[0x90 // 8] = COUNT
    regs[0x98 // 8] = 0x1 | 0x2
    deadline = time.monotonic() + 10
    while regs[0x98 // 8] & 0x1:
        if time.monotonic() > deadline:
            sys.exit('edu-dma: the DMA did not finish')
        time.sleep(0.01)

    changed = sum(b != 0x5a for b in page[:PAGE])
    print('target %#x changed %d' % (target, changed))
    return 0 if changed else 1


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
