// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Attributes as <linux/dda.h> types them, checked before they are believed:
 * each must have its type's exact size, a string must end in a NUL and fit.
 * And addresses: those dda.ko sends, and those a caller asks about.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

int dda_attr_u16(const struct nlattr *nla, uint16_t *value)
{
	if (nla_len(nla) != sizeof(uint16_t))
		return -EBADMSG;
	*value = nla_get_u16(nla);
	return 0;
}

int dda_attr_u32(const struct nlattr *nla, uint32_t *value)
{
	if (nla_len(nla) != sizeof(uint32_t))
		return -EBADMSG;
	*value = nla_get_u32(nla);
	return 0;
}

int dda_attr_u64(const struct nlattr *nla, uint64_t *value)
{
	if (nla_len(nla) != sizeof(uint64_t))
		return -EBADMSG;
	*value = nla_get_u64(nla);
	return 0;
}

int dda_attr_string(const struct nlattr *nla, char *buf, size_t size)
{
	const char *s = nla_data(nla);
	const char *nul = memchr(s, '\0', nla_len(nla));

	if (!nul || (size_t)(nul - s) >= size)
		return -EBADMSG;
	memcpy(buf, s, nul - s + 1);
	return 0;
}

int dda_attr_address(const struct nlattr *nla, char out[DDA_ADDRESS_LEN + 1])
{
	char address[DDA_ADDRESS_LEN + 1];

	/* Always the full form, however dda_address_parse() is lenient. */
	if (dda_attr_string(nla, address, sizeof(address)) ||
	    strlen(address) != DDA_ADDRESS_LEN ||
	    dda_address_parse(address, out))
		return -EBADMSG;
	return 0;
}

int dda_address_arg(struct dda *dda, const char *address,
		    char canonical[DDA_ADDRESS_LEN + 1])
{
	if (!dda_address_parse(address, canonical))
		return 0;
	dda_set_error(dda, "'%s' is not a PCI address (expected DDDD:BB:DD.F or BB:DD.F)",
		      address ? address : "");
	return -EINVAL;
}
