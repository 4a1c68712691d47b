// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every guest has, whatever its kind (guest.h): its name among ddad's
 * guests, its QEMU process, and its vm_list object.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "ddad.h"
#include "guest.h"
#include "json_add.h"
#include "libdda.h"
#include "process.h"
#include "state.h"

int guest_init(struct guest *guest, const struct guest_ops *ops,
	       struct ddad *ddad, const char *name)
{
	guest->ops = ops;
	guest->ddad = ddad;
	process_init(&guest->proc);
	guest->name = strdup(name);
	return guest->name ? 0 : -ENOMEM;
}

int guest_register(struct guest *guest)
{
	struct ddad *ddad = guest->ddad;
	struct guest **guests;

	guests = reallocarray(ddad->guests, ddad->guest_count + 1,
			      sizeof(*guests));
	if (!guests)
		return -ENOMEM;
	ddad->guests = guests;
	guests[ddad->guest_count++] = guest;
	return 0;
}

void guest_unregister(struct guest *guest)
{
	struct ddad *ddad = guest->ddad;
	size_t i;

	for (i = 0; i < ddad->guest_count; i++) {
		if (ddad->guests[i] == guest) {
			memmove(&ddad->guests[i], &ddad->guests[i + 1],
				(ddad->guest_count - i - 1) * sizeof(guest));
			ddad->guest_count--;
			break;
		}
	}
	process_close(&guest->proc);
	free(guest->name);
	guest->name = NULL;
}

struct guest *guest_find(struct ddad *ddad, const char *name)
{
	size_t i;

	for (i = 0; i < ddad->guest_count; i++)
		if (!strcmp(ddad->guests[i]->name, name))
			return ddad->guests[i];
	return NULL;
}

void guest_destroy(struct guest *guest)
{
	guest->ops->destroy(guest);
}

bool guest_is_process(const struct guest *guest, pid_t pid,
		      unsigned long long start)
{
	return guest->up && pid > 0 && guest->proc.pid == pid &&
	       guest->proc.start == start;
}

struct json_object *guest_json(const struct guest *guest)
{
	struct json_object *obj, *devices;
	struct state *state = &guest->ddad->state;
	size_t i;
	bool ok;

	obj = json_object_new_object();
	devices = json_object_new_array();
	ok = obj && devices;
	ok = ok && json_add(obj, "vm", json_object_new_string(guest->name));
	ok = ok && json_add(obj, "kind",
			    json_object_new_string(guest->ops->kind));
	ok = ok && guest->ops->describe(guest, obj);
	ok = ok && json_add(obj, "connected",
			    json_object_new_boolean(guest->up));
	for (i = 0; ok && i < state->count; i++) {
		const struct state_device *dev = &state->devices[i];

		if (dev->state == DDA_STATE_ASSIGNED && dev->vm &&
		    !strcmp(dev->vm, guest->name))
			ok = !json_object_array_add(devices,
				json_object_new_string(dev->address));
	}
	if (ok && json_add(obj, "devices", devices))
		return obj;
	if (!ok)
		json_object_put(devices);
	json_object_put(obj);
	return NULL;
}
