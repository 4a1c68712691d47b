// SPDX-License-Identifier: GPL-2.0-only
/*
 * The window between owners: how long an IOMMU group dda handed over had
 * no DMA owner. dda releases the group's DMA ownership when it hands the
 * group to vfio-pci; vfio claims it only when its user (QEMU) opens the
 * group, and releases it when that user closes it, before dda's reclaim
 * claims it again (see dda_handover()). The kernel tells no one of vfio's
 * claim or release, so dda asks, with iommu_group_dma_owner_claimed(), from
 * its release until its next claim: every millisecond for the first
 * DDA_WINDOW_FAST, then every 10 ms up to 10 s, every 100 ms up to a
 * minute, every second after; and, once vfio owns the group, every second
 * (every 10 ms if dda is to take it back, below), or again every
 * millisecond once a reclaim asks vfio-pci to let go.
 *
 * A group released from a handover with hold (dda_let_go()) is lent to one
 * user: once vfio's user has claimed it and let go again (QEMU closed the
 * device: an unplug, or its end), dda claims it back at the first poll
 * that sees it free (dda_group_hold_again()); the device stays assigned,
 * held, for a reclaim or a release to move, and no other VFIO user can
 * open the group meanwhile.
 *
 * A window is measured from the last moment the group was known to have an
 * owner (dda's own release, or the last poll that saw vfio's ownership) to
 * the first moment it was known to have one again (the first poll that saw
 * vfio's claim, or dda's own claim). It is an upper bound: it overstates
 * the true window by less than the polling interval at the time (plus the
 * scheduler's delay in running the poll). Nothing else in the group can
 * claim it meanwhile: its devices are bound to vfio-pci with
 * driver_override naming it, and a driver that uses the DMA API counts as
 * an owner too (iommu_device_use_default_domain()).
 */
#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "dda.h"

#define DDA_WINDOW_FAST		(100 * NSEC_PER_MSEC)

/*
 * struct dda_window - an IOMMU group dda handed over, watched.
 * @iommu_group, @pdev: references held; @pdev is a member handed over
 * @default_type: the group's default domain type as dda found it, by the
 *	name sysfs gives it (see dda_domain_type_name())
 * @hold: released from a handover with hold: dda takes the group back
 *	once vfio's user has claimed it and let go
 *
 * Lock and lifetime: a watch is on dda_windows from dda's release of the
 * group (dda_window_open()) until dda claims the group again
 * (dda_window_close(): a reclaim, a failed handover), hands it over again,
 * or unloads (dda_windows_exit()); whoever takes it off the list stops its
 * work (cancel_delayed_work_sync()) and frees it. The work only stops
 * polling once no member is dda's (removed from the bus), or once dda has
 * taken the group back (@done: it stays on the list, unwatched, until
 * dda_window_close()). Every work is thus cancelled on reclaim, removal
 * (at the next of those) and rmmod. While dda claims the group
 * (dda_window_pause()) the work is stopped, lest a poll take dda's own
 * claim for vfio's. dda_windows_lock guards the list and @owned, @claimed,
 * @done, @hurry, @known_owned and @poll_from; @stop and @paused are read
 * without it. The work takes no device lock, and dda_groups_lock only
 * by trylock (polling again if it is taken), so dda_window_close() may
 * wait for it under both.
 */
struct dda_window {
	struct list_head node;
	struct delayed_work work;
	struct iommu_group *iommu_group;
	struct pci_dev *pdev;
	const char *default_type;
	bool hold;
	bool owned;		/* vfio owns it, as last seen */
	bool claimed;		/* vfio's user has owned it */
	bool done;		/* dda has taken it back: not watched */
	bool paused;		/* dda is about to claim it: no poll */
	bool hurry;		/* a reclaim waits for vfio to let go */
	bool stop;
	ktime_t known_owned;	/* the last moment it was known owned */
	ktime_t poll_from;	/* polling fast since */
};

static LIST_HEAD(dda_windows);
static DEFINE_MUTEX(dda_windows_lock);

static struct dda_window *dda_window_find(struct iommu_group *iommu_group)
{
	struct dda_window *w;

	lockdep_assert_held(&dda_windows_lock);
	list_for_each_entry(w, &dda_windows, node)
		if (w->iommu_group == iommu_group)
			return w;
	return NULL;
}

static u64 dda_usec_since(ktime_t t)
{
	return ktime_to_us(ktime_sub(ktime_get(), t));
}

/* How long to wait for the next poll, in jiffies (after the fast phase). */
static unsigned long dda_window_interval(struct dda_window *w)
{
	s64 age = ktime_to_ms(ktime_sub(ktime_get(), w->poll_from));

	/* A group lent to vfio's user is taken back within 10 ms. */
	if (w->owned && !w->hurry)
		return w->hold ? msecs_to_jiffies(10) : HZ;
	if (age < 10 * MSEC_PER_SEC)
		return msecs_to_jiffies(10);
	if (age < 60 * MSEC_PER_SEC)
		return msecs_to_jiffies(100);
	return HZ;
}

/*
 * Is the group owned now? Asked every millisecond while polling fast (a
 * timer of a jiffy is 4 ms at HZ=250), so the work sleeps between polls
 * for up to DDA_WINDOW_FAST; @stop cuts that short.
 */
static bool dda_window_poll(struct dda_window *w)
{
	bool was, fast, owned;

	for (;;) {
		owned = iommu_group_dma_owner_claimed(w->iommu_group);
		mutex_lock(&dda_windows_lock);
		was = w->owned;
		fast = (!was || w->hurry) &&
		       ktime_to_ns(ktime_sub(ktime_get(), w->poll_from)) <
		       DDA_WINDOW_FAST;
		mutex_unlock(&dda_windows_lock);
		if (owned != was || !fast || READ_ONCE(w->stop) ||
		    READ_ONCE(w->paused))
			return owned;
		usleep_range(USEC_PER_MSEC, USEC_PER_MSEC + 100);
	}
}

/*
 * Has every member left dda (removed from the bus)? A member still in the
 * handover that started the watch counts as dda's (quarantined, busy).
 */
static bool dda_window_orphan(struct dda_window *w)
{
	struct dda_members m;
	bool orphan = true;
	unsigned int i;

	if (dda_group_members(w->pdev, &m))
		return dda_state_of(w->pdev) == DDA_STATE_HOST;
	for (i = 0; i < m.n; i++)
		orphan &= dda_state_of(m.pdev[i]) == DDA_STATE_HOST;
	dda_members_put(&m);
	return orphan;
}

/*
 * Tell each member handed over that its window closed after @usec: vfio's
 * user claimed its group (@reason owned), or dda took it back (hold).
 */
static void dda_window_report(struct dda_window *w, u64 usec,
			      enum dda_reason reason)
{
	struct dda_members m;
	unsigned int i;

	if (dda_group_members(w->pdev, &m)) {
		dda_dev_window_closed(w->pdev, usec, reason);
		return;
	}
	for (i = 0; i < m.n; i++)
		dda_dev_window_closed(m.pdev[i], usec, reason);
	dda_members_put(&m);
}

/*
 * vfio's user let go of a group lent to it: claim it back for dda. True
 * once dda holds it (or had already claimed it); false to poll again
 * (dda_groups_lock taken, vfio's user claimed it again, no memory).
 */
static bool dda_window_hold_again(struct dda_window *w)
{
	u64 usec = max_t(u64, dda_usec_since(w->known_owned), 1);
	int err;

	err = dda_group_hold_again(w->iommu_group, w->default_type);
	if (err == -EEXIST)
		return true;
	if (err)
		return false;
	mutex_lock(&dda_windows_lock);
	w->done = true;
	mutex_unlock(&dda_windows_lock);
	pci_info(w->pdev, "IOMMU group %d: let go by vfio's user, held by dda again %llu us later\n",
		 iommu_group_id(w->iommu_group), usec);
	dda_window_report(w, usec, DDA_REASON_HOLD);
	return true;
}

static void dda_window_work(struct work_struct *work)
{
	struct dda_window *w = container_of(to_delayed_work(work),
					    struct dda_window, work);
	bool owned, hold_again;
	u64 usec = 0;

	if (READ_ONCE(w->stop) || READ_ONCE(w->paused))
		return;
	owned = dda_window_poll(w);
	if (READ_ONCE(w->stop) || READ_ONCE(w->paused))
		return;

	mutex_lock(&dda_windows_lock);
	if (owned && !w->owned) {
		/* vfio's claim, seen: the window is closed */
		usec = dda_usec_since(w->known_owned);
		w->owned = true;
		w->claimed = true;
		w->hurry = false;
	} else if (!owned && w->owned) {
		/* vfio's release, seen: a window opens, from the last poll */
		w->owned = false;
		w->poll_from = ktime_get();
	}
	if (owned)
		w->known_owned = ktime_get();
	hold_again = !owned && w->hold && w->claimed;
	mutex_unlock(&dda_windows_lock);

	if (usec) {
		pci_info(w->pdev, "IOMMU group %d: DMA owned again by vfio's user, %llu us after dda let go\n",
			 iommu_group_id(w->iommu_group), usec);
		dda_window_report(w, usec, DDA_REASON_OWNED);
	}
	if (hold_again && dda_window_hold_again(w))
		return;
	/* Left for dda_window_close() or dda_windows_exit() to free. */
	if (dda_window_orphan(w))
		return;
	mutex_lock(&dda_windows_lock);
	queue_delayed_work(system_unbound_wq, &w->work,
			   dda_window_interval(w));
	mutex_unlock(&dda_windows_lock);
}

/*
 * dda has just released the DMA ownership of @iommu_group (@released), for
 * vfio-pci to bind @pdev and its user to claim it: watch for that claim.
 * Best effort: without memory the window goes unmeasured.
 */
void dda_window_open(struct iommu_group *iommu_group, struct pci_dev *pdev,
		     const char *default_type, ktime_t released, bool hold)
{
	struct dda_window *w;

	dda_window_close(iommu_group);	/* a watch left of a removed device */
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w) {
		pci_warn(pdev, "no memory to measure the window between owners\n");
		return;
	}
	INIT_DELAYED_WORK(&w->work, dda_window_work);
	iommu_group_ref_get(iommu_group);
	w->iommu_group = iommu_group;
	w->pdev = pci_dev_get(pdev);
	w->default_type = default_type;
	w->hold = hold;
	w->known_owned = released;
	w->poll_from = released;

	mutex_lock(&dda_windows_lock);
	list_add(&w->node, &dda_windows);
	queue_delayed_work(system_unbound_wq, &w->work, 0);
	mutex_unlock(&dda_windows_lock);
}

static void dda_window_free(struct dda_window *w)
{
	WRITE_ONCE(w->stop, true);
	cancel_delayed_work_sync(&w->work);
	iommu_group_put(w->iommu_group);
	pci_dev_put(w->pdev);
	kfree(w);
}

/*
 * dda has just claimed @iommu_group again (a reclaim's probe, or a failed
 * handover's requarantine), or takes back the group it held: stop watching.
 * Returns the window that ends here, in microseconds, when it was being
 * watched, else 0 (also when dda_window_hold_again() ended and reported it).
 */
u64 dda_window_close(struct iommu_group *iommu_group)
{
	struct dda_window *w;
	u64 usec;

	mutex_lock(&dda_windows_lock);
	w = dda_window_find(iommu_group);
	if (w)
		list_del(&w->node);
	mutex_unlock(&dda_windows_lock);
	if (!w)
		return 0;
	WRITE_ONCE(w->stop, true);
	cancel_delayed_work_sync(&w->work);
	usec = w->done ? 0 : max_t(u64, dda_usec_since(w->known_owned), 1);
	dda_window_free(w);
	return usec;
}

/*
 * dda is about to claim @iommu_group: stop polling until
 * dda_window_close() (the claim went through) or dda_window_resume() (it
 * failed), so that no poll sees dda's claim and takes it for vfio's user.
 * Called under dda_groups_lock, which the work only tries to take.
 */
void dda_window_pause(struct iommu_group *iommu_group)
{
	struct dda_window *w;

	mutex_lock(&dda_windows_lock);
	w = dda_window_find(iommu_group);
	if (w)
		WRITE_ONCE(w->paused, true);
	mutex_unlock(&dda_windows_lock);
	/* On the list until dda_window_close(), which only its caller runs. */
	if (w)
		cancel_delayed_work_sync(&w->work);
}

/* dda's claim of @iommu_group failed: watch it again. */
void dda_window_resume(struct iommu_group *iommu_group)
{
	struct dda_window *w;

	mutex_lock(&dda_windows_lock);
	w = dda_window_find(iommu_group);
	if (w && w->paused) {
		WRITE_ONCE(w->paused, false);
		if (!w->done)
			queue_delayed_work(system_unbound_wq, &w->work, 0);
	}
	mutex_unlock(&dda_windows_lock);
}

/*
 * A reclaim is about to ask vfio-pci to let go of @pdev's group: poll fast
 * again, so that vfio's release is seen within a millisecond.
 */
void dda_window_hurry(struct pci_dev *pdev)
{
	struct iommu_group *iommu_group = iommu_group_get(&pdev->dev);
	struct dda_window *w;

	if (!iommu_group)
		return;
	mutex_lock(&dda_windows_lock);
	w = dda_window_find(iommu_group);
	if (w && w->owned && !w->done && !w->paused) {
		w->hurry = true;
		w->poll_from = ktime_get();
		mod_delayed_work(system_unbound_wq, &w->work, 0);
	}
	mutex_unlock(&dda_windows_lock);
	iommu_group_put(iommu_group);
}

/*
 * Has @pdev's group, handed over by dda, no DMA owner as last seen? Then
 * *@usec is how long since it was last known owned: an upper bound, as a
 * window is.
 */
bool dda_window_unowned(struct pci_dev *pdev, u64 *usec)
{
	struct iommu_group *iommu_group = iommu_group_get(&pdev->dev);
	struct dda_window *w;
	bool unowned = false;

	if (!iommu_group)
		return false;
	mutex_lock(&dda_windows_lock);
	w = dda_window_find(iommu_group);
	if (w && !w->owned && !w->done) {
		unowned = true;
		*usec = max_t(u64, dda_usec_since(w->known_owned), 1);
	}
	mutex_unlock(&dda_windows_lock);
	iommu_group_put(iommu_group);
	return unowned;
}
EXPORT_SYMBOL_IF_KUNIT(dda_window_unowned);

/*
 * The default domain type dda found @pdev's group on, if dda handed the
 * group over and watches it: NULL if not.
 */
const char *dda_window_default_type(struct pci_dev *pdev)
{
	struct iommu_group *iommu_group = iommu_group_get(&pdev->dev);
	const char *type = NULL;
	struct dda_window *w;

	if (!iommu_group)
		return NULL;
	mutex_lock(&dda_windows_lock);
	w = dda_window_find(iommu_group);
	if (w)
		type = w->default_type;
	mutex_unlock(&dda_windows_lock);
	iommu_group_put(iommu_group);
	return type;
}

/* Unload: every watch still on the list stops. */
void dda_windows_exit(void)
{
	struct dda_window *w;

	for (;;) {
		mutex_lock(&dda_windows_lock);
		w = list_first_entry_or_null(&dda_windows, struct dda_window,
					     node);
		if (w)
			list_del(&w->node);
		mutex_unlock(&dda_windows_lock);
		if (!w)
			return;
		dda_window_free(w);
	}
}
