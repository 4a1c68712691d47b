// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/class.c: which PCI class codes are bridges, as dda.ko counts them.
 */
#include <stdbool.h>
#include <stdint.h>

#include "libdda.h"
#include "unit.h"
#include "util.h"

static const struct {
	uint32_t class_code;
	bool bridge;
	const char *what;
} classes[] = {
	{ 0x060000, true, "a host bridge" },
	{ 0x060400, true, "a PCI-to-PCI bridge" },
	{ 0x060401, true, "a subtractive PCI-to-PCI bridge" },
	{ 0x060700, true, "a CardBus bridge" },
	{ 0x060940, true, "a semi-transparent bridge" },
	{ 0x060100, false, "an ISA bridge: a type 0 header" },
	{ 0x068000, false, "another bridge" },
	{ 0x020000, false, "an Ethernet controller" },
	{ 0x000604, false, "0x0604 in the wrong bytes" },
	{ 0xff060400, true, "bits above the class code are ignored" },
};

int main(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(classes); i++)
		is_int(dda_class_is_bridge(classes[i].class_code),
		       classes[i].bridge, "%06x, %s: %s", classes[i].class_code,
		       classes[i].what, classes[i].bridge ? "a bridge" : "not");
	return unit_done();
}
