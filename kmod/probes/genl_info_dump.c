// SPDX-License-Identifier: GPL-2.0-only
/*
 * DDA_HAVE_GENL_INFO_DUMP: "genetlink: add a genl_info to struct
 * genl_dumpit_info" and genl_info_dump() (6.6) moved a dump's attributes
 * from genl_dumpit_info.attrs to its genl_info.
 */
#include <net/genetlink.h>

struct nlattr **dda_probe(struct netlink_callback *cb);
struct nlattr **dda_probe(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
