// SPDX-License-Identifier: GPL-2.0-only
/*
 * Jobs: what ddad does to a device, one step at a time, each step waiting
 * on QEMU (a QMP answer, an event) or on dda.ko (a thread's handover or
 * reclaim) while the loop serves everyone else. One job per device at a
 * time; a request for a device with a job gets EBUSY.
 *
 *	assign     QUERY -> HANDOVER -> RELEASE -> DEVICE_ADD -> VERIFY ->
 *		   done
 *	unassign   UNPLUG -> CONFIRM -> RECLAIM -> done (reassign: -> QUERY
 *		   ... to the next guest)
 *	reclaim    [CONFIRM ->] RECLAIM -> done
 *
 * A guest's word that it let go (DEVICE_DELETED, or DeviceNotFound to
 * device_del) is only a reason to look: CONFIRM asks its query-pci and
 * then vfio whether its QEMU process closed the device, and only
 * guest_let_go() says when to reclaim. A QEMU process that exits is
 * proof by itself (reconcile.c watches them). A guest that does not let go
 * in time keeps the device: a silent, frozen or disconnected guest, or one
 * that shut down, is not one that let go.
 *
 * An assign that fails after its handover rolls back: UNPLUG if the
 * device was plugged in, then RECLAIM, and answers with the failure.
 *
 * Before each step the device's record in state.json says what is under
 * way ("operation"), and after it what is true now; a ddad killed at any
 * moment finds out from the records what to finish or undo (reconcile.c).
 *
 * A job is only freed by jobs_reap(), from the loop, so that no callback
 * finds it gone; QMP commands of a job that ends are cancelled.
 * This file has the steps every job shares; assign.c the assign's.
 */
#include <errno.h>
#include <stdarg.h>
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
#include "kernel_view.h"
#include "libdda.h"
#include "log.h"
#include "operation.h"
#include "process.h"
#include "protocol.h"
#include "rules.h"
#include "state.h"
#include "state_json.h"
#include "timer.h"
#include "util.h"
#include "view.h"

static void job_timer(struct ddad *ddad, struct timer *timer);

struct job *job_find(struct ddad *ddad, const char *address)
{
	struct job *job;

	for (job = ddad->jobs; job; job = job->next)
		if (!job->done && !strcmp(job->address, address))
			return job;
	return NULL;
}

struct job *job_new(struct ddad *ddad, enum operation operation,
		    const char *address, struct guest *vm, struct call *call)
{
	struct job *job, **tail;

	job = calloc(1, sizeof(*job));
	if (!job)
		return NULL;
	job->ddad = ddad;
	job->operation = operation;
	job->step = STEP_START;
	job->started = job->step_since = now_us();
	snprintf(job->address, sizeof(job->address), "%s", address);
	job->vm = vm;
	if (vm) {
		job->pid = vm->proc.pid;
		job->start = vm->proc.start;
	}
	job->call = call;
	job->timeout = JOB_UNPLUG_TIMEOUT;
	job->timer.fire = job_timer;
	for (tail = &ddad->jobs; *tail; tail = &(*tail)->next)
		;
	*tail = job;
	return job;
}

/* The step's name in the log line that says where a job's time went. */
static const char *job_step_name(enum job_step step)
{
	static const char *const names[] = {
		[STEP_START] = "start",
		[STEP_QUERY] = "query-pci",
		[STEP_HANDOVER] = "handover",
		[STEP_RELEASE] = "release",
		[STEP_DEVICE_ADD] = "device_add",
		[STEP_VERIFY] = "verify",
		[STEP_UNPLUG] = "device_del",
		[STEP_CONFIRM] = "confirm",
		[STEP_RECLAIM] = "reclaim",
		[STEP_DONE] = "done",
	};

	return step < ARRAY_SIZE(names) ? names[step] : "?";
}

void job_step(struct job *job, enum job_step step)
{
	uint64_t now = now_us();

	if (job->step < STEP_DONE) {
		job->step_us[job->step] += now - job->step_since;
		job->steps_seen |= 1u << job->step;
	}
	job->step = step;
	job->step_since = now;
}

/*
 * "assign 0000:01:00.0: 690 ms: query-pci 21, handover 45, release 1,
 * device_add 550, verify 24, state.json 12": how long each step waited on
 * QEMU or dda.ko, and writing the state. What is left of the whole is ddad's own work.
 */
static void job_log_time(const struct job *job)
{
	char line[300];
	size_t len;
	int step;

	len = snprintf(line, sizeof(line), "%s %s: %.1f ms:",
		       operation_name(job->operation), job->address,
		       (now_us() - job->started) / 1000.0);
	for (step = STEP_QUERY; step < STEP_DONE && len < sizeof(line); step++)
		if (job->steps_seen & (1u << step))
			len += snprintf(line + len, sizeof(line) - len,
					" %s %.1f,", job_step_name(step),
					job->step_us[step] / 1000.0);
	if (len < sizeof(line))
		snprintf(line + len, sizeof(line) - len, " state.json %.1f",
			 job->record_us / 1000.0);
	log_msg(LOG_INFO, "%s", line);
}

/* Stops waiting on QEMU: a late answer goes nowhere. */
void job_stop_waiting(struct job *job)
{
	timer_disarm(job->ddad, &job->timer);
	if (job->vm)
		job->vm->ops->cancel(job->vm, job);
}

int job_record(struct job *job, enum dda_state st, const char *vm,
	       const char *port, enum operation operation)
{
	struct state *state = &job->ddad->state;
	uint64_t start = now_us();
	struct state_device *dev;
	int err;

	dev = state_get(state, job->address, time(NULL));
	if (!dev)
		return -ENOMEM;
	err = state_set(state, dev, st, vm, port, operation, time(NULL));
	if (!err && vm)
		err = state_set_holder(state, dev, job->pid, job->start, NULL);
	if (!err)
		err = state_save(state);
	/* Counted apart: the clock of the step stops meanwhile. */
	job->record_us += now_us() - start;
	job->step_since += now_us() - start;
	return err;
}

/* The device's record, as the result of a request. */
static struct json_object *job_result(struct job *job)
{
	struct state_device *dev = state_find(&job->ddad->state, job->address);

	return dev ? state_device_json(dev, true, true) : NULL;
}

void job_end(struct job *job, int err, const char *fmt, ...)
{
	char message[256] = "";
	uint64_t start;
	va_list ap;

	if (job->done)
		return;
	if (err) {
		va_start(ap, fmt);
		vsnprintf(message, sizeof(message), fmt, ap);
		va_end(ap);
	}
	job_stop_waiting(job);
	if (job->next_vm)
		job->next_vm->ops->cancel(job->next_vm, job);
	job_step(job, STEP_DONE);
	job->done = true;
	start = now_us();
	state_save(&job->ddad->state);
	job->record_us += now_us() - start;
	job_log_time(job);

	if (err)
		log_msg(LOG_WARNING, "%s %s: %s", operation_name(job->operation),
			job->address, message);
	if (job->call) {
		if (err)
			call_finish(job->call, err, NULL, "%s", message);
		else
			call_finish(job->call, 0, job_result(job), NULL);
		job->call = NULL;
	} else {
		audit_ddad(operation_name(job->operation), job->address,
			   job->vm ? job->vm->name : NULL, err,
			   job->cause ? job->cause : "ddad");
	}
}

void job_fail(struct job *job, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(job->message, sizeof(job->message), fmt, ap);
	va_end(ap);
	job->err = err;
}

/* A step that waits on QEMU, with its deadline. */
static void job_wait(struct job *job, enum job_step step, unsigned int ms)
{
	job_step(job, step);
	timer_arm(job->ddad, &job->timer, ms);
}

static const char *job_vm_name(const struct job *job)
{
	return job->vm ? job->vm->name : "?";
}

/* --- reclaim -------------------------------------------------------- */

static void job_reclaimed(struct ddad *ddad, void *ctx,
			  const struct kernel_result *result)
{
	struct job *job = ctx;
	const struct dda_device *dev;
	int err = result->err;
	size_t i;

	if (err && !kernel_view_update(ddad)) {
		/* Someone else's reclaim got there first: as good. */
		dev = view_find(&ddad->devices.view, job->address);
		if (dev && dev->state == DDA_STATE_QUARANTINED)
			err = 0;
	}
	if (err) {
		job_record(job, DDA_STATE_ASSIGNED, job->vm ? job->vm->name :
			   NULL, *job->port ? job->port : NULL,
			   OPERATION_NONE);
		job_end(job, err, "cannot reclaim %s from vfio-pci: %s",
			job->address, result->message);
		return;
	}
	job_record(job, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE);
	/* Its group came back with it. */
	for (i = 0; i < ddad->state.count; i++) {
		struct state_device *member = &ddad->state.devices[i];

		if (member->with && !strcmp(member->with, job->address) &&
		    member->operation == OPERATION_NONE)
			state_set(&ddad->state, member, DDA_STATE_QUARANTINED,
				  NULL, NULL, OPERATION_NONE, time(NULL));
	}
	log_msg(LOG_INFO, "%s is quarantined (reclaimed from vm %s)",
		job->address, job_vm_name(job));

	if (job->err) {		/* an assign rolled back */
		job_end(job, job->err, "%s; %s is quarantined again",
			job->message, job->address);
		return;
	}
	if (job->next_vm) {	/* reassign: on to the next guest */
		snprintf(job->from, sizeof(job->from), "%s", job_vm_name(job));
		job->vm = job->next_vm;
		job->next_vm = NULL;
		job->pid = job->vm->proc.pid;
		job->start = job->vm->proc.start;
		job->operation = OPERATION_ASSIGN;
		job->port[0] = '\0';
		job->plugged = false;
		assign_query(job);
		return;
	}
	job_end(job, 0, NULL);
}

void job_reclaim_step(struct job *job)
{
	enum operation operation = job->operation;
	int err;

	job_stop_waiting(job);
	job_step(job, STEP_RECLAIM);
	/* An assign rolling back records its reclaim as one. */
	if (operation == OPERATION_ASSIGN)
		operation = OPERATION_RECLAIM;
	/* No kernel step that state.json does not know of: a restart must. */
	err = job_record(job, DDA_STATE_ASSIGNED, job->vm ? job->vm->name : NULL,
			 *job->port ? job->port : NULL, operation);
	if (err) {
		job_record(job, DDA_STATE_ASSIGNED, job->vm ? job->vm->name :
			   NULL, *job->port ? job->port : NULL,
			   OPERATION_NONE);
		job_end(job, err, "cannot write %s/%s (%s): %s stays assigned",
			job->ddad->state.dir, STATE_FILE, strerror(-err),
			job->address);
		return;
	}
	err = kernel_start(job->ddad, KERNEL_RECLAIM, job->address,
			   job_reclaimed, job);
	if (err) {
		job_record(job, DDA_STATE_ASSIGNED, job->vm ? job->vm->name :
			   NULL, *job->port ? job->port : NULL,
			   OPERATION_NONE);
		job_end(job, err, "cannot reclaim %s: %s", job->address,
			strerror(-err));
	}
}

int job_reclaim(struct ddad *ddad, const char *address, struct guest *vm,
		const char *cause)
{
	struct state_device *dev = state_find(&ddad->state, address);
	struct job *job;

	job = job_new(ddad, OPERATION_RECLAIM, address, vm, NULL);
	if (!job)
		return -ENOMEM;
	job->cause = cause;
	if (dev && dev->port)
		snprintf(job->port, sizeof(job->port), "%s", dev->port);
	log_msg(LOG_NOTICE, "reclaiming %s from vm %s (%s)", address,
		vm ? vm->name : "-", cause);
	job_reclaim_step(job);
	return 0;
}

/* --- unplug --------------------------------------------------------- */

/*
 * The guest did not let go in time, or refused to: why says so, of the
 * device ("did not release 0000:01:00.0 within 10 s").
 */
static void job_not_released(struct job *job, const char *why)
{
	job_record(job, DDA_STATE_ASSIGNED, job_vm_name(job),
		   *job->port ? job->port : NULL, OPERATION_NONE);
	if (job->err)
		job_end(job, job->err, "%s; and vm %s %s: it stays assigned",
			job->message, job_vm_name(job), why);
	else
		job_end(job, -ETIMEDOUT, "vm %s %s: it stays assigned",
			job_vm_name(job), why);
}

void guest_removed(struct job *job, int err, const char *what)
{
	if (job->done || job->step != STEP_UNPLUG)
		return;
	if (err)
		job_not_released(job, what);
	else
		job_confirm_step(job);	/* it says it has it no more: see */
}

/* Whether the QEMU process the job concerns is gone. */
static bool job_process_gone(const struct job *job)
{
	struct process p;

	if (job->pid <= 0)
		return false;
	if (process_find(job->pid, job->start, &p) == -ESRCH)
		return true;
	process_close(&p);
	return false;
}

/* Waits in STEP_UNPLUG until the deadline, for a proof or the guest. */
static void job_wait_unplug(struct job *job)
{
	uint64_t now = now_ms();

	job_step(job, STEP_UNPLUG);
	timer_arm(job->ddad, &job->timer,
		  job->deadline > now ? job->deadline - now : 0);
}

void job_unplug_step(struct job *job)
{
	char why[128];
	int err;

	job_stop_waiting(job);
	if (!job->vm || job_process_gone(job)) {
		job_reclaim_step(job);	/* no process holds it any more */
		return;
	}
	job_record(job, DDA_STATE_ASSIGNED, job->vm->name,
		   *job->port ? job->port : NULL,
		   job->operation == OPERATION_ASSIGN ? OPERATION_ASSIGN :
		   OPERATION_UNASSIGN);
	job->deadline = now_ms() + job->timeout;
	if (!guest_is_process(job->vm, job->pid, job->start)) {
		/* Not connected through its QEMU: wait for it, or its end. */
		job_wait_unplug(job);
		return;
	}
	job_wait(job, STEP_UNPLUG, job->timeout);
	err = job->vm->ops->remove(job->vm, job);
	if (err) {
		snprintf(why, sizeof(why), "could not be asked to release %s",
			 job->address);
		job_not_released(job, why);
	}
}

int job_unassign(struct ddad *ddad, const char *address, struct guest *vm,
		 struct guest *next_vm, unsigned int timeout, const char *cause,
		 struct call *call)
{
	struct state_device *dev = state_find(&ddad->state, address);
	struct job *job;

	job = job_new(ddad, OPERATION_UNASSIGN, address, vm, call);
	if (!job)
		return -ENOMEM;
	/* The process ddad gave it to, not whoever serves the socket now. */
	if (dev && dev->pid > 0) {
		job->pid = dev->pid;
		job->start = dev->start;
	}
	job->next_vm = next_vm;
	job->timeout = timeout;
	job->cause = cause;
	if (dev && dev->port)
		snprintf(job->port, sizeof(job->port), "%s", dev->port);
	job_unplug_step(job);
	return 0;
}

/* --- confirm: did the guest let go? -------------------------------- */

/* Re-asked this often while vfio says its QEMU still holds the device. */
#define JOB_CONFIRM_RETRY_MS	100

/* Whether the job's QEMU process holds its device through vfio. */
static int job_vfio_open(struct job *job)
{
	int open = process_holds_vfio(&job->vm->proc, job->address);

	return open == -ESRCH ? 0 : open;
}

/* No proof yet: wait on, or give up at the deadline. */
static void job_unproven(struct job *job, const char *why)
{
	uint64_t now = now_ms();

	job_stop_waiting(job);
	if (now >= job->deadline) {
		job_not_released(job, why);
		return;
	}
	if (job->operation == OPERATION_RECLAIM) {
		/* ddad's own look after a DEVICE_DELETED: nothing moves. */
		log_msg(LOG_WARNING, "vm %s said it let go of %s, but %s: it stays assigned",
			job_vm_name(job), job->address, why);
		job_not_released(job, why);
		return;
	}
	job_wait_unplug(job);
}

void guest_looked(struct job *job, bool has, int err, const char *what)
{
	enum guest_view view;
	int vfio_open = 1;
	char why[300];

	if (job->done || job->step != STEP_CONFIRM)
		return;
	job_stop_waiting(job);
	if (err) {
		job_unproven(job, what);
		return;
	}
	view = has ? GUEST_HAS : GUEST_LACKS;
	if (view == GUEST_LACKS)
		vfio_open = job_vfio_open(job);
	if (guest_let_go(guest_is_process(job->vm, job->pid, job->start) ?
			 HOLDER_CONNECTED : HOLDER_ELSEWHERE, view,
			 vfio_open)) {
		job_reclaim_step(job);
		return;
	}
	if (view == GUEST_LACKS && now_ms() + JOB_CONFIRM_RETRY_MS <
	    job->deadline) {
		/* QEMU closes the device as it finishes the unplug. */
		job_wait(job, STEP_CONFIRM, JOB_CONFIRM_RETRY_MS);
		return;
	}
	snprintf(why, sizeof(why), view == GUEST_HAS ?
		 "vm %s still shows %s" :
		 "its QEMU still holds %s open through vfio",
		 view == GUEST_HAS ? job->vm->name : job->address,
		 job->address);
	job_unproven(job, why);
}

void job_confirm_step(struct job *job)
{
	uint64_t now = now_ms();
	int err;

	job_stop_waiting(job);
	if (!job->vm || !guest_is_process(job->vm, job->pid, job->start)) {
		job_unproven(job, "its QEMU is not connected");
		return;
	}
	job_step(job, STEP_CONFIRM);
	timer_arm(job->ddad, &job->timer, job->deadline > now ?
		  job->deadline - now : 0);
	err = job->vm->ops->look(job->vm, job);
	if (err)
		job_unproven(job, "it could not be asked");
}

/* --- what the loop tells jobs --------------------------------------- */

static void job_timer(struct ddad *ddad, struct timer *timer)
{
	struct job *job = container_of(timer, struct job, timer);
	char why[128];

	(void)ddad;
	if (job->done)
		return;
	switch (job->step) {
	case STEP_UNPLUG:
		if (job->timeout % 1000)
			snprintf(why, sizeof(why),
				 "did not release %s within %u ms",
				 job->address, job->timeout);
		else
			snprintf(why, sizeof(why),
				 "did not release %s within %u s",
				 job->address, job->timeout / 1000);
		job->vm->ops->cancel(job->vm, job);
		job_not_released(job, why);
		break;
	case STEP_CONFIRM:
		/* A retry, or the deadline with no proof. */
		if (now_ms() < job->deadline)
			job_confirm_step(job);
		else
			job_unproven(job, "it did not let go in time");
		break;
	default:
		assign_timeout(job);
		break;
	}
}

void guest_device_gone(struct guest *vm, const char *address)
{
	struct ddad *ddad = vm->ddad;
	static uint64_t said;
	struct state_device *dev;
	struct job *job;

	job = job_find(ddad, address);
	if (job) {
		if (job->vm == vm && job->step == STEP_UNPLUG &&
		    guest_is_process(vm, job->pid, job->start))
			job_confirm_step(job);
		return;
	}
	/* Only what ddad gave this very process, not its group's others. */
	dev = state_find(&ddad->state, address);
	if (!dev || dev->state != DDA_STATE_ASSIGNED || !dev->vm ||
	    strcmp(dev->vm, vm->name) || dev->with ||
	    dev->operation != OPERATION_NONE ||
	    !guest_is_process(vm, dev->pid, dev->start)) {
		/* Once a second at most: a guest may say it all day. */
		if (now_ms() - said >= 1000) {
			log_msg(LOG_WARNING, "vm %s said it let go of %s, which ddad did not give it: ignored",
				vm->name, address);
			said = now_ms();
		}
		return;
	}
	log_msg(LOG_NOTICE, "vm %s says it let go of %s: confirming",
		vm->name, address);
	job = job_new(ddad, OPERATION_RECLAIM, address, vm, NULL);
	if (!job)
		return;
	job->cause = "device-deleted";
	if (dev->port)
		snprintf(job->port, sizeof(job->port), "%s", dev->port);
	job->deadline = now_ms() + JOB_UNPLUG_TIMEOUT;
	job_confirm_step(job);
}

void jobs_process_gone(struct ddad *ddad, pid_t pid,
		       unsigned long long start)
{
	struct job *job;

	/* The jobs waiting for it to let go: it did. */
	for (job = ddad->jobs; job; job = job->next)
		if (!job->done && job->pid == pid && job->start == start &&
		    (job->step == STEP_UNPLUG || job->step == STEP_CONFIRM))
			job_reclaim_step(job);
}

bool jobs_on_vm(struct ddad *ddad, const struct guest *vm)
{
	struct job *job;

	for (job = ddad->jobs; job; job = job->next)
		if (!job->done && (job->vm == vm || job->next_vm == vm))
			return true;
	return false;
}

const char **guest_ports_taken(struct ddad *ddad, const struct guest *vm,
			    size_t *n)
{
	struct state *state = &ddad->state;
	const char **taken;
	struct job *job;
	size_t i, count = 0;

	for (job = ddad->jobs; job; job = job->next)
		count++;
	taken = calloc(state->count + count + 1, sizeof(*taken));
	if (!taken)
		return NULL;
	count = 0;
	for (i = 0; i < state->count; i++)
		if (state->devices[i].vm && state->devices[i].port &&
		    !strcmp(state->devices[i].vm, vm->name))
			taken[count++] = state->devices[i].port;
	for (job = ddad->jobs; job; job = job->next)
		if (!job->done && job->vm == vm && *job->port)
			taken[count++] = job->port;
	*n = count;
	return taken;
}

static void job_free(struct job *job)
{
	job_stop_waiting(job);
	if (job->next_vm)
		job->next_vm->ops->cancel(job->next_vm, job);
	free(job);
}

void jobs_reap(struct ddad *ddad)
{
	struct job **p = &ddad->jobs, *job;

	while ((job = *p)) {
		if (job->done) {
			*p = job->next;
			job_free(job);
		} else {
			p = &job->next;
		}
	}
}

void jobs_release(struct ddad *ddad)
{
	struct job *job;

	/*
	 * A thread's dda.ko call under way does not touch its job: only the
	 * loop would, and it has stopped. dda.ko finishes the call; the
	 * records tell the next ddad.
	 */
	while ((job = ddad->jobs)) {
		ddad->jobs = job->next;
		if (job->call)
			call_finish(job->call, -ESHUTDOWN, NULL,
				    "ddad is stopping; state.json keeps what %s was doing",
				    job->address);
		job_free(job);
	}
}
