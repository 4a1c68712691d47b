// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bringing state.json, dda.ko and the guests in line: when ddad starts
 * (after a crash, a kill -9, at any step of any job), when a guest's
 * devices become known (it connected and answered query-pci), and when a
 * guest is gone.
 *
 * dda.ko is the truth of where a device is; the kernel is the truth of
 * which QEMU process ddad gave it to (the record's pid, watched by a
 * pidfd) and whether that process still holds it through vfio. A guest's
 * query-pci is its word, which counts only from that very process and
 * only with vfio agreeing (guest_let_go()). For each device no job is
 * working on:
 *
 *	dda.ko says  its QEMU process     then
 *	host         -                    the record goes
 *	quarantined  -                    the record says quarantined, no
 *					  guest, no operation: an assign that
 *					  did not hand it over is undone, an
 *					  unassign or reclaim that did is done
 *	assigned     gone                 reclaimed into quarantine
 *	assigned     connected, has it    assigned to its guest: an assign
 *					  that got there is finished, an
 *					  unassign that did not get the
 *					  guest to let go is undone
 *	assigned     connected, lacks it  reclaimed if vfio says the process
 *					  closed it; else wait
 *	assigned     alive, not connected wait
 *
 * A device assigned with no guest recorded is never given to a guest for
 * its word: if a member of its IOMMU group is assigned to a guest, it went
 * to vfio-pci along with that one and is recorded with the same guest and
 * process; otherwise it was assigned without ddad, and is left alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "ddad.h"
#include "guest.h"
#include "job.h"
#include "kernel_view.h"
#include "libdda.h"
#include "log.h"
#include "operation.h"
#include "process.h"
#include "reconcile.h"
#include "rules.h"
#include "state.h"
#include "state_sync.h"

static struct holder *holder_find(struct ddad *ddad, pid_t pid,
				  unsigned long long start)
{
	size_t i;

	for (i = 0; i < ddad->holder_count; i++)
		if (ddad->holders[i].proc.pid == pid &&
		    ddad->holders[i].proc.start == start)
			return &ddad->holders[i];
	return NULL;
}

static bool holder_wanted(const struct state *state, const struct holder *h)
{
	size_t i;

	for (i = 0; i < state->count; i++)
		if (state->devices[i].pid == h->proc.pid &&
		    state->devices[i].start == h->proc.start)
			return true;
	return false;
}

int holders_sync(struct ddad *ddad)
{
	struct state *state = &ddad->state;
	struct holder *holders, *h;
	size_t i, kept = 0;
	int err;

	for (i = 0; i < ddad->holder_count; i++) {
		h = &ddad->holders[i];
		if (holder_wanted(state, h))
			ddad->holders[kept++] = *h;
		else
			process_close(&h->proc);
	}
	ddad->holder_count = kept;

	for (i = 0; i < state->count; i++) {
		const struct state_device *rec = &state->devices[i];

		if (rec->pid <= 0 || holder_find(ddad, rec->pid, rec->start))
			continue;
		holders = reallocarray(ddad->holders, ddad->holder_count + 1,
				       sizeof(*holders));
		if (!holders)
			return -ENOMEM;
		ddad->holders = holders;
		h = &holders[ddad->holder_count++];
		err = process_find(rec->pid, rec->start, &h->proc);
		h->exited = err == -ESRCH;
		/* Not found for another reason: not gone, for all we know. */
		h->proc.pid = rec->pid;
		h->proc.start = rec->start;
		if (h->exited)
			log_msg(LOG_NOTICE, "QEMU process %d of vm %s is gone",
				(int)rec->pid, rec->vm ? rec->vm : "-");
	}
	return 0;
}

void holders_release(struct ddad *ddad)
{
	size_t i;

	for (i = 0; i < ddad->holder_count; i++)
		process_close(&ddad->holders[i].proc);
	free(ddad->holders);
	ddad->holders = NULL;
	ddad->holder_count = 0;
}

enum holder_view holder_view_of(struct ddad *ddad,
				const struct state_device *rec)
{
	struct holder *h;
	struct guest *vm;

	if (rec->pid <= 0)
		return HOLDER_UNKNOWN;
	h = holder_find(ddad, rec->pid, rec->start);
	if (h && (h->exited || process_exited(&h->proc))) {
		h->exited = true;
		return HOLDER_GONE;
	}
	vm = rec->vm ? guest_find(ddad, rec->vm) : NULL;
	if (vm && guest_is_process(vm, rec->pid, rec->start))
		return HOLDER_CONNECTED;
	return HOLDER_ELSEWHERE;
}

void holders_check(struct ddad *ddad)
{
	bool gone = false;
	size_t i;

	holders_sync(ddad);
	for (i = 0; i < ddad->holder_count; i++) {
		struct holder *h = &ddad->holders[i];

		if (h->exited || !process_exited(&h->proc))
			continue;
		h->exited = true;
		gone = true;
		log_msg(LOG_NOTICE, "QEMU process %d exited: what ddad gave it goes back to quarantine",
			(int)h->proc.pid);
		jobs_process_gone(ddad, h->proc.pid, h->proc.start);
	}
	if (gone)
		reconcile(ddad);
}

/* What the guest holding rec says of it, and whether vfio agrees. */
static enum guest_view guest_view(struct ddad *ddad,
				  const struct state_device *rec,
				  enum holder_view holder, int *vfio_open)
{
	struct guest *vm;

	*vfio_open = 1;
	if (holder != HOLDER_CONNECTED)
		return GUEST_UNKNOWN;
	vm = guest_find(ddad, rec->vm);
	/* A member of a group: what counts is the device it went with. */
	if (vm->ops->has(vm, rec->with ? rec->with : rec->address))
		return GUEST_HAS;
	*vfio_open = process_holds_vfio(&vm->proc, rec->address);
	if (*vfio_open == -ESRCH)
		*vfio_open = 0;
	return GUEST_LACKS;
}

/*
 * rec is assigned with no guest: the member of its IOMMU group it went to
 * vfio-pci along with, as ddad's own records say; NULL if none.
 */
static const struct state_device *group_record(struct ddad *ddad,
					       const struct dda_device *dev,
					       const struct dda_device *devs,
					       size_t count)
{
	const struct state_device *other;
	size_t i;

	if (!dev || dev->iommu_group < 0)
		return NULL;
	for (i = 0; i < count; i++) {
		if (devs[i].iommu_group != dev->iommu_group ||
		    !strcmp(devs[i].address, dev->address) ||
		    devs[i].state != DDA_STATE_ASSIGNED)
			continue;
		other = state_find(&ddad->state, devs[i].address);
		if (other && other->vm && !other->with && other->pid > 0)
			return other;
	}
	return NULL;
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

/* Records rec as gone to vfio-pci along with other, to other's guest. */
static void record_member(struct state *state, struct state_device *rec,
			  const struct state_device *other)
{
	char with[DDA_ADDRESS_LEN + 1], *vm = strdup(other->vm);
	pid_t pid = other->pid;
	unsigned long long start = other->start;

	memcpy(with, other->address, sizeof(with));
	if (!vm)
		return;
	if (!state_set(state, rec, DDA_STATE_ASSIGNED, vm, NULL,
		       OPERATION_NONE, time(NULL))) {
		state_set_holder(state, rec, pid, start, with);
		log_msg(LOG_NOTICE, "%s went to vfio-pci with %s, of its IOMMU group: recorded with vm %s",
			rec->address, with, vm);
	}
	free(vm);
}

/* Applies the decision on one record. */
static void reconcile_one(struct ddad *ddad, const char *address,
			  const struct dda_device *devs, size_t count)
{
	struct state *state = &ddad->state;
	struct state_device *rec = state_find(state, address);
	enum dda_state kernel = DDA_STATE_HOST;
	const struct state_device *other;
	const struct dda_device *dev;
	enum operation operation;
	enum holder_view holder;
	enum guest_view view;
	const char *name, *gport;
	struct guest *vm;
	char *port;
	int vfio_open;

	if (!rec || job_find(ddad, address))
		return;
	dev = kernel_find(devs, count, address);
	if (dev)
		kernel = dev->state;
	if (kernel == DDA_STATE_ASSIGNED && !rec->vm &&
	    rec->operation == OPERATION_NONE) {
		other = group_record(ddad, dev, devs, count);
		if (other) {
			record_member(state, rec, other);
			holders_sync(ddad);
		}
	}
	/* A record of an older ddad names its guest, not its process. */
	vm = rec->vm ? guest_find(ddad, rec->vm) : NULL;
	if (rec->pid <= 0 && vm && vm->up && vm->proc.pid > 0) {
		state_set_holder(state, rec, vm->proc.pid, vm->proc.start,
				 rec->with);
		holders_sync(ddad);
	}
	operation = rec->operation;
	name = operation_name(operation);
	holder = holder_view_of(ddad, rec);
	view = guest_view(ddad, rec, holder, &vfio_open);

	switch (reconcile_decide(kernel, rec->vm != NULL, holder, view,
				 vfio_open)) {
	case RECONCILE_WAIT:
	case RECONCILE_LEAVE:
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
			 rec->state != kernel || rec->vm)
			state_set(state, rec, kernel, NULL, NULL,
				  OPERATION_NONE, time(NULL));
		return;
	case RECONCILE_KEEP:
		if (rec->state == DDA_STATE_ASSIGNED &&
		    operation == OPERATION_NONE)
			return;		/* as it should be */
		gport = vm->ops->port(vm, address);
		if (!gport)
			gport = rec->port;
		port = gport ? strdup(gport) : NULL;
		log_msg(LOG_NOTICE, "%s is assigned to vm %s%s", address,
			vm->name, operation == OPERATION_ASSIGN ?
			": its assign is finished" : "");
		if (name)
			audit_ddad(name, address, vm->name,
				   operation == OPERATION_ASSIGN ? 0 : -ECANCELED,
				   "restart");
		state_set(state, rec, DDA_STATE_ASSIGNED, vm->name, port,
			  OPERATION_NONE, time(NULL));
		free(port);
		return;
	case RECONCILE_RECLAIM:
		job_reclaim(ddad, address, vm, holder == HOLDER_GONE ?
			    "guest-gone" : "not-in-guest");
		return;
	}
}

void reconcile(struct ddad *ddad)
{
	struct state *state = &ddad->state;
	char (*addresses)[DDA_ADDRESS_LEN + 1];
	struct dda_device *devs;
	static int last_err;
	size_t count, n, i;
	int err;

	/* Reading dda.ko's devices again ends in a reconcile. */
	err = kernel_view_update(ddad);
	if (err == -EINPROGRESS)
		return;
	if (err) {
		/* Said once: it is retried with every guest's news. */
		if (err != last_err)
			log_msg(LOG_WARNING, "cannot reconcile: %s",
				kernel_view_why(ddad));
		last_err = err;
		return;
	}
	last_err = 0;
	/* Deciding may read events: work on a copy of the view too. */
	count = ddad->devices.view.count;
	devs = calloc(count ? count : 1, sizeof(*devs));
	if (!devs) {
		log_msg(LOG_WARNING, "cannot reconcile: out of memory");
		return;
	}
	if (count)
		memcpy(devs, ddad->devices.view.devs, count * sizeof(*devs));
	/* New records, and those of devices that moved without a job. */
	state_sync(state, devs, count, time(NULL));
	holders_sync(ddad);
	/* What the corrupt file knew is lost: say what is left to do. */
	for (i = 0; state->rebuilt && i < state->count; i++)
		if (state->devices[i].state == DDA_STATE_ASSIGNED)
			log_msg(LOG_WARNING, "%s is assigned, and state.json, which was corrupt, named its guest: left alone, ddad knows of no guest to take it back from (ddactl reclaim %s, once no process holds it)",
				state->devices[i].address,
				state->devices[i].address);
	state->rebuilt = false;

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
	holders_sync(ddad);
	state_save(state);
}

void guest_changed(struct guest *guest)
{
	reconcile(guest->ddad);
}
