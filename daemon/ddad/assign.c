// SPDX-License-Identifier: GPL-2.0-only
/*
 * The steps of an assign: a quarantined device into a running guest,
 * whatever its kind (guest.h).
 *
 *	QUERY       the guest prepares (a QMP guest picks a free hotplug
 *		    port; none: the assign is refused, nothing changed) and
 *		    says which QEMU process will hold it
 *	HANDOVER    recorded {quarantined, vm, port, "assign"}, with that
 *		    QEMU process; dda.ko binds the device's group to
 *		    vfio-pci (a thread), keeping the group's DMA blocked
 *		    (hold: no VFIO user can open it yet), and every other
 *		    member of the group is recorded with the same vm and
 *		    process, "with" it
 *	RELEASE     recorded {assigned, ..., "assign"}; dda.ko lets go of
 *		    the group's DMA (a thread): the window between owners
 *		    opens here, right before the guest's open
 *	DEVICE_ADD  the guest adds it, and so claims the group's DMA
 *	VERIFY      and shows it: recorded {assigned, vm, port}, since now,
 *		    and answered
 *
 * A failure after HANDOVER (RELEASE's too) rolls back to quarantine
 * (job.c): the guest is asked to let go when it may have taken it, then a
 * reclaim, which takes a held group back as well. A ddad killed between
 * HANDOVER and RELEASE finds the device assigned, held, "assign" and not
 * in its guest: reconcile.c reclaims it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <json-c/json.h>

#include "assign.h"
#include "ddad.h"
#include "guest.h"
#include "job.h"
#include "job_steps.h"
#include "kernel.h"
#include "libdda.h"
#include "log.h"
#include "operation.h"
#include "state.h"
#include "timer.h"

/* "unassigned from vm A, but " before the failure of a reassign. */
static const char *reassign_prefix(const struct job *job, char *buf,
				   size_t size)
{
	if (!*job->from)
		return "";
	snprintf(buf, size, "unassigned from vm %s, but ", job->from);
	return buf;
}

/* Fails before the handover: nothing to undo. */
static void assign_refuse(struct job *job, int err, const char *what)
{
	char prefix[128];

	job_end(job, err, "%s%s", reassign_prefix(job, prefix, sizeof(prefix)),
		what);
}

/* Fails after the handover: back to quarantine, then answered. */
static void assign_roll_back(struct job *job, int err, const char *what)
{
	char prefix[128];

	job_fail(job, err, "%s%s", reassign_prefix(job, prefix,
						   sizeof(prefix)), what);
	log_msg(LOG_WARNING, "assign %s to vm %s failed (%s): rolling back",
		job->address, job->vm->name, what);
	if (job->plugged)
		job_unplug_step(job);
	else
		job_reclaim_step(job);
}

void guest_added(struct job *job, int err, const char *what)
{
	struct state_device *dev;

	if (job->done || (job->step != STEP_DEVICE_ADD &&
			  job->step != STEP_VERIFY))
		return;
	job_stop_waiting(job);
	if (err) {
		assign_roll_back(job, err, what);
		return;
	}
	/* "since" is when it reached the guest. */
	dev = state_find(&job->ddad->state, job->address);
	if (dev)
		dev->since = time(NULL);
	job_record(job, DDA_STATE_ASSIGNED, job->vm->name,
		   *job->port ? job->port : NULL, OPERATION_NONE);
	if (*job->port)
		log_msg(LOG_INFO, "%s is assigned to vm %s, port %s",
			job->address, job->vm->name, job->port);
	else
		log_msg(LOG_INFO, "%s is assigned to vm %s", job->address,
			job->vm->name);
	job_end(job, 0, NULL);
}

/* The other members of the group went to vfio-pci along: the vm's too. */
static void assign_record_members(struct job *job)
{
	struct state *state = &job->ddad->state;
	struct state_device *rec;
	struct dda_device *devs;
	char message[256];
	size_t count, i;
	int err;

	err = kernel_group(job->address, &devs, &count, message,
			   sizeof(message));
	if (err) {
		/* reconcile() records them from its next dump. */
		log_msg(LOG_WARNING, "assign %s: cannot list its IOMMU group: %s",
			job->address, message);
		return;
	}
	for (i = 0; i < count; i++) {
		if (!strcmp(devs[i].address, job->address) ||
		    devs[i].state != DDA_STATE_ASSIGNED)
			continue;
		rec = state_get(state, devs[i].address, time(NULL));
		if (!rec || state_set(state, rec, DDA_STATE_ASSIGNED,
				      job->vm->name, NULL, OPERATION_NONE,
				      time(NULL)) ||
		    state_set_holder(state, rec, job->pid, job->start,
				     job->address))
			continue;
		log_msg(LOG_INFO, "%s went to vfio-pci with %s, of its IOMMU group, for vm %s",
			devs[i].address, job->address, job->vm->name);
	}
	free(devs);
	state_save(state);
}

static void assign_released(struct ddad *ddad, void *ctx,
			    const struct kernel_result *result)
{
	struct job *job = ctx;
	char what[300];
	int err;

	(void)ddad;
	if (result->err) {
		snprintf(what, sizeof(what),
			 "cannot release %s to its guest: %s",
			 job->address, result->message);
		assign_roll_back(job, result->err, what);
		return;
	}
	job_step(job, STEP_DEVICE_ADD);
	timer_arm(job->ddad, &job->timer, JOB_QMP_TIMEOUT);
	err = job->vm->ops->add(job->vm, job);
	if (err)
		assign_roll_back(job, err, "cannot ask it to add the device");
}

static void assign_handed_over(struct ddad *ddad, void *ctx,
			       const struct kernel_result *result)
{
	struct job *job = ctx;
	char what[300];
	int err;

	(void)ddad;
	if (result->err) {
		job_record(job, DDA_STATE_QUARANTINED, NULL, NULL,
			   OPERATION_NONE);
		snprintf(what, sizeof(what), "cannot hand %s over to vfio-pci: %s",
			 job->address, result->message);
		assign_refuse(job, result->err, what);
		return;
	}
	job_record(job, DDA_STATE_ASSIGNED, job->vm->name, job->port,
		   OPERATION_ASSIGN);
	assign_record_members(job);
	if (!guest_is_process(job->vm, job->pid, job->start)) {
		snprintf(what, sizeof(what), "vm %s went away: %s",
			 job->vm->name, job->vm->why);
		assign_roll_back(job, -ECONNRESET, what);
		return;
	}
	/* dda.ko still blocks the group's DMA: let go of it last thing. */
	job_step(job, STEP_RELEASE);
	err = kernel_start(job->ddad, KERNEL_RELEASE, job->address,
			   assign_released, job);
	if (err)
		assign_roll_back(job, err, "cannot start the release");
}

void guest_prepared(struct job *job, int err, const char *what)
{
	struct ddad *ddad = job->ddad;
	char message[300];

	if (job->done || job->step != STEP_QUERY)
		return;
	job_stop_waiting(job);
	if (err) {
		assign_refuse(job, err, what);
		return;
	}
	/* The QEMU process that will hold it, as the guest says now. */
	job->pid = job->vm->proc.pid;
	job->start = job->vm->proc.start;
	/* The intent first: a ddad killed during the handover undoes it. */
	err = job_record(job, DDA_STATE_QUARANTINED, job->vm->name, job->port,
			 OPERATION_ASSIGN);
	if (err) {
		job_record(job, DDA_STATE_QUARANTINED, NULL, NULL,
			   OPERATION_NONE);
		snprintf(message, sizeof(message), "cannot write %s/%s: %s",
			 ddad->state.dir, STATE_FILE, strerror(-err));
		assign_refuse(job, err, message);
		return;
	}
	job_step(job, STEP_HANDOVER);
	err = kernel_start(ddad, KERNEL_HANDOVER_HOLD, job->address,
			   assign_handed_over, job);
	if (err) {
		job_record(job, DDA_STATE_QUARANTINED, NULL, NULL,
			   OPERATION_NONE);
		assign_refuse(job, err, "cannot start the handover");
	}
}

void assign_query(struct job *job)
{
	char what[300];
	int err;

	if (!job->vm->up || job->vm->shutdown) {
		snprintf(what, sizeof(what), "vm %s is not connected%s%s",
			 job->vm->name, *job->vm->why ? ": " : "",
			 job->vm->why);
		if (job->vm->shutdown)
			snprintf(what, sizeof(what), "vm %s has shut down",
				 job->vm->name);
		assign_refuse(job, -ENOTCONN, what);
		return;
	}
	job_step(job, STEP_QUERY);
	timer_arm(job->ddad, &job->timer, JOB_QMP_TIMEOUT);
	err = job->vm->ops->prepare(job->vm, job);
	if (err)
		assign_refuse(job, err, "cannot ask it to prepare");
}

void assign_timeout(struct job *job)
{
	char what[128];

	snprintf(what, sizeof(what), "vm %s did not answer within %d s",
		 job->vm->name, JOB_QMP_TIMEOUT / 1000);
	switch (job->step) {
	case STEP_QUERY:
		assign_refuse(job, -ETIMEDOUT, what);
		break;
	case STEP_DEVICE_ADD:
		/* It may yet plug it in: unplug to be sure. */
		job->plugged = true;
		/* fall through */
	case STEP_VERIFY:
		job_stop_waiting(job);
		assign_roll_back(job, -ETIMEDOUT, what);
		break;
	default:
		break;
	}
}

int job_assign(struct ddad *ddad, const char *address, struct guest *vm,
	       unsigned int flags, struct call *call)
{
	struct job *job;

	job = job_new(ddad, OPERATION_ASSIGN, address, vm, call);
	if (!job)
		return -ENOMEM;
	job->flags = flags;
	assign_query(job);
	return 0;
}
