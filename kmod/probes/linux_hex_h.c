// SPDX-License-Identifier: GPL-2.0-only
/*
 * DDA_HAVE_LINUX_HEX_H: hex_to_bin() has a header of its own, <linux/hex.h>
 * ("kernel.h: split out hex helpers", 6.2), which <linux/kernel.h> stopped
 * including in 7.x.
 */
#include <linux/hex.h>

int dda_probe(char c);
int dda_probe(char c)
{
	return hex_to_bin(c);
}
