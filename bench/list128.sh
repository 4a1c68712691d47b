#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Benchmark: listing with 128 extra PCI devices (see list.sh).
#@ devices: e1000e edus:128
#@ timeout: 1800
label=128
. "$DDA_SRC/bench/list.sh"
