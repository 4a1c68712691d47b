// SPDX-License-Identifier: GPL-2.0-only
/*
 * dda: discrete device assignment for Linux/KVM.
 *
 * The module is thin: the netlink family (netlink.c) is the only way in, and
 * device.c describes devices. Nothing is taken from a host driver unless an
 * administrator asks for it.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "dda.h"

static int __init dda_init(void)
{
	int err;

	err = dda_netlink_init();
	if (err)
		return err;

	pr_info("discrete device assignment, netlink family %s v%d\n",
		DDA_GENL_NAME, DDA_GENL_VERSION);
	return 0;
}

static void __exit dda_exit(void)
{
	dda_netlink_exit();
}

module_init(dda_init);
module_exit(dda_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Discrete device assignment: quarantine PCI devices for VMs");
MODULE_AUTHOR("The dda authors");
MODULE_ALIAS_GENL_FAMILY(DDA_GENL_NAME);
