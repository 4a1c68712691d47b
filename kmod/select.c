// SPDX-License-Identifier: GPL-2.0-only
/*
 * Selection at load: the ids= and addresses= parameters name devices to
 * quarantine as soon as dda.ko loads (from the initramfs, a modprobe.d line
 * or the kernel command line: dda.ids=8086:10d3), the way vfio-pci.ids= and
 * xen-pciback.hide= do. A parameter that does not parse fails the load,
 * naming what it could not read: a typo must not apply half a policy.
 */
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <kunit/visibility.h>

#include "dda.h"

static char *ids;
module_param(ids, charp, 0444);
MODULE_PARM_DESC(ids, "Quarantine these devices at load, if no driver has them (ddactl dismount takes a bound one): VENDOR:DEVICE[,...] in hex, e.g. 8086:10d3");

static char *addresses;
module_param(addresses, charp, 0444);
MODULE_PARM_DESC(addresses, "Quarantine these devices at load, if no driver has them (ddactl dismount takes a bound one): PCI addresses DDDD:BB:DD.F or BB:DD.F, comma-separated");

#define DDA_SELECT_MAX	32

/* Written once by dda_select_parse() at init, read-only afterwards. */
static struct dda_id dda_ids[DDA_SELECT_MAX];
static unsigned int dda_n_ids;
static struct dda_addr dda_addrs[DDA_SELECT_MAX];
static unsigned int dda_n_addrs;

/* "8086:10d3": four hex digits, a colon, four hex digits. */
int dda_id_parse(const char *text, struct dda_id *id)
{
	unsigned int vendor, device;

	if (strlen(text) != 9 || text[4] != ':' ||
	    dda_hex(text, 4, &vendor) || dda_hex(text + 5, 4, &device))
		return -EINVAL;
	id->vendor = vendor;
	id->device = device;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(dda_id_parse);

/* A parameter's address: the full form, or "BB:DD.F" in domain 0000. */
int dda_param_addr_parse(const char *text, struct dda_addr *addr)
{
	char full[DDA_ADDRESS_LEN + 1] = "0000:";

	if (strlen(text) == DDA_ADDRESS_LEN - 5) {
		strscpy(full + 5, text, sizeof(full) - 5);
		text = full;
	}
	return dda_addr_parse(text, addr);
}
EXPORT_SYMBOL_IF_KUNIT(dda_param_addr_parse);

/*
 * Split @list at commas and parse each item with @parse into @out, at most
 * DDA_SELECT_MAX of them. Returns how many, or -EINVAL after logging the
 * item it could not read.
 */
static int dda_select_list(const char *name, const char *list,
			   int (*parse)(const char *text, void *out),
			   void *out, size_t size)
{
	char *copy, *cursor, *item;
	int n = 0, err = 0;

	if (!list || !*list)
		return 0;
	copy = kstrdup(list, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cursor = copy;
	while ((item = strsep(&cursor, ","))) {
		item = strim(item);
		if (!*item)
			continue;
		if (n == DDA_SELECT_MAX) {
			pr_err("%s: more than %d entries\n", name,
			       DDA_SELECT_MAX);
			err = -E2BIG;
			break;
		}
		if (parse(item, out + n * size)) {
			pr_err("%s: cannot parse '%s'\n", name, item);
			err = -EINVAL;
			break;
		}
		n++;
	}
	kfree(copy);
	return err ?: n;
}

static int dda_id_parse_any(const char *text, void *out)
{
	return dda_id_parse(text, out);
}

static int dda_addr_parse_any(const char *text, void *out)
{
	return dda_param_addr_parse(text, out);
}

int dda_select_parse(void)
{
	int n;

	n = dda_select_list("ids (want VENDOR:DEVICE in hex)", ids,
			    dda_id_parse_any, dda_ids, sizeof(dda_ids[0]));
	if (n < 0)
		return n;
	dda_n_ids = n;
	n = dda_select_list("addresses (want DDDD:BB:DD.F or BB:DD.F)",
			    addresses, dda_addr_parse_any, dda_addrs,
			    sizeof(dda_addrs[0]));
	if (n < 0)
		return n;
	dda_n_addrs = n;
	return 0;
}

static bool dda_selected(struct pci_dev *pdev)
{
	unsigned int i;

	for (i = 0; i < dda_n_ids; i++)
		if (pdev->vendor == dda_ids[i].vendor &&
		    pdev->device == dda_ids[i].device)
			return true;
	for (i = 0; i < dda_n_addrs; i++)
		if (pci_domain_nr(pdev->bus) == dda_addrs[i].domain &&
		    pdev->bus->number == dda_addrs[i].bus &&
		    pdev->devfn == dda_addrs[i].devfn)
			return true;
	return false;
}

/*
 * Quarantine every selected device present now that no driver has, each as
 * a dismount would, with the same checks. A device bound to a host driver is
 * left with it (the host may be using it in ways only ddactl's checks see:
 * see dda_transition_dismount()), and so is one that cannot be taken: each
 * is logged with the reason; the load goes on.
 */
void dda_select_at_load(void)
{
	struct pci_dev *pdev = NULL;

	if (!dda_n_ids && !dda_n_addrs)
		return;
	for_each_pci_dev(pdev) {
		struct netlink_ext_ack extack = {};
		int err;

		if (!dda_selected(pdev))
			continue;
		err = dda_transition_dismount(pdev, false, DDA_REASON_SELECTED,
					      &extack);
		if (err && err != -EALREADY)
			pci_warn(pdev, "selected, but not quarantined: %s (%d)\n",
				 extack._msg ?: "see above", err);
	}
}
