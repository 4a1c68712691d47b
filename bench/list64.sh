#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: listing with 64 extra PCI devices (see list.sh).
#@ devices: e1000e edus:64
#@ timeout: 1800
label=64
. "$DDA_SRC/bench/list.sh"
