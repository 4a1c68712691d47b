// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI addresses and the device message: what dda tells about a device.
 */
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <kunit/visibility.h>

#include "dda.h"

static int dda_hex(const char *s, unsigned int digits, unsigned int *val)
{
	unsigned int i;

	*val = 0;
	for (i = 0; i < digits; i++) {
		int d = hex_to_bin(s[i]);

		if (d < 0)
			return -EINVAL;
		*val = (*val << 4) | d;
	}
	return 0;
}

/*
 * Parse the full form "DDDD:BB:DD.F" and nothing else: exactly
 * DDA_ADDRESS_LEN characters, hex digits of either case, device <= 0x1f,
 * function <= 7. User space canonicalizes the short forms before sending.
 */
int dda_addr_parse(const char *text, struct dda_addr *addr)
{
	unsigned int domain, bus, dev, fn;

	if (strlen(text) != DDA_ADDRESS_LEN || text[4] != ':' ||
	    text[7] != ':' || text[10] != '.')
		return -EINVAL;
	if (dda_hex(text, 4, &domain) || dda_hex(text + 5, 2, &bus) ||
	    dda_hex(text + 8, 2, &dev) || dda_hex(text + 11, 1, &fn))
		return -EINVAL;
	if (dev > 0x1f || fn > 7)
		return -EINVAL;

	addr->domain = domain;
	addr->bus = bus;
	addr->devfn = PCI_DEVFN(dev, fn);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dda_addr_parse);

/* Returns the device with a reference held, or NULL. */
struct pci_dev *dda_addr_get_pci_dev(const struct dda_addr *addr)
{
	return pci_get_domain_bus_and_slot(addr->domain, addr->bus,
					   addr->devfn);
}

/* dda holds no device until it can dismount one. */
enum dda_state dda_state_of(struct pci_dev *pdev)
{
	return DDA_STATE_HOST;
}

/*
 * Fill the attributes of a device message (see DDA_CMD_DEV_GET in the uapi
 * header). Takes the device lock briefly, so that the bound driver cannot
 * change or go away while its name is copied: call it without locks held.
 */
int dda_dev_fill(struct sk_buff *skb, struct pci_dev *pdev)
{
	struct iommu_group *group;
	int err;

	if (nla_put_string(skb, DDA_A_DEV_ADDRESS, pci_name(pdev)) ||
	    nla_put_u16(skb, DDA_A_DEV_VENDOR, pdev->vendor) ||
	    nla_put_u16(skb, DDA_A_DEV_DEVICE, pdev->device) ||
	    nla_put_u16(skb, DDA_A_DEV_SUBSYS_VENDOR,
			pdev->subsystem_vendor) ||
	    nla_put_u16(skb, DDA_A_DEV_SUBSYS_DEVICE,
			pdev->subsystem_device) ||
	    nla_put_u32(skb, DDA_A_DEV_CLASS, pdev->class) ||
	    nla_put_u32(skb, DDA_A_DEV_STATE, dda_state_of(pdev)))
		return -EMSGSIZE;

	group = iommu_group_get(&pdev->dev);
	if (group) {
		err = nla_put_u32(skb, DDA_A_DEV_IOMMU_GROUP,
				  iommu_group_id(group));
		iommu_group_put(group);
		if (err)
			return err;
	}

	device_lock(&pdev->dev);
	err = pdev->dev.driver ?
	      nla_put_string(skb, DDA_A_DEV_DRIVER, pdev->dev.driver->name) : 0;
	device_unlock(&pdev->dev);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(dda_dev_fill);
