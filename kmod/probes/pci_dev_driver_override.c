// SPDX-License-Identifier: GPL-2.0-only
/*
 * DDA_HAVE_PCI_DEV_DRIVER_OVERRIDE: the PCI bus matches drivers on struct
 * pci_dev's own driver_override, set with driver_set_override(). "PCI: use
 * generic driver_override infrastructure" (7.1, backported to 6.12.9x)
 * removed the field: PCI now matches on struct device's, set with
 * device_set_driver_override(). Between 6.12.80 and 6.12.90 both exist and
 * PCI still matches on this one, so the probe asks for this field, not for
 * the generic one.
 */
#include <linux/device.h>
#include <linux/pci.h>

int dda_probe(struct pci_dev *pdev);
int dda_probe(struct pci_dev *pdev)
{
	return driver_set_override(&pdev->dev, &pdev->driver_override, "", 0);
}
