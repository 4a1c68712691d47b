// SPDX-License-Identifier: GPL-2.0-only
/*
 * DDA_HAVE_IOMMU_GROUP_HAS_ISOLATED_MSI: "iommu: Add
 * iommu_group_has_isolated_msi()" (6.3) replaced IOMMU_CAP_INTR_REMAP and
 * irq_domain_check_msi_remap(); vfio's type1 backend asks it since.
 */
#include <linux/iommu.h>

bool dda_probe(struct iommu_group *group);
bool dda_probe(struct iommu_group *group)
{
	return iommu_group_has_isolated_msi(group);
}
