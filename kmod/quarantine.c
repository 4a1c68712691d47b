// SPDX-License-Identifier: GPL-2.0-only
/*
 * Quarantine: the dda PCI driver. Binding dda to a device is what puts it in
 * quarantine, whoever asked for the bind (a dismount, or driver_override
 * written by udev): dda takes DMA ownership of the device's IOMMU group,
 * which puts the group in a domain that blocks every DMA, clears bus
 * master, resets the device and saves its config space for the next owner.
 */
#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/iopoll.h>
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
 *
 * Owning the group's DMA is the quarantine: iommu_group_claim_dma_owner()
 * attaches the group's blocking domain, which lets no DMA through (a real
 * IOMMU_DOMAIN_BLOCKED where the IOMMU driver has one, else an empty
 * unmanaged domain the core makes), and no other driver or user can change
 * that until dda releases ownership. Entries live on dda_groups under
 * dda_groups_lock, which is taken inside device_lock (from probe and remove)
 * and held across the IOMMU calls.
 */
struct dda_group {
	struct list_head node;
	struct iommu_group *iommu_group;
	unsigned int users;
};

static LIST_HEAD(dda_groups);
static DEFINE_MUTEX(dda_groups_lock);

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
	list_for_each_entry(g, &dda_groups, node) {
		if (g->iommu_group == iommu_group) {
			g->users++;
			iommu_group_put(iommu_group);
			goto out_unlock;
		}
	}

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g) {
		err = -ENOMEM;
		goto err_put;
	}
	g->iommu_group = iommu_group;
	g->users = 1;
	err = iommu_group_claim_dma_owner(iommu_group, g);
	if (err) {
		pci_err(pdev, "IOMMU group %d is in use by a host driver (%d)\n",
			iommu_group_id(iommu_group), err);
		goto err_free;
	}
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

static void dda_group_put(struct dda_group *g)
{
	mutex_lock(&dda_groups_lock);
	if (--g->users) {
		mutex_unlock(&dda_groups_lock);
		return;
	}
	list_del(&g->node);
	mutex_unlock(&dda_groups_lock);

	iommu_group_release_dma_owner(g->iommu_group);
	iommu_group_put(g->iommu_group);
	kfree(g);
}

/* D3hot <-> D0 takes 10 ms (PCI PM 1.2, 5.6.1) unless a quirk says more. */
#define DDA_D3HOT_WAIT_MS	10
/* How long a device may take beyond that to report its new state. */
#define DDA_PM_TIMEOUT_MS	1000

/*
 * Put a device in @state: write PM_CTRL, sleep the transition time during
 * which the function must not be touched (with the PCI core's 20% slack;
 * msleep() would round 10 ms up to whole jiffies and one more), then poll
 * until PM_CTRL reports @state. 0, or -ETIMEDOUT.
 */
static int dda_pm_set(struct pci_dev *pdev, u16 csr, pci_power_t state)
{
	unsigned int ms = max_t(unsigned int, pdev->d3hot_delay,
				DDA_D3HOT_WAIT_MS);
	u16 want = (__force u16)state;
	int err, ret;

	csr = (csr & ~PCI_PM_CTRL_STATE_MASK) | want;
	pci_write_config_word(pdev, pdev->pm_cap + PCI_PM_CTRL, csr);
	usleep_range(ms * USEC_PER_MSEC, (ms + max(ms / 5, 1U)) * USEC_PER_MSEC);
	ret = read_poll_timeout(pci_read_config_word, err,
				!err && !PCI_POSSIBLE_ERROR(csr) &&
				(csr & PCI_PM_CTRL_STATE_MASK) == want,
				USEC_PER_MSEC, DDA_PM_TIMEOUT_MS * USEC_PER_MSEC,
				false, pdev, pdev->pm_cap + PCI_PM_CTRL, &csr);
	if (ret)
		pci_err(pdev, "did not report D%u within %u ms\n", want,
			ms + DDA_PM_TIMEOUT_MS);
	return ret;
}

/*
 * D3hot and back to D0 resets a device that does not say NoSoftRst. Back
 * to D0 even when D3hot was not reported: a device is of no use in D3hot.
 */
static int dda_reset_pm(struct pci_dev *pdev)
{
	u16 csr;
	int err;

	if (!pdev->pm_cap || pdev->dev_flags & PCI_DEV_FLAGS_NO_PM_RESET)
		return -ENOTTY;
	pci_read_config_word(pdev, pdev->pm_cap + PCI_PM_CTRL, &csr);
	if (csr & PCI_PM_CTRL_NO_SOFT_RESET)
		return -ENOTTY;

	err = dda_pm_set(pdev, csr, PCI_D3hot);
	if (dda_pm_set(pdev, csr, PCI_D0))
		err = -ETIMEDOUT;
	return err;
}

/* A secondary bus reset, only when it touches no other device. */
static int dda_reset_bus(struct pci_dev *pdev)
{
	struct pci_dev *other;

	if (pci_is_root_bus(pdev->bus) || !pdev->bus->self)
		return -ENOTTY;
	list_for_each_entry(other, &pdev->bus->devices, bus_list)
		if (other != pdev)
			return -ENOTTY;
	return pci_bridge_secondary_bus_reset(pdev->bus->self);
}

/*
 * Reset a device dda holds and record how, and how long it took: FLR, then
 * a PM reset, then a bus reset where that touches nothing else. Config space
 * is saved before and restored after, so the device keeps its resources;
 * bus master stays off. The caller holds the device lock.
 * Returns 0, or -ENOTTY when no method applies (recorded as none).
 */
int dda_reset(struct dda_dev *dd)
{
	struct pci_dev *pdev = dd->pdev;
	enum dda_reset method = DDA_RESET_NONE;
	ktime_t start = ktime_get();
	int err;

	device_lock_assert(&pdev->dev);
	pci_clear_master(pdev);
	pci_save_state(pdev);

	err = pcie_reset_flr(pdev, PCI_RESET_PROBE);
	if (!err) {
		method = DDA_RESET_FLR;
		err = pcie_reset_flr(pdev, PCI_RESET_DO_RESET);
	}
	if (err == -ENOTTY) {
		method = DDA_RESET_PM;
		err = dda_reset_pm(pdev);
	}
	if (err == -ENOTTY) {
		method = DDA_RESET_BUS;
		err = dda_reset_bus(pdev);
	}
	if (err)
		method = DDA_RESET_NONE;

	pci_restore_state(pdev);
	dda_dev_set_reset(dd, method,
			  ktime_to_us(ktime_sub(ktime_get(), start)));
	if (err == -ENOTTY)
		pci_warn(pdev, "no reset method: state may pass to the next owner\n");
	else if (err)
		pci_err(pdev, "reset failed (%d)\n", err);
	return err;
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

	err = dda_reset(dd);
	if (err && err != -ENOTTY)
		goto err_group;

	pci_save_state(pdev);
	pci_load_and_free_saved_state(pdev, &dd->saved);
	dd->saved = pci_store_saved_state(pdev);
	pci_set_drvdata(pdev, g);

	/* Bound from outside a dda request, e.g. by a udev rule. */
	if (adopted)
		dda_dev_end(dd, DDA_STATE_QUARANTINED, DDA_REASON_SELECTED);
	return 0;

err_group:
	dda_group_put(g);
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

	dda_group_put(pci_get_drvdata(pdev));
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
