# SPDX-License-Identifier: GPL-2.0-only
# kunit.py --qemu_config: an x86_64 q35 machine with an Intel IOMMU doing
# DMA and interrupt remapping, and an edu device behind it, the same platform
# as the integration tests' sandbox VM; and two edus behind a conventional
# PCI bridge (shpc off), which share an IOMMU group.
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0 intel_iommu=on iommu=strict',
			   extra_qemu_params=['-accel', 'tcg',
					      '-machine', 'q35,kernel-irqchip=split',
					      '-device', 'intel-iommu,intremap=on,caching-mode=on',
					      '-device', 'edu',
					      '-device', 'pci-bridge,id=br0,chassis_nr=1,shpc=off',
					      '-device', 'edu,bus=br0,addr=1',
					      '-device', 'edu,bus=br0,addr=2'])
