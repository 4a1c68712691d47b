// SPDX-License-Identifier: GPL-2.0-only
/*
 * Requests: a state change asked for over netlink runs on dda's workqueue,
 * never in the requester's netlink handler. The handler runs with
 * genetlink's cb_lock held for reading, which every family registration
 * and removal on the host waits for; a reclaim waits in vfio-pci's remove
 * until the guest's QEMU closes the device, a reset up to a minute for a
 * device to come back. So the handler waits for its change
 * DDA_REQUEST_WAIT at most: a change that takes longer goes on in the
 * background, the handler returns -EINPROGRESS, DDA_A_DEV_BUSY says so in
 * the device message, and the events group reports the change when it is
 * done.
 */
#include <linux/completion.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "dda.h"

#define DDA_REQUEST_WAIT	(2 * HZ)

/*
 * One change. Two references: the handler's and the work's; whichever
 * drops the last frees it. @err and @extack are the work's until @done
 * completes, then read-only.
 */
struct dda_request {
	struct work_struct work;
	struct completion done;
	refcount_t ref;
	dda_change_fn change;
	struct pci_dev *pdev;
	bool group;
	int err;
	struct netlink_ext_ack extack;
};

/*
 * Unbound, so that a reclaim waiting on a guest never holds up the change
 * of another device. dda_requests_lock guards dda_requests_closed: once
 * unload has set it, no request is queued, and dda_requests_exit() has
 * waited for every one queued before.
 */
static struct workqueue_struct *dda_wq;
static DECLARE_RWSEM(dda_requests_lock);
static bool dda_requests_closed;

static void dda_request_put(struct dda_request *r)
{
	if (!refcount_dec_and_test(&r->ref))
		return;
	pci_dev_put(r->pdev);
	kfree(r);
}

static void dda_request_work(struct work_struct *work)
{
	struct dda_request *r = container_of(work, struct dda_request, work);

	r->err = r->change(r->pdev, r->group, &r->extack);
	complete(&r->done);
	dda_request_put(r);
}

/*
 * Run @change of @pdev on the workqueue; its result, with its reason in
 * @extack, if it ends within DDA_REQUEST_WAIT (or before a fatal signal),
 * else -EINPROGRESS. -ESHUTDOWN while dda.ko unloads.
 */
int dda_request(dda_change_fn change, struct pci_dev *pdev, bool group,
		struct netlink_ext_ack *extack)
{
	struct dda_request *r;
	int err;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	INIT_WORK(&r->work, dda_request_work);
	init_completion(&r->done);
	refcount_set(&r->ref, 2);
	r->change = change;
	r->pdev = pci_dev_get(pdev);
	r->group = group;

	down_read(&dda_requests_lock);
	if (dda_requests_closed) {
		up_read(&dda_requests_lock);
		refcount_set(&r->ref, 1);
		dda_request_put(r);
		NL_SET_ERR_MSG(extack, "dda.ko is unloading");
		return -ESHUTDOWN;
	}
	queue_work(dda_wq, &r->work);
	up_read(&dda_requests_lock);

	if (wait_for_completion_killable_timeout(&r->done,
						 DDA_REQUEST_WAIT) > 0) {
		err = r->err;
		dda_set_err_msg(extack, r->extack._msg);
	} else {
		err = -EINPROGRESS;
		NL_SET_ERR_MSG(extack,
			       "in progress: the device is busy until it is done, and the events group reports its end");
	}
	dda_request_put(r);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(dda_request);

int dda_requests_init(void)
{
	dda_wq = alloc_workqueue("dda", WQ_UNBOUND, 0);
	return dda_wq ? 0 : -ENOMEM;
}

/*
 * Unload: no request starts any more, and every one that started has
 * ended. None can be waiting on a guest: an assigned device pins dda.ko.
 */
void dda_requests_exit(void)
{
	down_write(&dda_requests_lock);
	dda_requests_closed = true;
	up_write(&dda_requests_lock);
	destroy_workqueue(dda_wq);
}
