// SPDX-License-Identifier: GPL-2.0-only
/*
 * The requests of dda's libvirt qemu hook (daemon/hooks/qemu_hook.c), for
 * the PCI hostdevs written in a domain's XML (root or --group; libvirtd
 * runs its hooks as root):
 *
 *   libvirt_prepare {domain, hostdevs}   at "prepare begin", before the
 *	domain's QEMU starts. Each hostdev is judged by lend_check(): a
 *	managed='no' one naming a device dda holds in quarantine is lent to
 *	the domain, its IOMMU group handed over to vfio-pci (libvirt
 *	attaches it itself, from the XML: no device_add), recorded
 *	{assigned, vm DOMAIN} with no process (its QEMU is not there yet),
 *	the group's others "with" it. One not dda's is left to libvirt. All
 *	or nothing: a refusal refuses the start before anything moves, and a
 *	handover that fails takes the ones done back into quarantine.
 *   libvirt_release {domain}   at "release end", once the domain's QEMU
 *	exited (libvirt runs it after every stop, crash or failed start):
 *	each device recorded with the domain goes back into quarantine when
 *	guest_let_go() says so, that is when vfio says no process holds it;
 *	one still held stays assigned, and the answer says who holds it.
 *	Nothing recorded with the domain: ok.
 *
 * While devices move, a job stands for each (job_new(), no guest), so that
 * every other request finds it busy and reconciling leaves it alone; the
 * jobs end with the request. Its answer comes when every move is over:
 * the hook waits for it, ddad's loop does not.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <json-c/json.h>

#include "args.h"
#include "ddad.h"
#include "guest.h"
#include "job.h"
#include "json_add.h"
#include "kernel.h"
#include "libdda.h"
#include "log.h"
#include "operation.h"
#include "ops.h"
#include "process.h"
#include "protocol.h"
#include "reconcile.h"
#include "rules.h"
#include "state.h"

struct hook_call;

/* A device moving: handed over (prepare) or reclaimed (release). */
struct move {
	char address[DDA_ADDRESS_LEN + 1];
	struct job *job;		/* stands for it while it moves */
	bool moved;			/* prepare: handed over */
	struct hook_call *hc;
};

/* A libvirt_prepare or libvirt_release under way. */
struct hook_call {
	struct ddad *ddad;
	struct call *call;
	char domain[256];
	struct move *moves;
	size_t count;
	size_t next;			/* prepare: the move under way */
	size_t pending;			/* release: reclaims under way */
	int err;			/* the first failure, 0 */
	char message[256];
	struct json_object *devices;	/* lent, or back in quarantine */
};

/* Appends "; what" to the message of a failure (the first sets err). */
static void hook_fail(struct hook_call *hc, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void hook_fail(struct hook_call *hc, int err, const char *fmt, ...)
{
	size_t len = strlen(hc->message);
	va_list ap;

	if (!hc->err)
		hc->err = err;
	if (len && len + 2 < sizeof(hc->message)) {
		memcpy(hc->message + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(hc->message + len, sizeof(hc->message) - len, fmt, ap);
	va_end(ap);
}

static struct hook_call *hook_call_new(struct ddad *ddad, const char *domain,
				       size_t count)
{
	struct hook_call *hc = calloc(1, sizeof(*hc));

	if (!hc)
		return NULL;
	hc->ddad = ddad;
	snprintf(hc->domain, sizeof(hc->domain), "%s", domain);
	hc->devices = json_object_new_array();
	hc->moves = calloc(count ? count : 1, sizeof(*hc->moves));
	if (!hc->devices || !hc->moves) {
		json_object_put(hc->devices);
		free(hc->moves);
		free(hc);
		return NULL;
	}
	return hc;
}

static void hook_call_free(struct hook_call *hc)
{
	json_object_put(hc->devices);
	free(hc->moves);
	free(hc);
}

static void hook_device(struct hook_call *hc, const char *address)
{
	json_object_array_add(hc->devices, json_object_new_string(address));
}

/* The answer: ok with {"domain", key: devices}, or the failures. */
static struct json_object *hook_result(struct hook_call *hc, const char *key)
{
	struct json_object *result = json_object_new_object();

	if (!result || !json_add(result, "domain",
				 json_object_new_string(hc->domain)) ||
	    !json_add(result, key, json_object_get(hc->devices))) {
		json_object_put(result);
		return NULL;
	}
	return result;
}

/* Ends the request: its jobs end, state.json is written, it is answered. */
static void hook_finish(struct hook_call *hc, const char *key)
{
	size_t i;

	for (i = 0; i < hc->count; i++) {
		struct job *job = hc->moves[i].job;

		if (job && !job->done) {
			job_step(job, STEP_DONE);
			job->done = true;	/* jobs_reap() frees it */
		}
		hc->moves[i].job = NULL;
	}
	state_save(&hc->ddad->state);
	if (hc->err)
		call_finish(hc->call, hc->err, NULL, "%s", hc->message);
	else
		call_finish(hc->call, 0, hook_result(hc, key), NULL);
	hook_call_free(hc);
}

/* Records address: its kernel state, vm (NULL for none), operation. */
static int hook_record(struct hook_call *hc, const char *address,
		       enum dda_state st, const char *vm,
		       enum operation operation)
{
	struct state *state = &hc->ddad->state;
	struct state_device *rec = state_get(state, address, time(NULL));
	int err;

	if (!rec)
		return -ENOMEM;
	err = state_set(state, rec, st, vm, NULL, operation, time(NULL));
	return err ? err : state_save(state);
}

/* The others of address's group went to vfio-pci with it: the domain's. */
static void hook_record_group(struct hook_call *hc, const char *address)
{
	struct state *state = &hc->ddad->state;
	struct state_device *rec;
	struct dda_device *devs;
	char message[256];
	size_t count, i;

	if (kernel_group(address, &devs, &count, message, sizeof(message))) {
		log_msg(LOG_WARNING, "domain %s: cannot list the IOMMU group of %s: %s",
			hc->domain, address, message);
		return;
	}
	for (i = 0; i < count; i++) {
		if (!strcmp(devs[i].address, address) ||
		    devs[i].state != DDA_STATE_ASSIGNED)
			continue;
		rec = state_get(state, devs[i].address, time(NULL));
		if (!rec || state_set(state, rec, DDA_STATE_ASSIGNED,
				      hc->domain, NULL, OPERATION_NONE,
				      time(NULL)) ||
		    state_set_holder(state, rec, 0, 0, address))
			continue;
		hook_device(hc, devs[i].address);
		log_msg(LOG_INFO, "%s went to vfio-pci with %s, of its IOMMU group, for domain %s",
			devs[i].address, address, hc->domain);
	}
	free(devs);
}

/* address and its group are back in quarantine: so say the records. */
static void hook_quarantined(struct hook_call *hc, const char *address,
			     const char *cause)
{
	struct state *state = &hc->ddad->state;
	size_t i;

	hook_record(hc, address, DDA_STATE_QUARANTINED, NULL, OPERATION_NONE);
	for (i = 0; i < state->count; i++) {
		struct state_device *member = &state->devices[i];

		if (member->with && !strcmp(member->with, address) &&
		    member->operation == OPERATION_NONE)
			state_set(state, member, DDA_STATE_QUARANTINED, NULL,
				  NULL, OPERATION_NONE, time(NULL));
	}
	state_save(state);
	audit_ddad("reclaim", address, hc->domain, 0, cause);
	log_msg(LOG_INFO, "%s is quarantined (reclaimed from domain %s)",
		address, hc->domain);
}

/* A reclaim that failed, unless dda.ko says the device is quarantined. */
static bool hook_reclaim_failed(const char *address)
{
	struct dda_device *devs;
	char message[256];
	size_t count;
	bool failed = true;

	if (!kernel_group(address, &devs, &count, message, sizeof(message))) {
		failed = !count || devs[0].state != DDA_STATE_QUARANTINED;
		free(devs);
	}
	return failed;
}

/* Starts reclaiming a move's device; 0 or a negative errno. */
static int hook_reclaim(struct move *m, kernel_done_fn *done)
{
	struct hook_call *hc = m->hc;
	int err;

	/* No kernel step that state.json does not know of. */
	err = hook_record(hc, m->address, DDA_STATE_ASSIGNED, hc->domain,
			  OPERATION_RECLAIM);
	if (!err) {
		job_step(m->job, STEP_RECLAIM);
		err = kernel_start(hc->ddad, KERNEL_RECLAIM, m->address, done,
				   m);
	}
	if (err) {
		hook_record(hc, m->address, DDA_STATE_ASSIGNED, hc->domain,
			    OPERATION_NONE);
		hook_fail(hc, err, "cannot reclaim %s: %s: it stays assigned",
			  m->address, strerror(-err));
	}
	return err;
}

/* A reclaim's end: back in quarantine, or assigned as it was. */
static void hook_reclaim_end(struct move *m,
			     const struct kernel_result *result,
			     const char *cause)
{
	struct hook_call *hc = m->hc;

	if (result->err && hook_reclaim_failed(m->address)) {
		hook_record(hc, m->address, DDA_STATE_ASSIGNED, hc->domain,
			    OPERATION_NONE);
		hook_fail(hc, result->err,
			  "cannot reclaim %s from vfio-pci: %s: it stays assigned",
			  m->address, result->message);
		log_msg(LOG_WARNING, "domain %s: cannot reclaim %s: %s",
			hc->domain, m->address, result->message);
		return;
	}
	hook_quarantined(hc, m->address, cause);
	hook_device(hc, m->address);
}

/* --- libvirt_prepare -------------------------------------------------- */

static void prepare_next(struct hook_call *hc);
static void prepare_roll_back(struct hook_call *hc);

static void prepare_reclaimed(struct ddad *ddad, void *ctx,
			      const struct kernel_result *result)
{
	struct move *m = ctx;

	(void)ddad;
	hook_reclaim_end(m, result, "libvirt-prepare-failed");
	m->moved = false;
	prepare_roll_back(m->hc);
}

/* A handover failed: the ones done go back to quarantine, last first. */
static void prepare_roll_back(struct hook_call *hc)
{
	size_t i = hc->count;

	while (i--) {
		if (!hc->moves[i].moved)
			continue;
		if (!hook_reclaim(&hc->moves[i], prepare_reclaimed))
			return;		/* its end goes on */
		hc->moves[i].moved = false;
	}
	log_msg(LOG_WARNING, "domain %s may not start: %s", hc->domain,
		hc->message);
	hook_finish(hc, "lent");
}

static void prepare_handed_over(struct ddad *ddad, void *ctx,
				const struct kernel_result *result)
{
	struct move *m = ctx;
	struct hook_call *hc = m->hc;

	(void)ddad;
	if (result->err) {
		hook_record(hc, m->address, DDA_STATE_QUARANTINED, NULL,
			    OPERATION_NONE);
		hook_fail(hc, result->err, "cannot hand %s over to vfio-pci: %s",
			  m->address, result->message);
		audit_ddad("assign", m->address, hc->domain, result->err,
			   "libvirt-prepare");
		prepare_roll_back(hc);
		return;
	}
	m->moved = true;
	hook_record(hc, m->address, DDA_STATE_ASSIGNED, hc->domain,
		    OPERATION_NONE);
	hook_device(hc, m->address);
	hook_record_group(hc, m->address);
	audit_ddad("assign", m->address, hc->domain, 0, "libvirt-prepare");
	log_msg(LOG_INFO, "%s is lent to domain %s", m->address, hc->domain);
	hc->next++;
	prepare_next(hc);
}

/* Hands over the next device, or answers when all are. */
static void prepare_next(struct hook_call *hc)
{
	struct move *m;
	int err;

	if (hc->next == hc->count) {
		hook_finish(hc, "lent");
		return;
	}
	m = &hc->moves[hc->next];
	/* The intent first: a ddad killed meanwhile undoes it. */
	err = hook_record(hc, m->address, DDA_STATE_QUARANTINED, hc->domain,
			  OPERATION_ASSIGN);
	if (!err) {
		job_step(m->job, STEP_HANDOVER);
		err = kernel_start(hc->ddad, KERNEL_HANDOVER, m->address,
				   prepare_handed_over, m);
	}
	if (err) {
		hook_record(hc, m->address, DDA_STATE_QUARANTINED, NULL,
			    OPERATION_NONE);
		hook_fail(hc, err, "cannot hand %s over to vfio-pci: %s",
			  m->address, strerror(-err));
		prepare_roll_back(hc);
	}
}

/*
 * What to do with hostdev i of hds[]: lend_check() on what dda.ko says of
 * it and its group. groups[] has the IOMMU groups of the hostdevs before
 * it that are lent (-1 for the others). -ENOENT: dda.ko is not loaded.
 */
static enum lend prepare_judge(struct ddad *ddad, const char *domain,
			       const struct hostdev *hds, size_t i,
			       int *groups, int *err, char *message,
			       size_t size)
{
	const struct dda_device *dev = NULL;
	struct dda_device *devs;
	struct guest *guest;
	enum lend lend;
	bool along = false;
	size_t count, j;

	groups[i] = -1;
	*err = kernel_group(hds[i].address, &devs, &count, message, size);
	if (*err)
		return LEND_REFUSE;
	if (count)
		dev = &devs[0];
	for (j = 0; dev && dev->iommu_group >= 0 && j < i; j++)
		if (groups[j] == dev->iommu_group)
			along = true;
	lend = lend_check(dev, devs, count, &ddad->state, domain,
			  hds[i].managed, job_find(ddad, hds[i].address),
			  along, err, message, size);
	/* dda records guests by name: a QMP guest's is not the domain's. */
	guest = guest_find(ddad, domain);
	if (lend == LEND_HANDOVER && guest && strcmp(guest->ops->kind, "libvirt")) {
		*err = -EEXIST;
		snprintf(message, size,
			 "domain %s has the name of a QMP guest of ddad's (ddactl vm list): dda records guests by name; rename one of them",
			 domain);
		lend = LEND_REFUSE;
	}
	if (lend == LEND_HANDOVER || lend == LEND_ALONG ||
	    lend == LEND_ALREADY)
		groups[i] = dev->iommu_group;
	free(devs);
	return lend;
}

int op_libvirt_prepare(struct ddad *ddad, struct json_object *request,
		       struct reply *reply)
{
	struct hook_call *hc = NULL;
	struct hostdev *hds;
	char message[256];
	const char *domain;
	size_t n, i;
	int *groups = NULL, err;
	enum lend lend;

	err = arg_string(request, "libvirt_prepare", "domain", true, &domain,
			 reply);
	if (!err)
		err = arg_hostdevs(request, "libvirt_prepare", &hds, &n, reply);
	if (err)
		return err;
	groups = calloc(n ? n : 1, sizeof(*groups));
	hc = groups ? hook_call_new(ddad, domain, n) : NULL;
	if (!hc) {
		err = reply_error(reply, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		lend = prepare_judge(ddad, domain, hds, i, groups, &err,
				     message, sizeof(message));
		if (err == -ENOENT && lend == LEND_REFUSE) {
			/* dda.ko is not loaded: nothing here is dda's. */
			err = 0;
			continue;
		}
		if (lend == LEND_REFUSE) {
			reply_error(reply, err, "%s", message);
			goto out;
		}
		if (lend == LEND_HANDOVER)
			snprintf(hc->moves[hc->count++].address,
				 DDA_ADDRESS_LEN + 1, "%s", hds[i].address);
		else if (lend == LEND_ALREADY)
			hook_device(hc, hds[i].address);
	}
	if (!hc->count) {
		reply->result = hook_result(hc, "lent");
		goto out;
	}
	for (i = 0; i < hc->count; i++) {
		hc->moves[i].hc = hc;
		hc->moves[i].job = job_new(ddad, OPERATION_ASSIGN,
					   hc->moves[i].address, NULL, NULL);
		if (!hc->moves[i].job) {
			while (i--)
				hc->moves[i].job->done = true;
			err = reply_error(reply, -ENOMEM, "out of memory");
			goto out;
		}
		hc->moves[i].job->cause = "libvirt-prepare";
	}
	hc->call = call_defer(reply);
	if (!hc->call) {
		for (i = 0; i < hc->count; i++)
			hc->moves[i].job->done = true;
		err = reply->err;
		goto out;
	}
	call_audit_vm(hc->call, domain);
	free(groups);
	free(hds);
	prepare_next(hc);
	return 0;
out:
	if (hc)
		hook_call_free(hc);
	free(groups);
	free(hds);
	return err;
}

/* --- libvirt_release -------------------------------------------------- */

static void release_reclaimed(struct ddad *ddad, void *ctx,
			      const struct kernel_result *result)
{
	struct move *m = ctx;
	struct hook_call *hc = m->hc;

	(void)ddad;
	hook_reclaim_end(m, result, "libvirt-release");
	job_step(m->job, STEP_DONE);
	m->job->done = true;
	m->job = NULL;
	if (--hc->pending == 0)
		hook_finish(hc, "quarantined");
}

/*
 * Whether the device of rec and the others of its group recorded with it
 * are held by any process through vfio: 1 with who (pid, comm) in why and
 * that process in *holder, 0, or a negative errno when it cannot be told.
 */
static int release_held(struct ddad *ddad, const struct state_device *rec,
			struct process *holder, char *why, size_t size)
{
	struct state *state = &ddad->state;
	struct dda_vfio_user user;
	size_t i;
	int held;

	for (i = 0; i < state->count; i++) {
		const struct state_device *d = &state->devices[i];

		if (d != rec && (!d->with || strcmp(d->with, rec->address)))
			continue;
		held = process_vfio_holder(d->address, holder, &user);
		if (held < 0)
			snprintf(why, size, "vfio's users of %s cannot be told: %s",
				 d->address, strerror(-held));
		else if (held)
			snprintf(why, size, "process %d (%s) holds %s through vfio (%s)",
				 user.pid, user.command, d->address, user.file);
		if (held)
			return held;
	}
	return 0;
}

/*
 * rec stays assigned, held by holder: recorded as its process, watched
 * (holders_sync()), so that its end brings the device back.
 */
static void release_keep(struct ddad *ddad, struct state_device *rec,
			 const struct process *holder)
{
	if (rec->pid > 0 || holder->pid <= 0)
		return;
	state_set_holder(&ddad->state, rec, holder->pid, holder->start,
			 rec->with);
	holders_sync(ddad);
}

int op_libvirt_release(struct ddad *ddad, struct json_object *request,
		       struct reply *reply)
{
	struct state *state = &ddad->state;
	struct hook_call *hc;
	struct state_device *rec;
	enum holder_view holder;
	struct process proc;
	const char *domain;
	struct job *job;
	char why[200];
	size_t i;
	int err, held;

	err = arg_string(request, "libvirt_release", "domain", true, &domain,
			 reply);
	if (err)
		return err;
	hc = hook_call_new(ddad, domain, state->count);
	if (!hc)
		return reply_error(reply, -ENOMEM, "out of memory");
	for (i = 0; i < state->count; i++) {
		rec = &state->devices[i];
		if (!rec->vm || strcmp(rec->vm, domain) || rec->with)
			continue;
		job = job_find(ddad, rec->address);
		if (job) {
			hook_fail(hc, -EBUSY, "%s is busy: an %s is under way",
				  rec->address, operation_name(job->operation));
			continue;
		}
		if (rec->state != DDA_STATE_ASSIGNED) {
			/* An intent that did not get there. */
			state_set(state, rec, rec->state, NULL, NULL,
				  OPERATION_NONE, time(NULL));
			continue;
		}
		/* libvirt says its QEMU exited: the proof is vfio's. */
		holder = rec->pid > 0 ? holder_view_of(ddad, rec) :
			 HOLDER_STOPPED;
		snprintf(why, sizeof(why), "its process %d is alive",
			 (int)rec->pid);
		held = release_held(ddad, rec, &proc, why, sizeof(why));
		if (!guest_let_go(holder, GUEST_LACKS, held)) {
			release_keep(ddad, rec, &proc);
			if (rec->pid > 0)
				hook_fail(hc, -EBUSY,
					  "%s stays assigned to domain %s: %s; it comes back into quarantine when that process exits",
					  rec->address, domain, why);
			else
				hook_fail(hc, -EBUSY,
					  "%s stays assigned to domain %s: %s (ddactl unassign %s once it let go)",
					  rec->address, domain, why,
					  rec->address);
			log_msg(LOG_WARNING, "domain %s stopped, but %s stays assigned: %s",
				domain, rec->address, why);
			process_close(&proc);
			continue;
		}
		process_close(&proc);
		snprintf(hc->moves[hc->count].address, DDA_ADDRESS_LEN + 1,
			 "%s", rec->address);
		hc->moves[hc->count++].hc = hc;
	}
	state_save(state);
	if (!hc->count) {
		if (hc->err)
			reply_error(reply, hc->err, "%s", hc->message);
		else
			reply->result = hook_result(hc, "quarantined");
		err = hc->err;
		hook_call_free(hc);
		return err;
	}
	hc->call = call_defer(reply);
	if (!hc->call) {
		hook_call_free(hc);
		return reply->err;
	}
	call_audit_vm(hc->call, domain);
	for (i = 0; i < hc->count; i++) {
		hc->moves[i].job = job_new(ddad, OPERATION_RECLAIM,
					   hc->moves[i].address, NULL, NULL);
		if (!hc->moves[i].job) {
			hook_fail(hc, -ENOMEM, "out of memory: %s stays assigned",
				  hc->moves[i].address);
			continue;
		}
		hc->moves[i].job->cause = "libvirt-release";
		hc->pending++;
		if (hook_reclaim(&hc->moves[i], release_reclaimed)) {
			hc->pending--;
			hc->moves[i].job->done = true;
			hc->moves[i].job = NULL;
		}
	}
	if (!hc->pending)
		hook_finish(hc, "quarantined");
	return 0;
}
