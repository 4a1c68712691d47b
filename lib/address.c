// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * PCI addresses: "DDDD:BB:DD.F", or "BB:DD.F" in domain 0000.
 *
 * Only these two fixed-width forms are taken, so that an address means one
 * thing to people, to scripts and to dda.ko: no spaces, signs, "0x" or
 * short fields, as sscanf() would let through.
 */
#include <errno.h>
#include <stdio.h>

#include "libdda.h"
#include "util.h"

#define PCI_DEVICE_MAX		0x1f
#define PCI_FUNCTION_MAX	0x7

/*
 * Reads exactly digits hex digits at *p into *value and moves *p past them.
 * A digit past the last one is not read here: the caller checks what ends
 * the field.
 */
static int hex_field(const char **p, int digits, unsigned int *value)
{
	unsigned int v = 0;
	int i, d;

	for (i = 0; i < digits; i++) {
		d = hex_digit((*p)[i]);
		if (d < 0)
			return -EINVAL;
		v = v << 4 | d;
	}
	*p += digits;
	*value = v;
	return 0;
}

/* Expects the character c at *p, and moves past it. */
static int expect(const char **p, char c)
{
	if (**p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

int dda_address_parse(const char *text, char out[DDA_ADDRESS_LEN + 1])
{
	unsigned int domain = 0, bus, device, function;
	const char *p = text;

	if (!text)
		return -EINVAL;

	/* The domain is there when the third character ends a 2-digit bus. */
	if (!(text[0] && text[1] && text[2] == ':')) {
		if (hex_field(&p, 4, &domain) || expect(&p, ':'))
			return -EINVAL;
	}
	if (hex_field(&p, 2, &bus) || expect(&p, ':') ||
	    hex_field(&p, 2, &device) || expect(&p, '.') ||
	    hex_field(&p, 1, &function) || *p)
		return -EINVAL;
	if (device > PCI_DEVICE_MAX || function > PCI_FUNCTION_MAX)
		return -EINVAL;

	snprintf(out, DDA_ADDRESS_LEN + 1, "%04x:%02x:%02x.%x",
		 domain, bus, device, function);
	return 0;
}
