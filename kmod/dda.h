/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dda: discrete device assignment -- private declarations of dda.ko.
 */
#ifndef _DDA_H
#define _DDA_H

#include <linux/types.h>
#include <linux/pci.h>
#include <net/netlink.h>
#include <linux/dda.h>

/* A PCI address as DDA_A_DEV_ADDRESS carries it, "DDDD:BB:DD.F". */
struct dda_addr {
	u16 domain;
	u8 bus;
	u8 devfn;
};

/* device.c */
int dda_addr_parse(const char *text, struct dda_addr *addr);
struct pci_dev *dda_addr_get_pci_dev(const struct dda_addr *addr);
enum dda_state dda_state_of(struct pci_dev *pdev);
int dda_dev_fill(struct sk_buff *skb, struct pci_dev *pdev);

/* netlink.c */
#if IS_ENABLED(CONFIG_KUNIT)
extern const struct nla_policy dda_dev_get_policy[DDA_A_MAX + 1];
#endif
int dda_netlink_init(void);
void dda_netlink_exit(void);

#endif /* _DDA_H */
