// SPDX-License-Identifier: GPL-2.0-only
/*
 * Quarantine: the dda PCI driver. Binding dda to a device is what puts it in
 * quarantine, whoever asked for the bind (a dismount, or driver_override
 * written by udev): dda takes DMA ownership of the device's IOMMU group,
 * which puts the group in a domain that blocks every DMA, clears bus
 * master, resets the device and saves its config space for the next owner.
 */
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "dda.h"

bool dda_allow_unsafe_interrupts;
module_param_named(allow_unsafe_interrupts, dda_allow_unsafe_interrupts,
		   bool, 0444);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Quarantine and assign devices even without interrupt remapping; a guest may then forge interrupts (default: no)");

/*
 * struct dda_group - an IOMMU group whose DMA dda owns.
 * @iommu_group: a reference is held
 * @users: members bound to dda; the last one out gives ownership back
 * @default_type: the type of the group's default domain, as dda found it
 *	before it took ownership: see dda_default_domain_type()
 * @handover: a handover is about to release the group to vfio-pci, whose
 *	user's claim dda then watches for (window.c)
 * @hold: that handover keeps the group: the last member out leaves it on
 *	the list, owned by dda with no users ("held"), until
 *	dda_group_let_go() releases it or dda's next probe of a member takes
 *	it back; a group vfio's user let go of after such a release is held
 *	again (dda_group_hold_again())
 * @window_usec: the window between owners that dda's claim of the group
 *	ended, 0 if none was watched (dda_window_close())
 *
 * Owning the group's DMA is the quarantine: iommu_group_claim_dma_owner()
 * attaches the group's blocking domain, which lets no DMA through (a real
 * IOMMU_DOMAIN_BLOCKED where the IOMMU driver has one, else an empty
 * unmanaged domain the core makes), and no other driver or user can change
 * that until dda releases ownership. Entries live on dda_groups under
 * dda_groups_lock, which is taken inside device_lock (from probe and remove)
 * and held across the IOMMU calls; a held entry, whose members are bound to
 * vfio-pci, is freed by dda_group_let_go(), or at unload by
 * dda_groups_exit() should its devices all have left the bus.
 */
struct dda_group {
	struct list_head node;
	struct iommu_group *iommu_group;
	unsigned int users;
	const char *default_type;
	bool handover;
	bool hold;
	u64 window_usec;
};

static LIST_HEAD(dda_groups);
static DEFINE_MUTEX(dda_groups_lock);

/* A domain type by the name /sys/kernel/iommu_groups/N/type gives it. */
static const char *dda_domain_type_name(struct iommu_domain *domain)
{
	if (!domain)
		return NULL;
	switch (domain->type) {
	case IOMMU_DOMAIN_IDENTITY:
		return "identity";
	case IOMMU_DOMAIN_DMA:
		return "DMA";
	case IOMMU_DOMAIN_DMA_FQ:
		return "DMA-FQ";
	case IOMMU_DOMAIN_BLOCKED:
		return "blocked";
	case IOMMU_DOMAIN_UNMANAGED:
		return "unmanaged";
	default:
		return "other";
	}
}

static struct dda_group *dda_group_find(struct iommu_group *iommu_group)
{
	struct dda_group *g;

	lockdep_assert_held(&dda_groups_lock);
	list_for_each_entry(g, &dda_groups, node)
		if (g->iommu_group == iommu_group)
			return g;
	return NULL;
}

/*
 * The type of the default domain of @pdev's IOMMU group, by its sysfs name
 * ("identity" under iommu=pt, "DMA" or "DMA-FQ" under iommu=strict or
 * lazy), which the group is on between two owners (dda has given it up and
 * vfio-pci's user has not claimed it yet, or the other way round): as dda
 * found it before it took the group, while the group is dda's or handed
 * over by dda; else the domain it is on now, which is the default one while
 * no owner holds the group. NULL without a group or a domain.
 */
const char *dda_default_domain_type(struct pci_dev *pdev)
{
	struct iommu_group *iommu_group = iommu_group_get(&pdev->dev);
	const char *type = NULL;
	struct dda_group *g;

	if (!iommu_group)
		return NULL;
	mutex_lock(&dda_groups_lock);
	g = dda_group_find(iommu_group);
	if (g)
		type = g->default_type;
	mutex_unlock(&dda_groups_lock);
	iommu_group_put(iommu_group);
	if (!type)
		type = dda_window_default_type(pdev);
	return type ?: dda_domain_type_name(iommu_get_domain_for_dev(&pdev->dev));
}

/*
 * A handover is about to unbind dda from every member of @pdev's group:
 * the last one out releases the group and dda watches for vfio's claim;
 * with @hold it keeps the group instead, until dda_group_let_go().
 */
void dda_group_handover(struct pci_dev *pdev, bool hold)
{
	struct iommu_group *iommu_group = iommu_group_get(&pdev->dev);
	struct dda_group *g;

	if (!iommu_group)
		return;
	mutex_lock(&dda_groups_lock);
	g = dda_group_find(iommu_group);
	if (g) {
		g->handover = true;
		g->hold = hold;
		/* Reported at its claim; a reclaim of a held group ends none. */
		g->window_usec = 0;
	}
	mutex_unlock(&dda_groups_lock);
	iommu_group_put(iommu_group);
}

/* Is @pdev's group held: handed over with hold, and not released yet? */
bool dda_group_held(struct pci_dev *pdev)
{
	struct iommu_group *iommu_group = iommu_group_get(&pdev->dev);
	struct dda_group *g;
	bool held;

	if (!iommu_group)
		return false;
	mutex_lock(&dda_groups_lock);
	g = dda_group_find(iommu_group);
	held = g && !g->users;
	mutex_unlock(&dda_groups_lock);
	iommu_group_put(iommu_group);
	return held;
}

static struct dda_group *dda_group_get(struct pci_dev *pdev)
{
	struct iommu_group *iommu_group;
	struct dda_group *g;
	int err;

	iommu_group = iommu_group_get(&pdev->dev);
	if (!iommu_group) {
		pci_err(pdev, "no IOMMU group: its DMA cannot be confined\n");
		return ERR_PTR(-EOPNOTSUPP);
	}

	mutex_lock(&dda_groups_lock);
	g = dda_group_find(iommu_group);
	if (g) {
		/*
		 * Held since a handover: dda's again, with no window since
		 * the last one dda_group_hold_again() reported, if any.
		 */
		if (!g->users++) {
			g->handover = false;
			g->hold = false;
			dda_window_close(iommu_group);
		}
		iommu_group_put(iommu_group);
		goto out_unlock;
	}

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g) {
		err = -ENOMEM;
		goto err_put;
	}
	g->iommu_group = iommu_group;
	g->users = 1;
	/* A claim succeeds only from the default domain: this is it. */
	g->default_type =
		dda_domain_type_name(iommu_get_domain_for_dev(&pdev->dev));
	dda_window_pause(iommu_group);
	err = iommu_group_claim_dma_owner(iommu_group, g);
	if (err) {
		dda_window_resume(iommu_group);
		pci_err(pdev, "IOMMU group %d is in use by a host driver (%d)\n",
			iommu_group_id(iommu_group), err);
		goto err_free;
	}
	/* Owned: the window between owners, if dda watched one, ends here. */
	g->window_usec = dda_window_close(iommu_group);
	list_add(&g->node, &dda_groups);
	pci_info(pdev, "IOMMU group %d quarantined: DMA is blocked\n",
		 iommu_group_id(iommu_group));
out_unlock:
	mutex_unlock(&dda_groups_lock);
	return g;

err_free:
	kfree(g);
err_put:
	mutex_unlock(&dda_groups_lock);
	iommu_group_put(iommu_group);
	return ERR_PTR(err);
}

/*
 * Release the DMA ownership of @g, off the list: from that moment (taken
 * just before, so that no window is understated) the group has no DMA
 * owner; after a handover, until vfio's user claims it, which dda watches
 * for, @pdev being a member handed over.
 */
static void dda_group_free(struct dda_group *g, struct pci_dev *pdev)
{
	ktime_t released = ktime_get();

	iommu_group_release_dma_owner(g->iommu_group);
	if (g->handover)
		dda_window_open(g->iommu_group, pdev, g->default_type,
				released, g->hold);
	iommu_group_put(g->iommu_group);
	kfree(g);
}

/*
 * @pdev, a member, lets go of @g; the last one releases the group, unless
 * a handover holds it.
 */
static void dda_group_put(struct dda_group *g, struct pci_dev *pdev)
{
	mutex_lock(&dda_groups_lock);
	if (--g->users || g->hold) {
		mutex_unlock(&dda_groups_lock);
		return;
	}
	list_del(&g->node);
	mutex_unlock(&dda_groups_lock);
	dda_group_free(g, pdev);
}

/*
 * dda lets go of the group it holds since @pdev's handover with hold: vfio's
 * user may claim it from now on. -ENOENT if dda does not hold it.
 */
int dda_group_let_go(struct pci_dev *pdev)
{
	struct iommu_group *iommu_group = iommu_group_get(&pdev->dev);
	struct dda_group *g;

	if (!iommu_group)
		return -ENOENT;
	mutex_lock(&dda_groups_lock);
	g = dda_group_find(iommu_group);
	if (g && !g->users)
		list_del(&g->node);
	else
		g = NULL;
	mutex_unlock(&dda_groups_lock);
	iommu_group_put(iommu_group);
	if (!g)
		return -ENOENT;
	dda_group_free(g, pdev);
	return 0;
}

/*
 * vfio's user let go of @iommu_group, which dda lent it (a release after a
 * handover with hold): dda owns it again, held; the window in between is
 * reported then (reason hold), not again at the reclaim. Called from a
 * window's work, which dda_window_close() may wait for under
 * dda_groups_lock: hence the trylock; -EAGAIN to try again later.
 * -EEXIST if dda owns it already; the claim's error if vfio's user has
 * claimed it again.
 */
int dda_group_hold_again(struct iommu_group *iommu_group,
			 const char *default_type)
{
	struct dda_group *g;
	int err;

	if (!mutex_trylock(&dda_groups_lock))
		return -EAGAIN;
	if (dda_group_find(iommu_group)) {
		err = -EEXIST;
		goto out_unlock;
	}
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g) {
		err = -ENOMEM;
		goto out_unlock;
	}
	g->iommu_group = iommu_group;
	g->default_type = default_type;
	g->hold = true;
	err = iommu_group_claim_dma_owner(iommu_group, g);
	if (err) {
		kfree(g);
		goto out_unlock;
	}
	iommu_group_ref_get(iommu_group);
	list_add(&g->node, &dda_groups);
out_unlock:
	mutex_unlock(&dda_groups_lock);
	return err;
}

/*
 * Unload: a group still held has no member on the bus any more (a member
 * assigned pins dda.ko): release it.
 */
void dda_groups_exit(void)
{
	struct dda_group *g, *next;

	mutex_lock(&dda_groups_lock);
	list_for_each_entry_safe(g, next, &dda_groups, node) {
		pr_warn("IOMMU group %d: still held at unload, released\n",
			iommu_group_id(g->iommu_group));
		list_del(&g->node);
		iommu_group_release_dma_owner(g->iommu_group);
		iommu_group_put(g->iommu_group);
		kfree(g);
	}
	mutex_unlock(&dda_groups_lock);
}

/*
 * The PCI core's reset methods, by the number pdev->reset_methods[] holds:
 * the order of pci_reset_fn_methods[] in drivers/pci/pci.c, whose names the
 * device's reset_method attribute in sysfs shows. The core appends new
 * methods ("cxl_bus", 6.7); one dda does not know yet is "other".
 */
static const enum dda_reset dda_pci_reset_methods[] = {
	[1] = DDA_RESET_DEVICE_SPECIFIC,
	[2] = DDA_RESET_ACPI,
	[3] = DDA_RESET_FLR,
	[4] = DDA_RESET_AF_FLR,
	[5] = DDA_RESET_PM,
	[6] = DDA_RESET_BUS,
	[7] = DDA_RESET_CXL_BUS,
};

/*
 * The @i-th reset method the PCI core ranks for @pdev (an administrator may
 * change the ranking through sysfs), DDA_RESET_NONE past the last one.
 */
enum dda_reset dda_reset_method(struct pci_dev *pdev, unsigned int i)
{
	u8 m = i < PCI_NUM_RESET_METHODS ? READ_ONCE(pdev->reset_methods[i]) :
	       0;

	if (!m)
		return DDA_RESET_NONE;
	if (m >= ARRAY_SIZE(dda_pci_reset_methods))
		return DDA_RESET_OTHER;
	return dda_pci_reset_methods[m];
}

/*
 * Does @pdev answer as itself, with the config space it had? Its IDs, not
 * all ones, and its first BAR as pci_save_state() saved it. An SR-IOV
 * virtual function's ID registers read all ones by the specification (its
 * IDs are in its PF's SR-IOV capability), so of a VF its class code is
 * asked instead.
 */
static bool dda_answers(struct pci_dev *pdev)
{
	u32 id, bar;

	if (pdev->is_virtfn) {
		if (pci_read_config_dword(pdev, PCI_CLASS_REVISION, &id) ||
		    PCI_POSSIBLE_ERROR(id) || id >> 8 != pdev->class)
			return false;
	} else if (pci_read_config_dword(pdev, PCI_VENDOR_ID, &id) ||
		   id != ((u32)pdev->device << 16 | pdev->vendor)) {
		return false;
	}
	if (pci_read_config_dword(pdev, PCI_BASE_ADDRESS_0, &bar))
		return false;
	return bar == pdev->saved_config_space[PCI_BASE_ADDRESS_0 / 4];
}

/*
 * Reset a device dda holds, the way the PCI core resets it (its ranked
 * reset_method list, device quirks, PCI_DEV_FLAGS_NO_BUS_RESET, hotplug
 * slots whose link-down must not remove the device), as vfio does, and
 * record how, how long it took and how the device came out of it. Config
 * space is saved before and restored after, so the device keeps its
 * resources; bus master stays off; user space cannot touch config space
 * meanwhile. The method recorded is the first the core ranks: it tries the
 * next only when one does not apply at reset time, which it ruled out when
 * it ranked them. The caller holds the device lock.
 *
 * Returns 0, also when no method applies (recorded as none: nothing was
 * tried, and the survey warns of it); -EIO when the reset failed or the
 * device does not answer afterwards (asked even when no reset ran): it is
 * then marked unhealthy.
 */
int dda_reset(struct dda_dev *dd)
{
	struct pci_dev *pdev = dd->pdev;
	enum dda_reset method = dda_reset_method(pdev, 0);
	enum dda_health health = DDA_HEALTH_OK;
	ktime_t start = ktime_get();
	int err;

	device_lock_assert(&pdev->dev);
	pci_clear_master(pdev);
	pci_save_state(pdev);
	pci_cfg_access_lock(pdev);
	err = __pci_reset_function_locked(pdev);
	pci_cfg_access_unlock(pdev);
	pci_restore_state(pdev);

	if (err == -ENOTTY) {
		method = DDA_RESET_NONE;
		err = 0;
		pci_warn(pdev, "no reset method: state may pass to the next owner\n");
	}
	if (err) {
		health = DDA_HEALTH_RESET_FAILED;
		pci_err(pdev, "reset failed (%d): kept in quarantine, unhealthy\n",
			err);
		err = -EIO;
	} else if (!dda_answers(pdev)) {
		health = DDA_HEALTH_NO_ANSWER;
		err = -EIO;
		pci_err(pdev, "does not answer as itself: kept in quarantine, unhealthy\n");
	}
	dda_dev_set_reset(dd, method,
			  ktime_to_us(ktime_sub(ktime_get(), start)), health);
	return err;
}

/*
 * Keep the config space the last reset left, for the next owner: handover
 * loads it before vfio-pci probes.
 */
void dda_save_for_next(struct dda_dev *dd)
{
	struct pci_dev *pdev = dd->pdev;

	pci_save_state(pdev);
	kfree(dd->saved);
	dd->saved = pci_store_saved_state(pdev);
}

/*
 * Are @pdev's interrupts isolated, so that its next owner cannot forge
 * interrupts? The question vfio asks of the whole group before a guest gets
 * it; false without an IOMMU group.
 */
bool dda_isolated_msi(struct pci_dev *pdev)
{
	struct iommu_group *group = iommu_group_get(&pdev->dev);
	bool isolated;

	if (!group)
		return false;
	isolated = dda_group_isolated_msi(group);
	iommu_group_put(group);
	return isolated;
}

static int dda_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct dda_group *g;
	struct dda_dev *dd;
	bool adopted;
	int err;

	if (!dda_isolated_msi(pdev)) {
		if (!dda_allow_unsafe_interrupts) {
			pci_err(pdev, "no interrupt remapping: not taken (see allow_unsafe_interrupts)\n");
			return -EOPNOTSUPP;
		}
		pci_warn(pdev, "no interrupt remapping, taken as allow_unsafe_interrupts says: its next owner may forge interrupts\n");
	}

	dd = dda_dev_busy(pdev, &adopted);
	if (!dd)
		return -EBUSY;

	g = dda_group_get(pdev);
	if (IS_ERR(g)) {
		err = PTR_ERR(g);
		goto err_end;
	}

	/*
	 * DMA is blocked from here on: a device whose reset fails stays, and
	 * is marked unhealthy, rather than go back unbound and unowned.
	 */
	if (g->window_usec)
		dda_dev_set_window(dd, g->window_usec);
	dda_reset(dd);
	dda_save_for_next(dd);
	pci_set_drvdata(pdev, g);

	/* Bound from outside a dda request, e.g. by a udev rule. */
	if (adopted)
		dda_dev_end(dd, DDA_STATE_QUARANTINED, DDA_REASON_SELECTED);
	return 0;

err_end:
	if (adopted)
		dda_dev_end(dd, DDA_STATE_HOST, DDA_REASON_SELECTED);
	return err;
}

/*
 * Unbound: by a mount or a handover (the transition holds the entry), by an
 * administrator through sysfs, or because the device leaves the bus (the
 * bus notifier has dropped the entry then). The group is in drvdata, not
 * the entry, whose lifetime is the registry's.
 */
static void dda_remove(struct pci_dev *pdev)
{
	struct dda_dev *dd;

	/* No DMA of its own while the group is nobody's, on the way out. */
	pci_clear_master(pdev);
	dda_group_put(pci_get_drvdata(pdev), pdev);
	pci_set_drvdata(pdev, NULL);

	/* Outside a transition, the device is no longer dda's. */
	dd = dda_dev_begin(pdev, DDA_STATE_QUARANTINED, NULL);
	if (IS_ERR(dd))
		return;
	pci_info(pdev, "no longer quarantined: unbound outside a dda request\n");
	dda_dev_end(dd, DDA_STATE_HOST, DDA_REASON_REMOVED);
}

bool dda_bound(struct pci_dev *pdev)
{
	return pdev->dev.driver == &dda_pci_driver.driver;
}

struct pci_driver dda_pci_driver = {
	.name = "dda",
	.probe = dda_probe,
	.remove = dda_remove,
	.driver_managed_dma = true,
};
