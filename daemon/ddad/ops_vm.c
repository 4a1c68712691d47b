// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ops on guests: vm_add, vm_remove (root or --group), vm_list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <json-c/json.h>

#include "args.h"
#include "ddad.h"
#include "guest.h"
#include "job.h"
#include "ops.h"
#include "permission.h"
#include "protocol.h"
#include "state.h"
#include "vm.h"

#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

int op_vm_add(struct ddad *ddad, struct json_object *request,
	      struct reply *reply)
{
	const char *name, *qmp;
	struct call *call;
	char why[128];
	size_t i;
	int err;

	err = arg_vm(request, "vm_add", &name, reply);
	if (!err)
		err = arg_string(request, "vm_add", "qmp", true, &qmp, reply);
	if (err)
		return err;
	if (qmp[0] != '/' || strlen(qmp) > SUN_PATH_MAX)
		return reply_error(reply, -EINVAL,
				   "\"qmp\" must be the absolute path of a UNIX socket, at most %zu bytes",
				   SUN_PATH_MAX);
	for (i = 0; qmp[i]; i++)
		if (qmp[i] < 0x20 || qmp[i] > 0x7e)
			return reply_error(reply, -EINVAL,
					   "\"qmp\" must be printable ASCII, without control characters");
	for (i = 0; i < ddad->guest_count; i++) {
		const struct guest *vm = ddad->guests[i];
		const char *path = vm_qmp_path(vm);

		if (!strcmp(vm->name, name) && !path)
			return reply_error(reply, -EEXIST,
					   "vm %s exists: it is a %s domain, a guest of ddad's without vm add",
					   name, vm->ops->kind);
		if (!strcmp(vm->name, name))
			return reply_error(reply, -EEXIST,
					   "vm %s exists (QMP socket %s)",
					   name, path);
		if (path && !strcmp(path, qmp))
			return reply_error(reply, -EEXIST,
					   "%s is the QMP socket of vm %s",
					   qmp, vm->name);
	}
	/* A member of the admin group registers only what it could open. */
	err = peer_may_connect(reply->peer, qmp, why, sizeof(why));
	if (err == -EACCES)
		return reply_error(reply, err,
				   "uid %u could not connect to %s itself: %s",
				   (unsigned int)reply->peer->uid, qmp, why);
	call = call_defer(reply);
	if (!call)
		return reply->err;
	if (!vm_create(ddad, name, qmp, -1, call))
		return reply_error(reply, -ENOMEM, "out of memory");
	return 0;
}

int op_vm_remove(struct ddad *ddad, struct json_object *request,
		 struct reply *reply)
{
	struct state *state = &ddad->state;
	const char *name;
	struct guest *vm;
	size_t i;
	int err;

	err = arg_vm(request, "vm_remove", &name, reply);
	if (err)
		return err;
	vm = guest_find(ddad, name);
	if (!vm)
		return reply_error(reply, -ENOENT, "no vm named %s", name);
	if (!vm_qmp_path(vm))
		return reply_error(reply, -EINVAL,
				   "vm %s is a %s domain, not added with vm add: there is nothing to remove",
				   name, vm->ops->kind);
	if (vm->adding)
		return reply_error(reply, -EBUSY, "vm %s is being added", name);
	for (i = 0; i < state->count; i++)
		if (state->devices[i].vm && !strcmp(state->devices[i].vm, name))
			return reply_error(reply, -EBUSY,
					   "vm %s holds %s: unassign it first",
					   name, state->devices[i].address);
	if (jobs_on_vm(ddad, vm))
		return reply_error(reply, -EBUSY,
				   "vm %s has a device on its way in or out",
				   name);
	state_vm_remove(state, name);
	err = state_save(state);
	if (err) {
		state_vm_add(state, name, vm_qmp_path(vm), vm_uid(vm));
		return reply_error(reply, err, "cannot write %s/%s: %s",
				   state->dir, STATE_FILE, strerror(-err));
	}
	guest_destroy(vm);
	reply->result = json_object_new_object();
	if (!reply->result)
		return reply_error(reply, -ENOMEM, "out of memory");
	return 0;
}

static int vm_compare(const void *a, const void *b)
{
	const struct guest *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

int op_vm_list(struct ddad *ddad, struct json_object *request,
	       struct reply *reply)
{
	struct json_object *result, *obj;
	struct guest **sorted;
	size_t i;

	(void)request;
	result = json_object_new_array();
	sorted = calloc(ddad->guest_count + 1, sizeof(*sorted));
	if (!result || !sorted)
		goto nomem;
	if (ddad->guest_count) {
		memcpy(sorted, ddad->guests, ddad->guest_count * sizeof(*sorted));
		qsort(sorted, ddad->guest_count, sizeof(*sorted), vm_compare);
	}
	for (i = 0; i < ddad->guest_count; i++) {
		/* One being added is not there yet. */
		if (sorted[i]->adding)
			continue;
		obj = guest_json(sorted[i]);
		if (!obj || json_object_array_add(result, obj)) {
			json_object_put(obj);
			goto nomem;
		}
	}
	free(sorted);
	reply->result = result;
	return 0;
nomem:
	free(sorted);
	json_object_put(result);
	return reply_error(reply, -ENOMEM, "out of memory");
}
