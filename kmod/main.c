// SPDX-License-Identifier: GPL-2.0-only
/*
 * dda: discrete device assignment for Linux/KVM.
 *
 * The module is thin: the netlink family (netlink.c) is the only way in;
 * device.c keeps the devices dda holds, quarantine.c is the PCI driver that
 * confines them, transition.c moves them between host and quarantine, and
 * survey.c holds every check made before a device is taken. Nothing is taken
 * from a host driver unless an administrator asks for it.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <net/genetlink.h>

#include "dda.h"

/*
 * Bring-up order: the bus notifier first (an entry must never outlive its
 * device), then the family (the driver's probes send events), then the
 * driver, which may probe at once devices whose driver_override names dda;
 * last, the devices the ids= and addresses= parameters select.
 */
static int __init dda_init(void)
{
	int err;

	err = dda_select_parse();
	if (err)
		return err;
	err = dda_device_init();
	if (err)
		return err;
	err = dda_requests_init();
	if (err)
		goto err_device;
	err = dda_netlink_init();
	if (err)
		goto err_requests;
	err = pci_register_driver(&dda_pci_driver);
	if (err)
		goto err_netlink;

	pr_info("discrete device assignment, netlink family %s v%d\n",
		DDA_GENL_NAME, DDA_GENL_VERSION);
	dda_select_at_load();
	return 0;

err_netlink:
	dda_netlink_exit();
err_requests:
	dda_requests_exit();
err_device:
	dda_device_exit();
	return err;
}

/*
 * Unload lets no request start and waits for those running; then gives
 * every quarantined device back to its host driver, while the family still
 * reports it; unregistering the driver then lets go of any device that
 * could not go back, which stays unbound with driver_override "dda". A
 * group still held (its devices left the bus) is released. Any
 * watch of a window between owners left (its devices left the bus) stops
 * before the family goes, since it reports on it.
 */
static void __exit dda_exit(void)
{
	dda_requests_exit();
	dda_mount_all();
	pci_unregister_driver(&dda_pci_driver);
	dda_groups_exit();
	dda_windows_exit();
	dda_netlink_exit();
	dda_device_exit();
}

module_init(dda_init);
module_exit(dda_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Discrete device assignment: quarantine PCI devices for VMs");
MODULE_AUTHOR("The dda authors");
MODULE_ALIAS_GENL_FAMILY(DDA_GENL_NAME);
