// SPDX-License-Identifier: GPL-2.0-only
/*
 * Transitions: dismount and mount between host and quarantine, of one
 * device or of a whole IOMMU group as one transaction; handover and reclaim
 * between quarantine and vfio-pci, always of the whole group, since vfio
 * takes a group or nothing. Each either completes or is rolled back; no
 * device is left half way.
 *
 * A transition holds its devices' entries busy (dda_dev_begin) for its whole
 * length and no lock besides: driver binds and resets take device locks of
 * their own, so transitions of different devices run in parallel.
 */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/kmod.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "dda.h"

/*
 * The devices a transition moves: @pdev, and with @group every other
 * non-bridge device of its IOMMU group that is in state @want.
 */
static int dda_members_get(struct dda_members *m, struct pci_dev *pdev,
			   bool group, enum dda_state want,
			   struct netlink_ext_ack *extack)
{
	struct dda_members all;
	unsigned int i;
	int err;

	m->n = 0;
	m->pdev[m->n++] = pci_dev_get(pdev);
	if (!group)
		return 0;
	err = dda_group_members(pdev, &all);
	if (err == -ENODEV)
		return 0;	/* the checks refuse it, with the reason */
	if (err) {
		NL_SET_ERR_MSG(extack, "the IOMMU group has too many devices");
		return err;
	}
	for (i = 0; i < all.n; i++) {
		struct pci_dev *p = all.pdev[i];

		if (p != pdev && !dda_is_bridge(p) && dda_state_of(p) == want)
			m->pdev[m->n++] = pci_dev_get(p);
	}
	dda_members_put(&all);
	return 0;
}

/* Begin a transition of every member, or of none. */
static int dda_members_begin(struct dda_members *m, enum dda_state from,
			     struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		m->dd[i] = dda_dev_begin(m->pdev[i], from, extack);
		if (IS_ERR(m->dd[i])) {
			int err = PTR_ERR(m->dd[i]);

			while (i--)
				dda_dev_end(m->dd[i], from, DDA_REASON_DISMOUNT);
			return err;
		}
	}
	return 0;
}

static bool dda_driver_is(struct pci_dev *pdev, const char *name)
{
	char driver[DDA_DRIVER_NAME_LEN];

	dda_driver_name(pdev, driver, sizeof(driver));
	return !strcmp(driver, name);
}

/* Remember the driver and driver_override of a device about to be taken. */
static int dda_remember(struct dda_dev *dd)
{
	struct pci_dev *pdev = dd->pdev;
	const char *override;

	dda_driver_name(pdev, dd->original_driver,
			sizeof(dd->original_driver));
	device_lock(&pdev->dev);
	override = dda_override_dup(pdev);
	device_unlock(&pdev->dev);
	if (IS_ERR(override))
		return PTR_ERR(override);
	dd->original_override = override;
	return 0;
}

/*
 * Bind dda to a device whose driver has let go: driver_override first, so
 * that no other driver can take it.
 */
static int dda_take(struct pci_dev *pdev)
{
	int err;

	err = dda_override_set(pdev, dda_pci_driver.name);
	if (err)
		return err;
	err = device_attach(&pdev->dev);
	if (err < 0)
		return err;
	return dda_bound(pdev) ? 0 : -EIO;
}

/*
 * Give a device back to the driver it had: driver_override names that
 * driver while it probes, so nothing else can bind, and then goes back to
 * what it was before dda. -EIO if the driver did not bind.
 */
static int dda_give_back(struct dda_dev *dd)
{
	struct pci_dev *pdev = dd->pdev;
	const char *want = dd->original_driver;
	int err = 0;

	if (want[0]) {
		err = dda_override_set(pdev, want);
		if (!err && device_attach(&pdev->dev) >= 0 &&
		    !dda_driver_is(pdev, want))
			err = -EIO;
	}
	dda_override_set(pdev, dd->original_override);
	return err;
}

/* Has a driver, any probe in flight finished? */
static bool dda_has_driver(struct pci_dev *pdev)
{
	bool bound;

	device_lock(&pdev->dev);
	bound = pdev->dev.driver;
	device_unlock(&pdev->dev);
	return bound;
}

static void dda_release(struct dda_members *m)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (dda_bound(m->pdev[i]))
			device_release_driver(&m->pdev[i]->dev);
}

/*
 * Bind dda to every member. Every other driver lets go first, since dda's
 * probe claims the group's DMA, which no driver may still be using. A
 * runtime PM reference on each member across the unbinds and probes keeps
 * it in D0 all the way: without it, a device its driver had suspended
 * (vfio-pci's, once QEMU has closed it) is woken, suspended and woken again
 * by the driver core, waiting out the D3hot delay each time. dda's probe
 * keeps the PCI core's own reference. Returns 0 or the last failure.
 */
static int dda_members_take(struct dda_members *m)
{
	unsigned int i;
	int err, failed = 0;

	for (i = 0; i < m->n; i++)
		pm_runtime_get_sync(&m->pdev[i]->dev);
	for (i = 0; i < m->n; i++)
		if (m->pdev[i]->dev.driver && !dda_bound(m->pdev[i]))
			device_release_driver(&m->pdev[i]->dev);
	for (i = 0; i < m->n; i++) {
		err = dda_take(m->pdev[i]);
		if (err) {
			pci_err(m->pdev[i], "dda could not take it (%d)\n", err);
			failed = err;
		}
	}
	for (i = 0; i < m->n; i++)
		pm_runtime_put(&m->pdev[i]->dev);
	return failed;
}

/* What a caller hears of a device that did not come back from its reset. */
#define DDA_MSG_UNHEALTHY \
	"the device did not come back from its reset: it stays quarantined, unhealthy"

/*
 * Reset every member, each under its device lock, and keep the config space
 * of each one that came back well for its next owner. -EIO when any did
 * not: dda_reset() marked it unhealthy.
 */
static int dda_members_reset(struct dda_members *m)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < m->n; i++) {
		device_lock(&m->pdev[i]->dev);
		if (dda_reset(m->dd[i]))
			err = -EIO;
		else
			dda_save_for_next(m->dd[i]);
		device_unlock(&m->pdev[i]->dev);
	}
	return err;
}

/*
 * Quarantine every member (again), and end each transition there. A device
 * dda cannot take stays unbound with driver_override "dda", so that no
 * driver gets it, and stays dda's, its original driver remembered, marked
 * DDA_HEALTH_UNBOUND: no guest gets it, and a RESET or a MOUNT tries again.
 * Returns 0 or the last failure.
 */
static int dda_members_quarantine(struct dda_members *m,
				  enum dda_reason reason)
{
	unsigned int i;
	int err;

	err = dda_members_take(m);
	for (i = 0; i < m->n; i++) {
		if (!dda_bound(m->pdev[i])) {
			pci_err(m->pdev[i], "could not be quarantined: left unbound, unhealthy\n");
			dda_dev_set_health(m->dd[i], DDA_HEALTH_UNBOUND);
		}
		dda_dev_end(m->dd[i], DDA_STATE_QUARANTINED, reason);
	}
	return err;
}

/*
 * Dismount: host -> quarantined. All members are checked, then released by
 * their host drivers, then bound to dda, whose probe claims the group's DMA
 * and resets each device. Any failure gives every member back to its
 * driver.
 *
 * A device selected at load (ids=, addresses=: @reason DDA_REASON_SELECTED)
 * is taken only if no driver has it. The kernel cannot tell cheaply and
 * safely what the host uses of a bound device (a mounted filesystem, swap,
 * an md or dm stack on a disk of it), which ddactl's dismount checks
 * (lib/host_use.c) before asking dda: such a device is refused, -EBUSY, and
 * left with its driver. Its driver is read once driver_override names dda,
 * so no driver can bind after the look.
 */
int dda_transition_dismount(struct pci_dev *pdev, bool group,
			    enum dda_reason reason,
			    struct netlink_ext_ack *extack)
{
	struct dda_members m;
	unsigned int i, remembered = 0;
	int err;

	err = dda_members_get(&m, pdev, group, DDA_STATE_HOST, extack);
	if (err)
		goto out_put;
	for (i = 0; i < m.n; i++) {
		err = dda_check_dismount(m.pdev[i], group, extack);
		if (err)
			goto out_put;
	}
	err = dda_members_begin(&m, DDA_STATE_HOST, extack);
	if (err)
		goto out_put;

	for (i = 0; i < m.n; i++) {
		err = dda_remember(m.dd[i]);
		if (err)
			goto err_give_back;
		remembered++;
		err = dda_override_set(m.pdev[i], dda_pci_driver.name);
		if (err)
			goto err_give_back;
		if (reason == DDA_REASON_SELECTED &&
		    dda_has_driver(m.pdev[i])) {
			NL_SET_ERR_MSG(extack,
				       "bound to a host driver: not taken at load (ddactl dismount checks what the host uses of it)");
			err = -EBUSY;
			goto err_give_back;
		}
	}
	err = dda_members_take(&m);
	if (err) {
		NL_SET_ERR_MSG(extack,
			       "dda could not take the device: see the kernel log");
		goto err_give_back;
	}

	for (i = 0; i < m.n; i++) {
		pci_info(m.pdev[i], "quarantined (was %s)\n",
			 m.dd[i]->original_driver[0] ?
			 m.dd[i]->original_driver : "unbound");
		dda_dev_end(m.dd[i], DDA_STATE_QUARANTINED, reason);
	}
	goto out_put;

err_give_back:
	dda_release(&m);
	/* Only what was remembered is given back; the rest was never touched. */
	for (i = 0; i < m.n; i++) {
		if (i >= remembered) {
			dda_dev_end(m.dd[i], DDA_STATE_HOST, reason);
			continue;
		}
		if (dda_give_back(m.dd[i]))
			pci_err(m.pdev[i], "%s did not bind again\n",
				m.dd[i]->original_driver);
		dda_dev_end(m.dd[i], DDA_STATE_HOST, reason);
	}
out_put:
	dda_members_put(&m);
	return err;
}

int dda_dismount(struct pci_dev *pdev, bool group,
		 struct netlink_ext_ack *extack)
{
	return dda_transition_dismount(pdev, group, DDA_REASON_DISMOUNT,
				       extack);
}
EXPORT_SYMBOL_IF_KUNIT(dda_dismount);

/* Is any other device of @pdev's group held by dda? */
static bool dda_held_peer(struct pci_dev *pdev)
{
	struct dda_members all;
	bool held = false;
	unsigned int i;

	if (dda_group_members(pdev, &all))
		return false;
	for (i = 0; i < all.n; i++)
		held |= all.pdev[i] != pdev &&
			dda_state_of(all.pdev[i]) != DDA_STATE_HOST;
	dda_members_put(&all);
	return held;
}

static int __dda_mount(struct pci_dev *pdev, bool group,
		       enum dda_reason reason, struct netlink_ext_ack *extack)
{
	struct dda_members m;
	unsigned int i;
	int err;

	if (!group && dda_held_peer(pdev)) {
		NL_SET_ERR_MSG(extack,
			       "other devices of its IOMMU group are held by dda: mount the whole group");
		return -EBUSY;
	}

	err = dda_members_get(&m, pdev, group, DDA_STATE_QUARANTINED, extack);
	if (err)
		goto out_put;
	err = dda_members_begin(&m, DDA_STATE_QUARANTINED, extack);
	if (err)
		goto out_put;

	/*
	 * A reset before the host has it again, then out of quarantine. A
	 * device that does not come out of its reset well stays, with the
	 * rest of its group, where DMA is blocked.
	 */
	err = dda_members_reset(&m);
	if (err) {
		NL_SET_ERR_MSG(extack, DDA_MSG_UNHEALTHY);
		for (i = 0; i < m.n; i++)
			dda_dev_end(m.dd[i], DDA_STATE_QUARANTINED, reason);
		goto out_put;
	}
	dda_release(&m);

	for (i = 0; i < m.n && !err; i++)
		err = dda_give_back(m.dd[i]);
	if (err) {
		NL_SET_ERR_MSG(extack,
			       "the host driver did not bind again: the device stays quarantined");
		goto err_requarantine;
	}

	for (i = 0; i < m.n; i++) {
		pci_info(m.pdev[i], "back with the host (%s)\n",
			 m.dd[i]->original_driver[0] ?
			 m.dd[i]->original_driver : "unbound");
		dda_dev_end(m.dd[i], DDA_STATE_HOST, reason);
	}
	goto out_put;

err_requarantine:
	dda_members_quarantine(&m, reason);
out_put:
	dda_members_put(&m);
	return err;
}

/*
 * Mount: quarantined -> host. Reset, out of quarantine, and back to the
 * driver each device had before its dismount; if any of them does not bind,
 * every member is quarantined again.
 */
int dda_mount(struct pci_dev *pdev, bool group,
	      struct netlink_ext_ack *extack)
{
	return __dda_mount(pdev, group, DDA_REASON_MOUNT, extack);
}
EXPORT_SYMBOL_IF_KUNIT(dda_mount);

/* Does @is hold of every device of @pdev's group? False without a group. */
static bool dda_group_every(struct pci_dev *pdev,
			    bool (*is)(struct pci_dev *member))
{
	struct dda_members all;
	bool every = true;
	unsigned int i;

	if (dda_group_members(pdev, &all))
		return false;
	for (i = 0; i < all.n; i++)
		every &= is(all.pdev[i]);
	dda_members_put(&all);
	return every;
}

/* A bridge stays with the host; every other member goes to the guest. */
static bool dda_quarantined_or_bridge(struct pci_dev *pdev)
{
	return dda_is_bridge(pdev) ||
	       dda_state_of(pdev) == DDA_STATE_QUARANTINED;
}

/* Came out of its last reset well. */
static bool dda_healthy(struct pci_dev *pdev)
{
	return dda_health_of(pdev) == DDA_HEALTH_OK;
}

#define DDA_VFIO_DRIVER	"vfio-pci"

/*
 * Handover: quarantined -> assigned. The group goes from dda to vfio-pci,
 * with driver_override naming vfio-pci before dda lets go, so that no other
 * driver can take a device in between; each device gets back the config
 * space its last reset left. Any failure quarantines every member again.
 *
 * The window between owners, on 6.1 and 6.12 alike: dda_remove() clears bus
 * master and releases the group's DMA ownership, which puts the group back
 * on its default domain; vfio-pci's probe claims nothing; vfio claims the
 * group only when its user opens it (VFIO_GROUP_SET_CONTAINER, or on 6.12
 * an iommufd bind), which fails while dda still owns it: ownership has one
 * owner at a time. Until then nobody owns the group's DMA. Its default
 * domain is, under iommu=strict or lazy, a DMA domain with nothing of the
 * host mapped for a wholly quarantined group (its DMA faults, but for the
 * MSI window and RMRRs), under iommu=pt identity (all host memory: the
 * survey warns). Bus master stays off until the guest turns it on through
 * vfio. ATS is on whenever that default domain translates (see
 * dda_survey_ats()). Reclaim has the mirror window: from the user's close
 * of the group (vfio_pci_core_disable() clears bus master first) to dda's
 * probe. Nothing tells dda of vfio's claim or release: window.c asks
 * (iommu_group_dma_owner_claimed(), every millisecond at first) from dda's
 * release to its next claim, and reports each window's length, an upper
 * bound, on the events group and in the device message.
 *
 * With @hold the window is shorter: dda keeps the group's DMA while
 * vfio-pci binds (its probe claims nothing, vfio-pci being a driver that
 * manages DMA itself), so the group stays blocked and no VFIO user can open
 * it; dda_let_go() releases it when its caller's QEMU is about to open it.
 */
static int __dda_handover(struct pci_dev *pdev, bool hold,
			  struct netlink_ext_ack *extack)
{
	struct dda_members m;
	unsigned int i;
	int err;

	if (!dda_group_every(pdev, dda_quarantined_or_bridge)) {
		NL_SET_ERR_MSG(extack,
			       "its IOMMU group is not wholly quarantined: dismount the whole group first");
		return dda_state_of(pdev) == DDA_STATE_QUARANTINED ? -EBUSY :
		       -EINVAL;
	}
	if (!dda_group_every(pdev, dda_healthy)) {
		NL_SET_ERR_MSG(extack,
			       "a device of its IOMMU group did not come back from its last reset: reset it again first");
		return -EIO;
	}
	/* Built in, or loaded already; else ask modprobe for it. */
	if (!driver_find(DDA_VFIO_DRIVER, &pci_bus_type) &&
	    (request_module(DDA_VFIO_DRIVER) ||
	     !driver_find(DDA_VFIO_DRIVER, &pci_bus_type))) {
		NL_SET_ERR_MSG(extack, "vfio-pci is not available");
		return -ENOENT;
	}

	err = dda_members_get(&m, pdev, true, DDA_STATE_QUARANTINED, extack);
	if (err)
		goto out_put;
	err = dda_members_begin(&m, DDA_STATE_QUARANTINED, extack);
	if (err)
		goto out_put;

	for (i = 0; i < m.n; i++) {
		pci_load_saved_state(m.pdev[i], m.dd[i]->saved);
		pci_restore_state(m.pdev[i]);
		err = dda_override_set(m.pdev[i], DDA_VFIO_DRIVER);
		if (err)
			goto err_requarantine;
	}
	dda_group_handover(pdev, hold);
	dda_release(&m);
	for (i = 0; i < m.n; i++) {
		if (device_attach(&m.pdev[i]->dev) < 0 ||
		    !dda_driver_is(m.pdev[i], DDA_VFIO_DRIVER)) {
			NL_SET_ERR_MSG(extack,
				       "vfio-pci did not bind: the device stays quarantined");
			err = -EIO;
			goto err_requarantine;
		}
	}

	for (i = 0; i < m.n; i++) {
		pci_info(m.pdev[i], "handed over to vfio-pci%s\n",
			 hold ? ", its IOMMU group held until released" : "");
		dda_dev_end(m.dd[i], DDA_STATE_ASSIGNED, DDA_REASON_HANDOVER);
	}
	goto out_put;

err_requarantine:
	dda_release(&m);
	dda_members_quarantine(&m, DDA_REASON_HANDOVER);
out_put:
	dda_members_put(&m);
	return err;
}

int dda_handover(struct pci_dev *pdev, bool group,
		 struct netlink_ext_ack *extack)
{
	return __dda_handover(pdev, false, extack);
}
EXPORT_SYMBOL_IF_KUNIT(dda_handover);

int dda_handover_held(struct pci_dev *pdev, bool group,
		      struct netlink_ext_ack *extack)
{
	return __dda_handover(pdev, true, extack);
}
EXPORT_SYMBOL_IF_KUNIT(dda_handover_held);

/*
 * Release: the group a handover with hold kept is let go, for vfio's user
 * to claim; the window between owners starts here, and dda watches it
 * (window.c). The devices stay assigned; each is reported, reason release.
 */
int dda_let_go(struct pci_dev *pdev, bool group,
	       struct netlink_ext_ack *extack)
{
	struct dda_members m;
	unsigned int i;
	int err;

	err = dda_members_get(&m, pdev, true, DDA_STATE_ASSIGNED, extack);
	if (err)
		goto out_put;
	err = dda_members_begin(&m, DDA_STATE_ASSIGNED, extack);
	if (err)
		goto out_put;

	err = dda_group_let_go(pdev);
	if (err) {
		NL_SET_ERR_MSG(extack,
			       "dda does not hold its IOMMU group: handed over without hold, or released already");
		err = -EINVAL;
	}
	for (i = 0; i < m.n; i++) {
		if (!err)
			pci_info(m.pdev[i], "IOMMU group released to vfio's user\n");
		/* Unchanged and unannounced, unless released. */
		dda_dev_end(m.dd[i], DDA_STATE_ASSIGNED,
			    err ? DDA_REASON_HANDOVER : DDA_REASON_RELEASE);
	}
out_put:
	dda_members_put(&m);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(dda_let_go);

/*
 * Bind vfio-pci to every member again, the way handover does; true if it
 * took them all.
 */
static bool dda_members_to_vfio(struct dda_members *m)
{
	bool all = true;
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		if (m->pdev[i]->dev.driver)
			continue;
		all &= !dda_override_set(m->pdev[i], DDA_VFIO_DRIVER) &&
		       device_attach(&m->pdev[i]->dev) >= 0 &&
		       dda_driver_is(m->pdev[i], DDA_VFIO_DRIVER);
	}
	return all;
}

/*
 * Reclaim: assigned -> quarantined, the whole group, from vfio-pci back to
 * dda, whose probe resets each device. vfio-pci lets go of a device only
 * once its user (QEMU) has closed it: this waits for that, in dda's worker
 * (see request.c). A VFIO user may still hold the group itself (its
 * container attached) when the devices are closed: dda's probe then cannot
 * claim the group's DMA, and the devices go back to vfio-pci, assigned,
 * which is where they were; -EBUSY.
 */
int dda_reclaim(struct pci_dev *pdev, bool group,
		struct netlink_ext_ack *extack)
{
	struct dda_members m;
	unsigned int i;
	int err;

	err = dda_members_get(&m, pdev, true, DDA_STATE_ASSIGNED, extack);
	if (err)
		goto out_put;
	err = dda_members_begin(&m, DDA_STATE_ASSIGNED, extack);
	if (err)
		goto out_put;

	dda_window_hurry(pdev);
	err = dda_members_take(&m);
	if (err) {
		dda_release(&m);
		if (dda_members_to_vfio(&m)) {
			NL_SET_ERR_MSG(extack,
				       "a VFIO user still holds the IOMMU group: the devices stay with vfio-pci");
			for (i = 0; i < m.n; i++)
				dda_dev_end(m.dd[i], DDA_STATE_ASSIGNED,
					    DDA_REASON_RECLAIM);
			err = -EBUSY;
			goto out_put;
		}
		NL_SET_ERR_MSG(extack,
			       "dda could not take the devices back: they stay dda's, unbound and unhealthy (see the kernel log)");
	}
	for (i = 0; i < m.n; i++) {
		if (!dda_bound(m.pdev[i])) {
			pci_err(m.pdev[i], "could not be reclaimed: left unbound, unhealthy\n");
			dda_dev_set_health(m.dd[i], DDA_HEALTH_UNBOUND);
		}
		dda_dev_end(m.dd[i], DDA_STATE_QUARANTINED, DDA_REASON_RECLAIM);
	}
out_put:
	dda_members_put(&m);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(dda_reclaim);

/*
 * Module unload: every quarantined device goes back to its host driver,
 * group by group. One that cannot stays unbound, with driver_override still
 * "dda", so that no other driver takes it.
 */
void dda_mount_all(void)
{
	struct pci_dev *pdev;

	while ((pdev = dda_dev_next_unload())) {
		if (__dda_mount(pdev, true, DDA_REASON_UNLOAD, NULL))
			pci_err(pdev, "not given back at unload: left unbound\n");
		pci_dev_put(pdev);
	}
}

/*
 * Reset: a quarantined device (with @group, every quarantined device of its
 * IOMMU group) is reset again, and its config space kept for the next
 * owner. The administrator's way to clear a device that did not come back
 * from a reset: it is healthy again when this reset goes well.
 */
int dda_reset_again(struct pci_dev *pdev, bool group,
		    struct netlink_ext_ack *extack)
{
	struct dda_members m;
	unsigned int i;
	int err;

	err = dda_members_get(&m, pdev, group, DDA_STATE_QUARANTINED, extack);
	if (err)
		goto out_put;
	err = dda_members_begin(&m, DDA_STATE_QUARANTINED, extack);
	if (err)
		goto out_put;

	/* One dda could not bind before (DDA_HEALTH_UNBOUND) is tried again. */
	err = dda_members_take(&m);
	if (!err)
		err = dda_members_reset(&m);
	for (i = 0; i < m.n; i++) {
		if (!dda_bound(m.pdev[i]))
			dda_dev_set_health(m.dd[i], DDA_HEALTH_UNBOUND);
		dda_dev_end(m.dd[i], DDA_STATE_QUARANTINED, DDA_REASON_RESET);
	}
	if (err)
		NL_SET_ERR_MSG(extack, DDA_MSG_UNHEALTHY);
out_put:
	dda_members_put(&m);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(dda_reset_again);
