// SPDX-License-Identifier: GPL-2.0-only
/*
 * dda_address_parse(): every form it takes, and what it must refuse.
 */
#include <errno.h>
#include <string.h>

#include "libdda.h"
#include "unit.h"

/* text as a test's description shows it: escaped, cut at 32 characters. */
static const char *shown(const char *text)
{
	static char buf[64];
	size_t n = 0;

	if (!text)
		return "(null)";
	for (; *text && n < 32; text++) {
		if (*text == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *text;
		}
	}
	strcpy(buf + n, *text ? "..." : "");
	return buf;
}

static void accepts(const char *text, const char *canonical)
{
	char out[DDA_ADDRESS_LEN + 1];
	int err;

	memset(out, 'x', sizeof(out));
	err = dda_address_parse(text, out);
	if (is_int(err, 0, "'%s' is an address", text))
		is_str(out, canonical, "'%s' is %s", text, canonical);
}

static void refuses(const char *text, const char *why)
{
	char out[DDA_ADDRESS_LEN + 1] = "untouched";

	is_int(dda_address_parse(text, out), -EINVAL,
	       "'%s' is refused: %s", shown(text), why);
	is_str(out, "untouched", "'%s' leaves the output alone", shown(text));
}

int main(void)
{
	char longest[256], out[DDA_ADDRESS_LEN + 1] = "untouched";

	/* The full form. */
	accepts("0000:00:03.0", "0000:00:03.0");
	accepts("0000:00:00.0", "0000:00:00.0");
	accepts("0001:02:1f.7", "0001:02:1f.7");
	accepts("ffff:ff:1f.7", "ffff:ff:1f.7");
	accepts("ABCD:EF:1F.7", "abcd:ef:1f.7");
	accepts("aBcD:eF:0a.1", "abcd:ef:0a.1");
	accepts("10de:0a:00.3", "10de:0a:00.3");

	/* The short form, in domain 0000. */
	accepts("00:03.0", "0000:00:03.0");
	accepts("00:1f.7", "0000:00:1f.7");
	accepts("FF:1F.7", "0000:ff:1f.7");
	accepts("3a:00.1", "0000:3a:00.1");

	/* Empty, garbage, wrong separators. */
	refuses(NULL, "no text");
	refuses("", "empty");
	refuses("xyz", "garbage");
	refuses(":", "a lone separator");
	refuses("0000:00:03:0", "':' for '.'");
	refuses("0000.00:03.0", "'.' for ':'");
	refuses("0000-00-03.0", "'-' for ':'");
	refuses("0000:00.03:0", "separators swapped");
	refuses("00.03.0", "short form with '.' for ':'");

	/* Out of range. */
	refuses("0000:00:20.0", "device 0x20 > 0x1f");
	refuses("0000:00:ff.0", "device 0xff");
	refuses("0000:00:1f.8", "function 8 > 7");
	refuses("0000:00:03.f", "function 0xf");
	refuses("00:20.0", "short form, device 0x20");
	refuses("00:00.8", "short form, function 8");

	/* Fields of the wrong width. */
	refuses("00000:00:03.0", "5-digit domain");
	refuses("000:00:03.0", "3-digit domain");
	refuses("0:00:03.0", "1-digit domain");
	refuses("0000:0:03.0", "1-digit bus");
	refuses("0000:000:03.0", "3-digit bus");
	refuses("0000:00:3.0", "1-digit device");
	refuses("0000:00:003.0", "3-digit device");
	refuses("0000:00:03.00", "2-digit function");
	refuses("0:03.0", "short form, 1-digit bus");
	refuses("000:03.0", "short form, 3-digit bus");

	/* Missing parts. */
	refuses("0000:00:03", "no function");
	refuses("0000:00:03.", "empty function");
	refuses("0000:00", "domain and bus only");
	refuses("0000:", "domain only");
	refuses("03.0", "device and function only");
	refuses("00:03", "short form without function");

	/* Non-hex digits, signs, prefixes, blanks. */
	refuses("g000:00:03.0", "'g' in the domain");
	refuses("0000:0g:03.0", "'g' in the bus");
	refuses("0000:00:0g.0", "'g' in the device");
	refuses("0x00:03.0", "0x prefix");
	refuses("+000:00:03.0", "sign");
	refuses("-000:00:03.0", "minus sign");
	refuses(" 0000:00:03.0", "leading space");
	refuses("0000: 00:03.0", "inner space");
	refuses("0000:00:03.0 ", "trailing space");
	refuses("0000:00:03.0\n", "trailing newline");

	/* Trailing junk, too many parts, over-long. */
	refuses("0000:00:03.0x", "trailing 'x'");
	refuses("0000:00:03.07", "trailing digit");
	refuses("0000:00:03.0:0", "trailing field");
	refuses("0000:00:00:03.0", "one field too many");
	refuses("00:03.0.1", "short form with a trailing field");
	memset(longest, '0', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	refuses(longest, "255 zeros");
	memcpy(longest, "0000:00:03.0", DDA_ADDRESS_LEN);
	refuses(longest, "an address and 243 zeros");

	/* The output may be the input: canonicalized in place. */
	strcpy(out, "00:1F.7");
	is_int(dda_address_parse(out, out), 0, "in place: accepted");
	is_str(out, "0000:00:1f.7", "in place: canonical");

	return unit_done();
}
