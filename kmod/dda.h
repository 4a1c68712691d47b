/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dda: discrete device assignment -- private declarations of dda.ko.
 */
#ifndef _DDA_H
#define _DDA_H

#include <linux/types.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/pci.h>
#include <net/netlink.h>
#include <linux/dda.h>

#include "compat.h"

#define DDA_DRIVER_NAME_LEN	32

/* A PCI address as DDA_A_DEV_ADDRESS carries it, "DDDD:BB:DD.F". */
struct dda_addr {
	u16 domain;
	u8 bus;
	u8 devfn;
};

/*
 * struct dda_dev - a device dda holds, from the start of its dismount (or
 * from a probe dda did not ask for) until it is back with the host or gone.
 *
 * Entries live on the list in device.c. dda_devs_lock guards the list and,
 * in each entry, @state, @busy, @removed, @unload_offered, the reset
 * record and the window record. The other fields belong to the one transition that holds @busy
 * (dda_dev_begin() to dda_dev_end()); only it may free the entry. @pdev
 * carries a reference for as long as the entry lives.
 */
struct dda_dev {
	struct list_head node;
	struct pci_dev *pdev;
	enum dda_state state;
	bool busy;
	bool removed;
	bool unload_offered;
	enum dda_reset reset_method;
	u32 reset_usec;
	/* How the device came out of its last reset; not ok blocks handover. */
	enum dda_health health;
	/* A reset since the last event, which the next event reports. */
	bool reset_unreported;
	/* The last window between owners of its group (window.c), or 0. */
	u64 window_usec;
	bool window_unreported;
	/* Driver and driver_override to give back; "" and NULL for none. */
	char original_driver[DDA_DRIVER_NAME_LEN];
	const char *original_override;
	/* Config space as the last reset left it, for the next owner. */
	struct pci_saved_state *saved;
};

/*
 * NL_SET_ERR_MSG() for a message chosen at run time: 6.1 takes only a
 * literal there. @msg must have static storage, as a literal has.
 */
static inline void dda_set_err_msg(struct netlink_ext_ack *extack,
				   const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

/* device.c */
int dda_hex(const char *s, unsigned int digits, unsigned int *val);
int dda_addr_parse(const char *text, struct dda_addr *addr);
struct pci_dev *dda_addr_get_pci_dev(const struct dda_addr *addr);
enum dda_state dda_state_of(struct pci_dev *pdev);
int dda_dev_fill(struct sk_buff *skb, struct pci_dev *pdev);
struct dda_dev *dda_dev_begin(struct pci_dev *pdev, enum dda_state from,
			      struct netlink_ext_ack *extack);
struct dda_dev *dda_dev_busy(struct pci_dev *pdev, bool *adopted);
void dda_dev_end(struct dda_dev *dd, enum dda_state state,
		 enum dda_reason reason);
void dda_dev_set_reset(struct dda_dev *dd, enum dda_reset method, u32 usec,
		       enum dda_health health);
void dda_dev_set_health(struct dda_dev *dd, enum dda_health health);
void dda_dev_set_window(struct dda_dev *dd, u64 usec);
void dda_dev_window_closed(struct pci_dev *pdev, u64 usec,
			   enum dda_reason reason);
enum dda_health dda_health_of(struct pci_dev *pdev);
struct pci_dev *dda_dev_next_unload(void);
void dda_driver_name(struct pci_dev *pdev, char *buf, size_t len);
unsigned int dda_devices_generation(void);

/* Devices of one IOMMU group, with references held. */
#define DDA_MEMBERS_MAX	32

struct dda_members {
	unsigned int n;
	struct pci_dev *pdev[DDA_MEMBERS_MAX];
	struct dda_dev *dd[DDA_MEMBERS_MAX];
};

int dda_group_members(struct pci_dev *pdev, struct dda_members *m);
void dda_members_put(struct dda_members *m);
int dda_device_init(void);
void dda_device_exit(void);

/* quarantine.c */
extern struct pci_driver dda_pci_driver;
extern bool dda_allow_unsafe_interrupts;
bool dda_bound(struct pci_dev *pdev);
bool dda_isolated_msi(struct pci_dev *pdev);
const char *dda_default_domain_type(struct pci_dev *pdev);
void dda_group_handover(struct pci_dev *pdev, bool hold);
bool dda_group_held(struct pci_dev *pdev);
int dda_group_let_go(struct pci_dev *pdev);
int dda_group_hold_again(struct iommu_group *iommu_group,
			 const char *default_type);
void dda_groups_exit(void);
int dda_reset(struct dda_dev *dd);
enum dda_reset dda_reset_method(struct pci_dev *pdev, unsigned int i);
void dda_save_for_next(struct dda_dev *dd);

/* survey.c */
struct dda_finding {
	enum dda_check check;
	enum dda_severity severity;
	int err;		/* what a refused transition returns */
	const char *reason;	/* static: fit for an extended ACK */
	char text[256];		/* for people: DDA_FINDING_TEXT_SIZE in libdda */
};

typedef int (*dda_finding_fn)(void *ctx, const struct dda_finding *f);
int dda_survey(struct pci_dev *pdev, dda_finding_fn fn, void *ctx);
int dda_check_dismount(struct pci_dev *pdev, bool group,
		       struct netlink_ext_ack *extack);
bool dda_is_bridge(struct pci_dev *pdev);

/* select.c */
struct dda_id {
	u16 vendor;
	u16 device;
};

int dda_id_parse(const char *text, struct dda_id *id);
int dda_param_addr_parse(const char *text, struct dda_addr *addr);
int dda_select_parse(void);
void dda_select_at_load(void);

/* transition.c */
int dda_transition_dismount(struct pci_dev *pdev, bool group,
			    enum dda_reason reason,
			    struct netlink_ext_ack *extack);
int dda_dismount(struct pci_dev *pdev, bool group,
		 struct netlink_ext_ack *extack);
int dda_mount(struct pci_dev *pdev, bool group,
	      struct netlink_ext_ack *extack);
int dda_handover(struct pci_dev *pdev, bool group,
		 struct netlink_ext_ack *extack);
int dda_handover_held(struct pci_dev *pdev, bool group,
		      struct netlink_ext_ack *extack);
int dda_let_go(struct pci_dev *pdev, bool group,
	       struct netlink_ext_ack *extack);
int dda_reclaim(struct pci_dev *pdev, bool group,
		struct netlink_ext_ack *extack);
int dda_reset_again(struct pci_dev *pdev, bool group,
		    struct netlink_ext_ack *extack);
void dda_mount_all(void);

/* window.c */
struct iommu_group;

void dda_window_open(struct iommu_group *iommu_group, struct pci_dev *pdev,
		     const char *default_type, ktime_t released, bool hold);
u64 dda_window_close(struct iommu_group *iommu_group);
void dda_window_pause(struct iommu_group *iommu_group);
void dda_window_resume(struct iommu_group *iommu_group);
void dda_window_hurry(struct pci_dev *pdev);
bool dda_window_unowned(struct pci_dev *pdev, u64 *usec);
const char *dda_window_default_type(struct pci_dev *pdev);
void dda_windows_exit(void);

/* request.c */
typedef int (*dda_change_fn)(struct pci_dev *pdev, bool group,
			     struct netlink_ext_ack *extack);
int dda_request(dda_change_fn change, struct pci_dev *pdev, bool group,
		struct netlink_ext_ack *extack);
int dda_requests_init(void);
void dda_requests_exit(void);

/* netlink.c */
#if IS_ENABLED(CONFIG_KUNIT)
extern const struct nla_policy dda_dev_get_policy[DDA_A_MAX + 1];
extern const struct nla_policy dda_dev_change_policy[DDA_A_MAX + 1];
#endif
/*
 * What an event tells besides the change: the reset the change ran, and
 * the window between owners it ended (0: none).
 */
struct dda_event_extra {
	bool reset_done;
	enum dda_reset reset_method;
	u32 reset_usec;
	u64 window_usec;
};

void dda_netlink_event(struct pci_dev *pdev, enum dda_state old,
		       enum dda_state state, enum dda_reason reason,
		       enum dda_health health,
		       const struct dda_event_extra *extra);
int dda_netlink_init(void);
void dda_netlink_exit(void);

#endif /* _DDA_H */
