// SPDX-License-Identifier: GPL-2.0-only
/*
 * assign, unassign, reassign, reclaim (root or --group): checked here
 * against dda.ko, state.json and the guests, then carried out by a job
 * (job.c, assign.c), which answers when it ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <json-c/json.h>

#include "args.h"
#include "ddad.h"
#include "guest.h"
#include "guest_libvirt.h"
#include "job.h"
#include "kernel.h"
#include "kernel_view.h"
#include "libdda.h"
#include "log.h"
#include "operation.h"
#include "ops.h"
#include "protocol.h"
#include "reconcile.h"
#include "rules.h"
#include "state.h"
#include "view.h"

/* What dda.ko says of address and of the rest of its IOMMU group. */
struct devices {
	struct dda_device *all;
	size_t count;
	const struct dda_device *dev;	/* address's, or NULL */
};

static int devices_get(struct devices *devs, const char *address,
		       struct reply *reply)
{
	char message[256];
	size_t i;
	int err;

	*devs = (struct devices){ 0 };
	err = kernel_group(address, &devs->all, &devs->count, message,
			   sizeof(message));
	if (err)
		return reply_error(reply, err, "%s", message);
	for (i = 0; i < devs->count; i++)
		if (!strcmp(devs->all[i].address, address))
			devs->dev = &devs->all[i];
	return 0;
}

/* A device with a job under way is that job's. */
static int not_busy(struct ddad *ddad, const char *address,
		    struct reply *reply)
{
	struct job *job = job_find(ddad, address);

	if (!job)
		return 0;
	return reply_error(reply, -EBUSY, "%s: an %s is under way", address,
			   operation_name(job->operation));
}

/* The guest a device may go to: known, connected, running. */
static int vm_ready_for(struct ddad *ddad, const char *name, struct guest **out,
			struct reply *reply)
{
	struct guest *vm = guest_find(ddad, name);

	*out = vm;
	if (!vm || vm->adding)
		return reply_error(reply, -ENOENT,
				   "no vm named %s (ddactl vm add %s --qmp PATH); %s",
				   name, name, libvirt_guests_why(ddad));
	if (!vm->up)
		return reply_error(reply, -ENOTCONN,
				   "vm %s is not connected: %s", name,
				   *vm->why ? vm->why : "connecting");
	if (vm->shutdown)
		return reply_error(reply, -ESHUTDOWN, "vm %s has shut down",
				   name);
	return 0;
}

/*
 * Free for the pool: quarantined, out of its last reset well, with no
 * guest and no operation in ddad's records (a quarantined device may have
 * a record of its own), and in no job.
 */
static bool vf_free(struct ddad *ddad, const struct dda_device *d)
{
	const struct state_device *rec = state_find(&ddad->state, d->address);

	return d->state == DDA_STATE_QUARANTINED &&
	       d->health == DDA_HEALTH_OK &&
	       (!rec || (!rec->vm && rec->operation == OPERATION_NONE)) &&
	       !job_find(ddad, d->address);
}

/*
 * The pool of pf's virtual functions: the first VF, in ddad's view of
 * dda.ko's devices, that is free (vf_free()); its address to out.
 */
static int vf_pick(struct ddad *ddad, const char *pf,
		   char out[DDA_ADDRESS_LEN + 1], struct reply *reply)
{
	const struct view *view = &ddad->devices.view;
	size_t i, vfs = 0;
	int err;

	err = kernel_view_update(ddad);
	if (err == -EINPROGRESS)	/* op_assign() waits */
		return reply_error(reply, err, "dda.ko's devices are being read");
	if (err)
		return reply_error(reply, err, "%s", kernel_view_why(ddad));
	for (i = 0; i < view->count; i++) {
		const struct dda_device *d = &view->devs[i];

		if (strcmp(d->physfn, pf))
			continue;
		vfs++;
		if (vf_free(ddad, d)) {
			memcpy(out, d->address, DDA_ADDRESS_LEN + 1);
			return 0;
		}
	}
	if (!vfs)
		return reply_error(reply, -ENODEV,
				   "%s has no virtual functions (ddactl sriov %s --vfs N)",
				   pf, pf);
	return reply_error(reply, -EBUSY,
			   "no free virtual function of %s: its %zu are assigned, busy, unhealthy or not quarantined",
			   pf, vfs);
}

/*
 * The device an assign names: "address" to address, or "vf_of", a PF whose
 * free VF vf_pick() chooses later, to pf ("" when not).
 */
static int assign_address(struct json_object *request,
			  char address[DDA_ADDRESS_LEN + 1],
			  char pf[DDA_ADDRESS_LEN + 1], struct reply *reply)
{
	const char *text;
	int err;

	pf[0] = '\0';
	err = arg_string(request, "assign", "vf_of", false, &text, reply);
	if (err)
		return err;
	if (!text)
		return arg_address(request, "assign", address, reply);
	if (json_object_object_get_ex(request, "address", NULL))
		return reply_error(reply, -EINVAL,
				   "assign takes an address or vf_of, not both");
	if (dda_address_parse(text, pf))
		return reply_error(reply, -EINVAL,
				   "\"%.64s\" is not a PCI address (DDDD:BB:DD.F or BB:DD.F)",
				   text);
	return 0;
}

/*
 * What an assign checks before its job starts: the guest ready, the
 * address (or a free VF of pf, when pf[0]) quarantined, its group too.
 * -EINPROGRESS when ddad's view of dda.ko's devices is being read, which
 * the pool needs whole.
 */
static int assign_prepare(struct ddad *ddad, const char *name,
			  const char *pf, char address[DDA_ADDRESS_LEN + 1],
			  struct guest **vm, struct reply *reply)
{
	char message[256];
	struct devices devs;
	int err;

	err = vm_ready_for(ddad, name, vm, reply);
	if (!err && pf[0])
		err = vf_pick(ddad, pf, address, reply);
	if (!err)
		err = not_busy(ddad, address, reply);
	if (err)
		return err;
	err = devices_get(&devs, address, reply);
	if (err)
		return err;
	err = assign_check(devs.dev, devs.all, devs.count, &ddad->state,
			   message, sizeof(message));
	free(devs.all);
	if (err == -ENODEV)
		return reply_error(reply, err, "no PCI device %s", address);
	if (err)
		return reply_error(reply, err, "%s", message);
	return 0;
}

/* An assign from a VF pool, waiting for the view to be whole. */
struct assign_later {
	struct call *call;
	char *name;
	unsigned int flags;	/* job_assign()'s */
	char pf[DDA_ADDRESS_LEN + 1];
};

static void assign_when_whole(struct ddad *ddad, void *ctx, int err,
			      const char *why)
{
	struct assign_later *later = ctx;
	char address[DDA_ADDRESS_LEN + 1];
	struct reply reply = { 0 };
	struct guest *vm;

	if (!err) {
		err = assign_prepare(ddad, later->name, later->pf, address,
				     &vm, &reply);
		if (err == -EINPROGRESS &&
		    !kernel_view_wait(ddad, assign_when_whole, later))
			return;
		why = reply.message;
	}
	if (!err)
		err = job_assign(ddad, address, vm, later->flags,
				 later->call);
	if (err)
		call_finish(later->call, err, NULL, "%s",
			    err == -ENOMEM ? "out of memory" : why);
	free(later->name);
	free(later);
}

int op_assign(struct ddad *ddad, struct json_object *request,
	      struct reply *reply)
{
	char address[DDA_ADDRESS_LEN + 1], pf[DDA_ADDRESS_LEN + 1];
	struct assign_later *later;
	unsigned int flags = 0;
	const char *name;
	struct call *call;
	struct guest *vm;
	bool persistent;
	int err;

	err = assign_address(request, address, pf, reply);
	if (!err)
		err = arg_vm(request, "assign", &name, reply);
	if (!err)
		err = arg_bool(request, "assign", "persistent", &persistent,
			       reply);
	if (!err && persistent)
		flags |= JOB_PERSISTENT;
	if (!err)
		err = assign_prepare(ddad, name, pf, address, &vm, reply);
	if (err && err != -EINPROGRESS)
		return err;

	call = call_defer(reply);
	if (!call)
		return reply->err;
	if (!err) {
		err = job_assign(ddad, address, vm, flags, call);
		if (err)
			return reply_error(reply, err, "out of memory");
		return 0;
	}
	later = calloc(1, sizeof(*later));
	if (later) {
		later->call = call;
		later->name = strdup(name);
		later->flags = flags;
		memcpy(later->pf, pf, sizeof(later->pf));
	}
	if (!later || !later->name ||
	    kernel_view_wait(ddad, assign_when_whole, later)) {
		if (later)
			free(later->name);
		free(later);
		return reply_error(reply, -ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * Checks that address is assigned, to a guest ddad knows: its vm (NULL if
 * that guest is not registered: then it is the administrator's word that
 * takes it back), connected through the QEMU process ddad gave it to, or
 * that process gone.
 */
static int assigned_to(struct ddad *ddad, const char *address,
		       struct guest **vm, struct reply *reply)
{
	struct state_device *rec = state_find(&ddad->state, address);
	struct devices devs;
	char message[256];
	int err;

	err = devices_get(&devs, address, reply);
	if (err)
		return err;
	err = unassign_check(devs.dev, devs.all, devs.count, &ddad->state,
			     message, sizeof(message));
	free(devs.all);
	if (err == -ENODEV)
		return reply_error(reply, err, "no PCI device %s", address);
	if (err)
		return reply_error(reply, err, "%s", message);
	*vm = guest_find(ddad, rec->vm);
	if (!*vm)
		return 0;
	switch (holder_view_of(ddad, rec)) {
	case HOLDER_GONE:
		return 0;
	case HOLDER_ELSEWHERE:
		if ((*vm)->up)
			return reply_error(reply, -ENOTCONN,
					   "vm %s is connected through another QEMU process (pid %d) than the one holding %s (pid %d): it comes back when that one exits",
					   rec->vm, (int)(*vm)->proc.pid,
					   address, (int)rec->pid);
		/* fall through */
	case HOLDER_STOPPED:
	case HOLDER_UNKNOWN:
		if (!(*vm)->up)
			return reply_error(reply, -ENOTCONN,
					   "vm %s is not connected (%s): it cannot be asked to let go of %s",
					   rec->vm, *(*vm)->why ? (*vm)->why :
					   "connecting", address);
		break;
	case HOLDER_CONNECTED:
		break;
	}
	return 0;
}

static int unassign_start(struct ddad *ddad, const char *address,
			  struct guest *vm, struct guest *next_vm,
			  unsigned int timeout, struct reply *reply)
{
	struct call *call;
	int err;

	call = call_defer(reply);
	if (!call)
		return reply->err;
	if (vm && !next_vm)
		call_audit_vm(call, vm->name);
	/* vm NULL: its guest is no more, nothing to unplug. */
	err = job_unassign(ddad, address, vm, next_vm, timeout, NULL, call);
	if (err)
		return reply_error(reply, err, "out of memory");
	return 0;
}

int op_unassign(struct ddad *ddad, struct json_object *request,
		struct reply *reply)
{
	char address[DDA_ADDRESS_LEN + 1];
	unsigned int timeout;
	struct guest *vm;
	int err;

	err = arg_address(request, "unassign", address, reply);
	if (!err)
		err = arg_timeout(request, "unassign", JOB_UNPLUG_TIMEOUT,
				  &timeout, reply);
	if (!err)
		err = not_busy(ddad, address, reply);
	if (!err)
		err = assigned_to(ddad, address, &vm, reply);
	if (err)
		return err;
	return unassign_start(ddad, address, vm, NULL, timeout, reply);
}

int op_reassign(struct ddad *ddad, struct json_object *request,
		struct reply *reply)
{
	char address[DDA_ADDRESS_LEN + 1];
	struct guest *vm, *next_vm;
	unsigned int timeout;
	const char *name;
	int err;

	err = arg_address(request, "reassign", address, reply);
	if (!err)
		err = arg_vm(request, "reassign", &name, reply);
	if (!err)
		err = arg_timeout(request, "reassign", JOB_UNPLUG_TIMEOUT,
				  &timeout, reply);
	if (!err)
		err = vm_ready_for(ddad, name, &next_vm, reply);
	if (!err)
		err = not_busy(ddad, address, reply);
	if (!err)
		err = assigned_to(ddad, address, &vm, reply);
	if (err)
		return err;
	if (vm == next_vm)
		return reply_error(reply, -EALREADY,
				   "%s is already assigned to vm %s", address,
				   name);
	return unassign_start(ddad, address, vm, next_vm, timeout, reply);
}

/*
 * Proof that no process holds dev's group through vfio: none has any of
 * its assigned devices open (dda_vfio_users()). 0, or -EBUSY naming the
 * holder (or another -errno when it cannot be told) in message.
 */
static int vfio_unheld(const struct dda_device *dev,
		       const struct dda_device *devs, size_t count,
		       char *message, size_t size)
{
	struct dda_vfio_user *users;
	size_t i, n;
	int err;

	for (i = 0; i < count; i++) {
		const struct dda_device *m = &devs[i];

		if (m->state != DDA_STATE_ASSIGNED ||
		    (strcmp(m->address, dev->address) &&
		     (dev->iommu_group < 0 ||
		      m->iommu_group != dev->iommu_group)))
			continue;
		err = dda_vfio_users(m->address, &users, &n);
		if (err) {
			snprintf(message, size,
				 "cannot tell who holds %s through vfio: %s",
				 m->address, strerror(-err));
			return err;
		}
		if (n) {
			char comm[64];

			snprintf(message, size,
				 "%s is held open through vfio by pid %d (%s, %s): it stays assigned",
				 m->address, users[0].pid,
				 log_escape(users[0].command, comm,
					    sizeof(comm)),
				 users[0].file);
			free(users);
			return -EBUSY;
		}
		free(users);
	}
	return 0;
}

/*
 * reclaim: a device assigned to no guest ddad knows (assigned without
 * ddad, or whose guest a corrupt state.json lost, which ddad leaves
 * alone) taken back into quarantine with its IOMMU group, on proof that
 * nobody holds it: no process has it open through vfio.
 */
int op_reclaim(struct ddad *ddad, struct json_object *request,
	       struct reply *reply)
{
	char address[DDA_ADDRESS_LEN + 1], message[256];
	struct devices devs;
	int err;

	err = arg_address(request, "reclaim", address, reply);
	if (!err)
		err = not_busy(ddad, address, reply);
	if (!err)
		err = devices_get(&devs, address, reply);
	if (err)
		return err;
	err = reclaim_check(devs.dev, devs.all, devs.count, &ddad->state,
			    message, sizeof(message));
	if (!err)
		err = vfio_unheld(devs.dev, devs.all, devs.count, message,
				  sizeof(message));
	free(devs.all);
	if (err == -ENODEV)
		return reply_error(reply, err, "no PCI device %s", address);
	if (err)
		return reply_error(reply, err, "%s", message);
	log_msg(LOG_NOTICE, "%s, assigned to no guest ddad knows and held by no process, is reclaimed at an administrator's request",
		address);
	return unassign_start(ddad, address, NULL, NULL, JOB_UNPLUG_TIMEOUT,
			      reply);
}
