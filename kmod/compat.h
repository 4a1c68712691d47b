/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dda: the kernel interfaces that differ between the kernels dda builds on,
 * behind one name each. Which side applies comes from probes.h, generated
 * at build time by probes/probes.mk (see there for how to add a probe);
 * never from a version number, since distributions backport.
 */
#ifndef _DDA_COMPAT_H
#define _DDA_COMPAT_H

#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/irqdomain.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "probes.h"

#ifdef DDA_HAVE_LINUX_HEX_H
#include <linux/hex.h>
#endif

/*
 * Set @pdev's driver_override to @name, or clear it with NULL, where the PCI
 * bus matches on it.
 */
static inline int dda_override_set(struct pci_dev *pdev, const char *name)
{
#ifdef DDA_HAVE_PCI_DEV_DRIVER_OVERRIDE
	return driver_set_override(&pdev->dev, &pdev->driver_override,
				   name ?: "", name ? strlen(name) : 0);
#else
	return device_set_driver_override(&pdev->dev, name ?: "");
#endif
}

/*
 * A copy of @pdev's driver_override (kfree() it), NULL for none; -ENOMEM.
 * The caller holds the device lock, which guards pdev->driver_override;
 * struct device's own has a spinlock of its own.
 */
static inline const char *dda_override_dup(struct pci_dev *pdev)
{
	const char *copy = NULL;

#ifdef DDA_HAVE_PCI_DEV_DRIVER_OVERRIDE
	device_lock_assert(&pdev->dev);
	if (pdev->driver_override)
		copy = kstrdup(pdev->driver_override, GFP_KERNEL);
	if (pdev->driver_override && !copy)
		return ERR_PTR(-ENOMEM);
#else
	spin_lock(&pdev->dev.driver_override.lock);
	if (pdev->dev.driver_override.name)
		copy = kstrdup(pdev->dev.driver_override.name, GFP_ATOMIC);
	if (pdev->dev.driver_override.name && !copy)
		copy = ERR_PTR(-ENOMEM);
	spin_unlock(&pdev->dev.driver_override.lock);
#endif
	return copy;
}

/*
 * Can no device of @group forge interrupts, i.e. are its MSIs isolated (by
 * interrupt remapping)? Asked the way vfio's type1 backend asks before it
 * lets a guest have the group, on each kernel.
 */
#ifdef DDA_HAVE_IOMMU_GROUP_HAS_ISOLATED_MSI
static inline bool dda_group_isolated_msi(struct iommu_group *group)
{
	return iommu_group_has_isolated_msi(group);
}
#else
static inline int dda_dev_intr_remap(struct device *dev, void *data)
{
	return device_iommu_capable(dev, IOMMU_CAP_INTR_REMAP);
}

static inline bool dda_group_isolated_msi(struct iommu_group *group)
{
	return irq_domain_check_msi_remap() ||
	       iommu_group_for_each_dev(group, NULL, dda_dev_intr_remap);
}
#endif

/* The attributes of a dump request, as the policy parsed them. */
static inline struct nlattr **dda_dump_attrs(struct netlink_callback *cb)
{
#ifdef DDA_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/* What the KUnit suites import, to reach dda's EXPORT_SYMBOL_IF_KUNIT(). */
#ifdef DDA_HAVE_MODULE_NS_IDENTIFIER
#define DDA_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#else
#define DDA_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#endif

#endif /* _DDA_COMPAT_H */
