/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI devices as sysfs shows them, for when dda.ko is not there to ask
 * (udev at boot, before dda.ko loads), and the policy applied to them.
 *
 * Every function takes the root of sysfs, "/sys" but for tests, which give
 * a tree of plain files and symbolic links of the same shape.
 */
#ifndef DDA_SYSFS_PCI_H
#define DDA_SYSFS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "libdda.h"
#include "policy.h"

#define SYSFS_ROOT	"/sys"

/* The driver dda.ko registers on the PCI bus. */
#define SYSFS_DDA_DRIVER	"dda"

struct sysfs_pci_device {
	/*
	 * As dda.ko would describe it: ids, class, driver, IOMMU group; the
	 * state is host (without dda.ko, nothing is quarantined).
	 */
	struct dda_device dev;
	char driver_override[DDA_DRIVER_SIZE];	/* "" for none */
	bool boot_vga;				/* the firmware's console */
};

/*
 * Describes every PCI device under root/bus/pci/devices, in the order of
 * their addresses. On success *out holds *count devices, to be released
 * with free(); it may be NULL when *count is 0. A device that vanishes
 * meanwhile is left out.
 */
int sysfs_pci_list(const char *root, struct sysfs_pci_device **out,
		   size_t *count);

/* Is dda.ko's PCI driver registered? */
bool sysfs_pci_dda_loaded(const char *root);

/* What policy_apply() did. */
struct policy_apply {
	size_t selected;	/* devices the policy selects */
	size_t marked;		/* driver_override set to dda by this call */
	size_t pending;		/* driver_override dda, no driver, yet */
	bool dda_loaded;	/* dda.ko was there: marked ones were probed */
};

/*
 * Applies policy to the PCI devices present: every selected device that
 * has no driver and no driver_override gets driver_override "dda", so that
 * no host driver can bind it from then on, and dda.ko binds it (probed
 * here when dda.ko is loaded; else when it loads, which result->pending
 * asks for). A device bound to a driver, or with a driver_override of its
 * own, or the boot VGA device, is left alone. When report is not NULL,
 * says there, one line per selected device, what became of it. Returns 0,
 * or a negative errno when sysfs could not be read or written (after
 * marking what could be).
 */
int policy_apply(const struct policy *policy, const char *root,
		 FILE *report, struct policy_apply *result);

#endif /* DDA_SYSFS_PCI_H */
