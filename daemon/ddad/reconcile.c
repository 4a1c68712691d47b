// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bringing state.json, dda.ko and the guests in line: when ddad starts
 * (after a crash, a kill -9, at any step of any job), when a guest's
 * devices become known (it connected and answered query-pci), and when a
 * guest is gone.
 *
 * dda.ko is the truth of where a device is; a guest's query-pci is the
 * truth of whether the guest has it ("dda-*" ids). The records say what
 * ddad was doing ("operation"), and to which guest. For each device no
 * job is working on:
 *
 *	dda.ko says        the guest           then
 *	host               -                   the record goes
 *	quarantined        -                   the record says quarantined,
 *					       no guest, no operation: an
 *					       assign that did not hand it
 *					       over is undone, an unassign
 *					       or reclaim that did is done
 *	assigned           not known yet       wait
 *	assigned           has it              assigned to it: an assign
 *					       that got there is finished,
 *					       an unassign that did not
 *					       get the guest to let go is
 *					       undone
 *	assigned           lacks it, or gone   reclaimed into quarantine
 *
 * A device assigned without ddad (no guest recorded) is taken over by the
 * guest that has it under a "dda-*" id; otherwise it is left alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ddad.h"

/* What the guest of rec says of it; *holder: the guest that has it. */
static enum guest_view guest_view(struct ddad *ddad,
				  const struct state_device *rec,
				  struct vm **holder)
{
	char qdev[QDEV_SIZE];
	struct vm *vm;
	size_t i;

	qdev_of(rec->address, qdev);
	*holder = NULL;
	if (!rec->vm) {
		/* Assigned without ddad: whichever guest has it. */
		for (i = 0; i < ddad->vm_count; i++) {
			vm = ddad->vms[i];
			if (vm->view == VM_VIEW_KNOWN && vm_device(vm, qdev)) {
				*holder = vm;
				return GUEST_HAS;
			}
		}
		return GUEST_UNKNOWN;
	}
	vm = vm_find(ddad, rec->vm);
	if (!vm || vm->view == VM_VIEW_GONE)
		return GUEST_GONE;
	if (vm->view != VM_VIEW_KNOWN)
		return GUEST_UNKNOWN;
	*holder = vm;
	return vm_device(vm, qdev) ? GUEST_HAS : GUEST_LACKS;
}

static const struct dda_device *kernel_find(const struct dda_device *devs,
					    size_t count, const char *address)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (!strcmp(devs[i].address, address))
			return &devs[i];
	return NULL;
}

/* Applies the decision on one record; false if it is gone after. */
static void reconcile_one(struct ddad *ddad, const char *address,
			  const struct dda_device *devs, size_t count)
{
	struct state *state = &ddad->state;
	struct state_device *rec = state_find(state, address);
	enum dda_state kernel = DDA_STATE_HOST;
	const struct dda_device *dev;
	enum operation operation;
	enum guest_view view;
	const char *name;
	char qdev[QDEV_SIZE], *port;
	struct guest_dev *gdev;
	struct vm *holder;
	char *vm = NULL;

	if (!rec || job_find(ddad, address))
		return;
	dev = kernel_find(devs, count, address);
	if (dev)
		kernel = dev->state;
	operation = rec->operation;
	name = operation_name(operation);
	view = guest_view(ddad, rec, &holder);

	switch (reconcile_decide(kernel, operation, view)) {
	case RECONCILE_WAIT:
		return;
	case RECONCILE_SYNC:
		if (name) {
			log_msg(LOG_NOTICE, "%s is %s: the %s of it%s%s is over",
				address, dda_state_name(kernel), name,
				rec->vm ? " for vm " : "",
				rec->vm ? rec->vm : "");
			audit_ddad(name, address, rec->vm,
				   operation == OPERATION_ASSIGN ? -ECANCELED : 0,
				   "restart");
		}
		if (kernel == DDA_STATE_HOST)
			state_forget(state, rec);
		else if (operation != OPERATION_NONE ||
			 rec->state != kernel)
			state_set(state, rec, kernel, NULL, NULL,
				  OPERATION_NONE, time(NULL));
		return;
	case RECONCILE_KEEP:
		if (rec->state == DDA_STATE_ASSIGNED &&
		    operation == OPERATION_NONE && rec->vm)
			return;		/* as it should be */
		qdev_of(address, qdev);
		gdev = vm_device(holder, qdev);
		port = gdev && *gdev->port ? gdev->port : rec->port;
		vm = strdup(holder->name);
		if (!vm)
			return;
		log_msg(LOG_NOTICE, "%s is assigned to vm %s%s", address, vm,
			operation == OPERATION_ASSIGN ? ": its assign is finished" :
			!rec->vm ? ": taken over" : "");
		if (name)
			audit_ddad(name, address, vm,
				   operation == OPERATION_ASSIGN ? 0 : -ECANCELED,
				   "restart");
		state_set(state, rec, DDA_STATE_ASSIGNED, vm, port,
			  OPERATION_NONE, time(NULL));
		free(vm);
		return;
	case RECONCILE_RECLAIM:
		job_reclaim(ddad, address, holder ? holder : vm_find(ddad, rec->vm ? rec->vm : ""),
			    view == GUEST_GONE ? "guest-gone" : "not-in-guest");
		return;
	}
}

void reconcile(struct ddad *ddad)
{
	struct state *state = &ddad->state;
	char (*addresses)[DDA_ADDRESS_LEN + 1];
	static int last_err;
	struct dda_device *devs;
	char message[256];
	size_t count, n, i;
	int err;

	err = kernel_devices(&devs, &count, message, sizeof(message));
	if (err) {
		/* Said once: it is retried with every guest's news. */
		if (err != last_err)
			log_msg(LOG_WARNING, "cannot reconcile: %s", message);
		last_err = err;
		return;
	}
	last_err = 0;
	/* New records, and those of devices that moved without a job. */
	state_sync(state, devs, count, time(NULL));

	/* Deciding may add jobs and change records: work on a copy. */
	n = state->count;
	addresses = calloc(n ? n : 1, sizeof(*addresses));
	if (addresses) {
		for (i = 0; i < n; i++)
			memcpy(addresses[i], state->devices[i].address,
			       sizeof(addresses[i]));
		for (i = 0; i < n; i++)
			reconcile_one(ddad, addresses[i], devs, count);
		free(addresses);
	}
	free(devs);
	state_save(state);
}
