// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * PCI class codes: which of them are bridges, as dda.ko counts them.
 */
#include "libdda.h"

bool dda_class_is_bridge(uint32_t class_code)
{
	switch (class_code >> 8 & 0xffff) {
	case 0x0600:	/* host bridge */
	case 0x0604:	/* PCI-to-PCI bridge */
	case 0x0607:	/* CardBus bridge */
	case 0x0609:	/* semi-transparent PCI-to-PCI bridge */
		return true;
	default:
		return false;
	}
}
