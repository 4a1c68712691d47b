// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI addresses and the device message: what dda tells about a device.
 */
#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "dda.h"

/* Exactly @digits hex digits of either case at @s, nothing else. */
int dda_hex(const char *s, unsigned int digits, unsigned int *val)
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

/*
 * Every device dda holds. dda_devs_lock is held only for look-ups and for
 * the fields it guards (see struct dda_dev), never across a driver bind, a
 * reset or a netlink send. It nests inside device_lock: the probe looks its
 * entry up with the device lock held.
 */
static LIST_HEAD(dda_devs);
static DEFINE_MUTEX(dda_devs_lock);

static struct dda_dev *dda_dev_find(struct pci_dev *pdev)
{
	struct dda_dev *dd;

	lockdep_assert_held(&dda_devs_lock);
	list_for_each_entry(dd, &dda_devs, node)
		if (dd->pdev == pdev)
			return dd;
	return NULL;
}

enum dda_state dda_state_of(struct pci_dev *pdev)
{
	enum dda_state state = DDA_STATE_HOST;
	struct dda_dev *dd;

	mutex_lock(&dda_devs_lock);
	dd = dda_dev_find(pdev);
	if (dd)
		state = dd->state;
	mutex_unlock(&dda_devs_lock);
	return state;
}
EXPORT_SYMBOL_IF_KUNIT(dda_state_of);

static const char *dda_dev_refusal(struct dda_dev *dd, enum dda_state from)
{
	if (dd && dd->busy)
		return "another request is changing this device";
	if (from == DDA_STATE_HOST)
		return dd->state == DDA_STATE_ASSIGNED ?
		       "the device is assigned already" :
		       "the device is quarantined already";
	if (!dd)
		return "the device is not held by dda: dismount it first";
	if (dd->state == DDA_STATE_ASSIGNED)
		return "the device is assigned: reclaim it first";
	return "the device is quarantined, not assigned";
}

/*
 * Start a transition of @pdev from state @from: mark its entry busy,
 * creating it (in state host) when @from is host. A second transition of
 * the same device fails at once with -EBUSY; one from the wrong state fails
 * with -EALREADY or -EINVAL. The extended ACK says which.
 */
struct dda_dev *dda_dev_begin(struct pci_dev *pdev, enum dda_state from,
			      struct netlink_ext_ack *extack)
{
	struct dda_dev *dd, *fresh = NULL;
	int err;

	if (from == DDA_STATE_HOST) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh)
			return ERR_PTR(-ENOMEM);
	}

	mutex_lock(&dda_devs_lock);
	dd = dda_dev_find(pdev);
	if (dd && !dd->busy && dd->state == from) {
		dd->busy = true;
		goto out_unlock;
	}
	if (!dd && fresh) {
		fresh->pdev = pci_dev_get(pdev);
		fresh->state = DDA_STATE_HOST;
		fresh->busy = true;
		list_add_tail(&fresh->node, &dda_devs);
		dd = fresh;
		fresh = NULL;
		goto out_unlock;
	}
	err = dd && dd->busy ? -EBUSY : from == DDA_STATE_HOST ? -EALREADY :
	      -EINVAL;
	dda_set_err_msg(extack, dda_dev_refusal(dd, from));
	dd = ERR_PTR(err);
out_unlock:
	mutex_unlock(&dda_devs_lock);
	kfree(fresh);
	return dd;
}
EXPORT_SYMBOL_IF_KUNIT(dda_dev_begin);

/*
 * The entry of @pdev if a transition holds it, or a new busy entry in state
 * host if dda holds nothing there (*@adopted is then true): what a probe of
 * dda works on. NULL when an idle entry exists or memory is short.
 */
struct dda_dev *dda_dev_busy(struct pci_dev *pdev, bool *adopted)
{
	struct dda_dev *dd = dda_dev_begin(pdev, DDA_STATE_HOST, NULL);

	*adopted = !IS_ERR(dd);
	if (*adopted)
		return dd;
	mutex_lock(&dda_devs_lock);
	dd = dda_dev_find(pdev);
	if (dd && !dd->busy)
		dd = NULL;
	mutex_unlock(&dda_devs_lock);
	return dd;
}

/* The saved state is dda's copy: the device's own belongs to its driver. */
static void dda_dev_free(struct dda_dev *dd)
{
	kfree(dd->saved);
	kfree(dd->original_override);
	pci_dev_put(dd->pdev);
	kfree(dd);
}

/*
 * End the transition holding @dd in @state, and tell the events group.
 * An entry that ends in host, or whose device left the bus meanwhile, is
 * freed.
 */
void dda_dev_end(struct dda_dev *dd, enum dda_state state,
		 enum dda_reason reason)
{
	struct pci_dev *pdev = pci_dev_get(dd->pdev);
	struct dda_event_extra extra = {};
	enum dda_health health;
	enum dda_state old;
	bool drop;

	mutex_lock(&dda_devs_lock);
	old = dd->state;
	extra.reset_done = dd->reset_unreported;
	extra.reset_method = dd->reset_method;
	extra.reset_usec = dd->reset_usec;
	if (dd->window_unreported)
		extra.window_usec = dd->window_usec;
	health = dd->health;
	dd->reset_unreported = false;
	dd->window_unreported = false;
	if (dd->removed) {
		state = DDA_STATE_HOST;
		reason = DDA_REASON_REMOVED;
	}
	dd->state = state;
	dd->busy = false;
	drop = state == DDA_STATE_HOST;
	/* A device with a guest pins dda.ko: rmmod says it is in use. */
	if (state == DDA_STATE_ASSIGNED && old != DDA_STATE_ASSIGNED)
		__module_get(THIS_MODULE);
	else if (old == DDA_STATE_ASSIGNED && state != DDA_STATE_ASSIGNED)
		module_put(THIS_MODULE);
	if (drop)
		list_del(&dd->node);
	mutex_unlock(&dda_devs_lock);

	if (drop)
		dda_dev_free(dd);
	/* A reset and a release are announced though the state stays. */
	if (old != state || reason == DDA_REASON_RESET ||
	    reason == DDA_REASON_RELEASE)
		dda_netlink_event(pdev, old, state, reason, health, &extra);
	pci_dev_put(pdev);
}
EXPORT_SYMBOL_IF_KUNIT(dda_dev_end);

void dda_dev_set_reset(struct dda_dev *dd, enum dda_reset method, u32 usec,
		       enum dda_health health)
{
	mutex_lock(&dda_devs_lock);
	dd->reset_method = method;
	dd->reset_usec = usec;
	dd->health = health;
	dd->reset_unreported = true;
	mutex_unlock(&dda_devs_lock);
}

/*
 * The window between owners that dda's claim of @dd's group has just ended
 * (a reclaim's probe): the transition's event reports it.
 */
void dda_dev_set_window(struct dda_dev *dd, u64 usec)
{
	mutex_lock(&dda_devs_lock);
	dd->window_usec = usec;
	dd->window_unreported = true;
	mutex_unlock(&dda_devs_lock);
}

/*
 * vfio's user has claimed the group of @pdev, which dda handed over,
 * @usec after dda let go of it: keep that, and if @pdev is assigned tell
 * the events group (reason owned, the state unchanged); if the handover
 * has not ended yet (a user that opened the group at once), its event
 * reports it.
 */
void dda_dev_window_closed(struct pci_dev *pdev, u64 usec)
{
	struct dda_event_extra extra = { .window_usec = usec };
	enum dda_health health = DDA_HEALTH_OK;
	struct dda_dev *dd;
	bool assigned = false;

	mutex_lock(&dda_devs_lock);
	dd = dda_dev_find(pdev);
	if (dd) {
		assigned = dd->state == DDA_STATE_ASSIGNED;
		dd->window_usec = usec;
		dd->window_unreported = !assigned;
		health = dd->health;
	}
	mutex_unlock(&dda_devs_lock);
	if (assigned)
		dda_netlink_event(pdev, DDA_STATE_ASSIGNED, DDA_STATE_ASSIGNED,
				  DDA_REASON_OWNED, health, &extra);
}

/* Mark @dd unhealthy for a reason other than its reset: see DDA_HEALTH_UNBOUND. */
void dda_dev_set_health(struct dda_dev *dd, enum dda_health health)
{
	mutex_lock(&dda_devs_lock);
	dd->health = health;
	mutex_unlock(&dda_devs_lock);
}

/* How @pdev came out of its last reset by dda; ok when dda holds nothing. */
enum dda_health dda_health_of(struct pci_dev *pdev)
{
	enum dda_health health = DDA_HEALTH_OK;
	struct dda_dev *dd;

	mutex_lock(&dda_devs_lock);
	dd = dda_dev_find(pdev);
	if (dd)
		health = dd->health;
	mutex_unlock(&dda_devs_lock);
	return health;
}
EXPORT_SYMBOL_IF_KUNIT(dda_health_of);

/*
 * For module unload: a quarantined device not offered before, with a
 * reference held, or NULL. Each entry is offered once, so a device that
 * cannot go back is not tried forever.
 */
struct pci_dev *dda_dev_next_unload(void)
{
	struct pci_dev *pdev = NULL;
	struct dda_dev *dd;

	mutex_lock(&dda_devs_lock);
	list_for_each_entry(dd, &dda_devs, node) {
		if (!dd->busy && !dd->unload_offered &&
		    dd->state == DDA_STATE_QUARANTINED) {
			dd->unload_offered = true;
			pdev = pci_dev_get(dd->pdev);
			break;
		}
	}
	mutex_unlock(&dda_devs_lock);
	return pdev;
}

/*
 * The generation of the set of PCI devices: it moves on whenever a device
 * comes or goes, so that a dump that spans a change can say so (see
 * dda_dump()). Never 0, which netlink takes for "no generation yet".
 */
static atomic_t dda_generation = ATOMIC_INIT(1);

unsigned int dda_devices_generation(void)
{
	return atomic_read(&dda_generation);
}

/*
 * A device that leaves the bus leaves dda. An idle entry goes at once; a
 * busy one is marked, and its transition drops it when it ends.
 */
static int dda_bus_notify(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	struct dda_dev *dd;
	enum dda_state old;

	if ((action == BUS_NOTIFY_ADD_DEVICE ||
	     action == BUS_NOTIFY_DEL_DEVICE) &&
	    !atomic_inc_return(&dda_generation))
		atomic_inc(&dda_generation);
	if (action != BUS_NOTIFY_DEL_DEVICE)
		return NOTIFY_DONE;

	mutex_lock(&dda_devs_lock);
	dd = dda_dev_find(pdev);
	if (dd && dd->busy) {
		dd->removed = true;
		dd = NULL;
	} else if (dd) {
		list_del(&dd->node);
	}
	mutex_unlock(&dda_devs_lock);
	if (!dd)
		return NOTIFY_DONE;

	old = dd->state;
	if (old == DDA_STATE_ASSIGNED)
		module_put(THIS_MODULE);
	dda_netlink_event(pdev, old, DDA_STATE_HOST, DDA_REASON_REMOVED,
			  dd->health, NULL);
	pci_info(pdev, "left the bus while %s\n",
		 old == DDA_STATE_ASSIGNED ? "assigned" : "quarantined");
	dda_dev_free(dd);
	return NOTIFY_OK;
}

static struct notifier_block dda_bus_nb = {
	.notifier_call = dda_bus_notify,
};

int dda_device_init(void)
{
	return bus_register_notifier(&pci_bus_type, &dda_bus_nb);
}

/*
 * Unload: what is left are entries of devices with a guest, which stay
 * with vfio-pci, and of devices dda could not give back, which stay
 * unbound.
 */
void dda_device_exit(void)
{
	struct dda_dev *dd, *tmp;

	bus_unregister_notifier(&pci_bus_type, &dda_bus_nb);
	list_for_each_entry_safe(dd, tmp, &dda_devs, node) {
		list_del(&dd->node);
		dda_dev_free(dd);
	}
}

/*
 * Copy the name of @pdev's driver ("" for none), without its device lock,
 * which a reclaim holds for as long as vfio-pci waits for a guest. Under
 * rcu_read_lock() the driver, once seen bound, cannot be freed: a module's
 * driver is unbound from every device before the module's memory goes, and
 * free_module() waits for an RCU grace period first.
 */
void dda_driver_name(struct pci_dev *pdev, char *buf, size_t len)
{
	struct device_driver *drv;

	buf[0] = '\0';
	rcu_read_lock();
	drv = READ_ONCE(pdev->dev.driver);
	if (drv)
		strscpy(buf, drv->name, len);
	rcu_read_unlock();
}

struct dda_group_walk {
	struct dda_members *m;
	int err;
};

static int dda_group_walk_one(struct device *dev, void *data)
{
	struct dda_group_walk *w = data;

	if (!dev_is_pci(dev))
		return 0;
	if (w->m->n == DDA_MEMBERS_MAX) {
		w->err = -E2BIG;
		return 1;
	}
	w->m->pdev[w->m->n++] = pci_dev_get(to_pci_dev(dev));
	return 0;
}

/*
 * Every PCI device of @pdev's IOMMU group, @pdev included, with references
 * held (dda_members_put() drops them). Nothing else is done inside the walk:
 * it holds the group's mutex, which ranks below device_lock.
 */
int dda_group_members(struct pci_dev *pdev, struct dda_members *m)
{
	struct iommu_group *group = iommu_group_get(&pdev->dev);
	struct dda_group_walk w = { .m = m };

	m->n = 0;
	if (!group)
		return -ENODEV;
	iommu_group_for_each_dev(group, &w, dda_group_walk_one);
	iommu_group_put(group);
	if (w.err)
		dda_members_put(m);
	return w.err;
}

void dda_members_put(struct dda_members *m)
{
	while (m->n)
		pci_dev_put(m->pdev[--m->n]);
}

/* The state, and what dda remembers of a device it holds. */
static int dda_dev_fill_held(struct sk_buff *skb, struct pci_dev *pdev)
{
	struct dda_dev *dd;
	int err = 0;

	mutex_lock(&dda_devs_lock);
	dd = dda_dev_find(pdev);
	if (!dd) {
		err = nla_put_u32(skb, DDA_A_DEV_STATE, DDA_STATE_HOST);
		goto out_unlock;
	}
	if (nla_put_u32(skb, DDA_A_DEV_STATE, dd->state) ||
	    (dd->original_driver[0] &&
	     nla_put_string(skb, DDA_A_DEV_ORIGINAL_DRIVER,
			    dd->original_driver)) ||
	    nla_put_u32(skb, DDA_A_DEV_RESET_METHOD, dd->reset_method) ||
	    nla_put_u32(skb, DDA_A_DEV_RESET_USEC, dd->reset_usec) ||
	    nla_put_u32(skb, DDA_A_DEV_HEALTH, dd->health) ||
	    (dd->busy && nla_put_flag(skb, DDA_A_DEV_BUSY)) ||
	    (dd->window_usec &&
	     nla_put_u64_64bit(skb, DDA_A_DEV_WINDOW_USEC, dd->window_usec,
			       DDA_A_PAD)))
		err = -EMSGSIZE;
out_unlock:
	mutex_unlock(&dda_devs_lock);
	return err;
}

/*
 * Fill the attributes of a device message (see DDA_CMD_DEV_GET in the uapi
 * header). Takes no device lock and wakes no device: anyone may list.
 */
int dda_dev_fill(struct sk_buff *skb, struct pci_dev *pdev)
{
	char driver[DDA_DRIVER_NAME_LEN];
	struct iommu_group *group;
	u64 unowned;
	int err;

	if (nla_put_string(skb, DDA_A_DEV_ADDRESS, pci_name(pdev)) ||
	    nla_put_u16(skb, DDA_A_DEV_VENDOR, pdev->vendor) ||
	    nla_put_u16(skb, DDA_A_DEV_DEVICE, pdev->device) ||
	    nla_put_u16(skb, DDA_A_DEV_SUBSYS_VENDOR,
			pdev->subsystem_vendor) ||
	    nla_put_u16(skb, DDA_A_DEV_SUBSYS_DEVICE,
			pdev->subsystem_device) ||
	    nla_put_u32(skb, DDA_A_DEV_CLASS, pdev->class))
		return -EMSGSIZE;

	err = dda_dev_fill_held(skb, pdev);
	if (err)
		return err;
	if (dda_window_unowned(pdev, &unowned) &&
	    nla_put_u64_64bit(skb, DDA_A_DEV_UNOWNED_USEC, unowned, DDA_A_PAD))
		return -EMSGSIZE;
	if (dda_group_held(pdev) && nla_put_flag(skb, DDA_A_DEV_HOLD))
		return -EMSGSIZE;
	if (pdev->is_virtfn &&
	    nla_put_string(skb, DDA_A_DEV_PHYSFN, pci_name(pci_physfn(pdev))))
		return -EMSGSIZE;

	group = iommu_group_get(&pdev->dev);
	if (group) {
		err = nla_put_u32(skb, DDA_A_DEV_IOMMU_GROUP,
				  iommu_group_id(group));
		iommu_group_put(group);
		if (err)
			return err;
	}

	dda_driver_name(pdev, driver, sizeof(driver));
	return driver[0] ? nla_put_string(skb, DDA_A_DEV_DRIVER, driver) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(dda_dev_fill);
