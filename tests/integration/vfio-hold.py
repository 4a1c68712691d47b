#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Be a VFIO user that does not let go: what a frozen or hostile QEMU is to
the kernel, without QEMU.

  vfio-hold.py ADDRESS device|group

Opens the device's VFIO group (/dev/vfio/N), attaches it to a new type1
container, and with "device" also opens the device itself
(VFIO_GROUP_GET_DEVICE_FD), as QEMU does. Prints "holding" once it holds
them, then holds them until it is killed. It never answers vfio-pci's
requests to give the device back.
"""
import ctypes
import os
import signal
import struct
import sys

VFIO_TYPE = ord(';')
VFIO_BASE = 100


def io(nr):
    return (VFIO_TYPE << 8) | (VFIO_BASE + nr)


VFIO_GET_API_VERSION = io(0)
VFIO_CHECK_EXTENSION = io(1)
VFIO_SET_IOMMU = io(2)
VFIO_GROUP_SET_CONTAINER = io(4)
VFIO_GROUP_GET_DEVICE_FD = io(6)
VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU = 1, 3

libc = ctypes.CDLL(None, use_errno=True)
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]


def ioctl(fd, request, arg, what):
    ret = libc.ioctl(fd, request, arg)
    if ret < 0:
        err = ctypes.get_errno()
        sys.exit(f"vfio-hold: {what}: {os.strerror(err)}")
    return ret


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ('device', 'group'):
        sys.exit(__doc__)
    address, mode = sys.argv[1], sys.argv[2]
    group = os.path.basename(os.readlink(
        f'/sys/bus/pci/devices/{address}/iommu_group'))

    container = os.open('/dev/vfio/vfio', os.O_RDWR)
    gfd = os.open(f'/dev/vfio/{group}', os.O_RDWR)
    cfd = ctypes.c_int(container)
    ioctl(gfd, VFIO_GROUP_SET_CONTAINER, ctypes.addressof(cfd),
          'VFIO_GROUP_SET_CONTAINER')
    iommu = VFIO_TYPE1v2_IOMMU
    if not ioctl(container, VFIO_CHECK_EXTENSION, iommu, 'CHECK_EXTENSION'):
        iommu = VFIO_TYPE1_IOMMU
    ioctl(container, VFIO_SET_IOMMU, iommu, 'VFIO_SET_IOMMU')
    if mode == 'device':
        name = ctypes.create_string_buffer(address.encode())
        ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, ctypes.addressof(name),
              'VFIO_GROUP_GET_DEVICE_FD')
    print('holding', flush=True)
    while True:
        signal.pause()


main()
