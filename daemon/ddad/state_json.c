// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON of the state file, DIR/state.json (state_file.c): what ddad
 * knows of the devices beyond what dda.ko says, so that it survives a
 * restart.
 *
 *	{
 *	  "version": 1,
 *	  "devices": {
 *	    "0000:03:00.0": { "state": "assigned", "vm": "win11",
 *			      "since": "2025-01-31T12:00:00Z",
 *			      "port": "rp0", "operation": null,
 *			      "pid": 4242, "pid_start": 81234 },
 *	    "0000:03:00.1": { "state": "assigned", "vm": "win11", ...,
 *			      "pid": 4242, "pid_start": 81234,
 *			      "with": "0000:03:00.0" }
 *	  },
 *	  "vms": {
 *	    "win11": { "qmp": "/run/win11.qmp", "uid": 107 }
 *	  }
 *	}
 *
 * "state" is "quarantined" or "assigned" (as dda.ko said last), "vm" a
 * string or null, "since" when the device entered that state, ISO-8601 in
 * UTC; "port" the guest's port it is plugged into, "operation" what ddad
 * was doing to it ("assign", "unassign", "reclaim"), each a string or null
 * and absent in files of ddad's first version. "pid" and "pid_start" name
 * the QEMU process ddad gave the device to (its pid and its start time in
 * /proc/PID/stat), "with" the device of its IOMMU group it went to vfio-pci
 * along with; "uid" is the uid that must serve the guest's QMP socket.
 * Each is absent when not known. No other key is taken.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "isotime.h"
#include "json_add.h"
#include "libdda.h"
#include "operation.h"
#include "port.h"
#include "state.h"
#include "state_json.h"

static int state_name_parse(const char *name, enum dda_state *out)
{
	if (!strcmp(name, dda_state_name(DDA_STATE_QUARANTINED)))
		*out = DDA_STATE_QUARANTINED;
	else if (!strcmp(name, dda_state_name(DDA_STATE_ASSIGNED)))
		*out = DDA_STATE_ASSIGNED;
	else
		return -EINVAL;
	return 0;
}

#define WHY(...)	(snprintf(why, STATE_WHY_SIZE, __VA_ARGS__), -EINVAL)
/* Not the file's fault: never a reason to set it aside as corrupt. */
#define NOMEM()		(snprintf(why, STATE_WHY_SIZE, "out of memory"), -ENOMEM)

/* One device of "devices": key address, value obj. */
static int state_parse_device(struct state *state, const char *key,
			      struct json_object *obj, char *why)
{
	struct json_object *st = NULL, *vm = NULL, *since = NULL;
	struct json_object *port = NULL, *operation = NULL;
	struct json_object *pid = NULL, *pid_start = NULL, *with = NULL;
	enum operation operation_value = OPERATION_NONE;
	char with_address[DDA_ADDRESS_LEN + 1];
	struct state_device *dev;
	char address[DDA_ADDRESS_LEN + 1];
	enum dda_state state_value;
	time_t since_value;
	int err;

	if (dda_address_parse(key, address))
		return WHY("\"devices\": \"%.32s\" is not a PCI address", key);
	if (state_find(state, address))
		return WHY("\"devices\": %s appears twice", address);
	if (!json_object_is_type(obj, json_type_object))
		return WHY("\"devices\": %s is not an object", address);

	json_object_object_foreach(obj, name, value) {
		if (!strcmp(name, "state"))
			st = value;
		else if (!strcmp(name, "vm"))
			vm = value;
		else if (!strcmp(name, "since"))
			since = value;
		else if (!strcmp(name, "port"))
			port = value;
		else if (!strcmp(name, "operation"))
			operation = value;
		else if (!strcmp(name, "pid"))
			pid = value;
		else if (!strcmp(name, "pid_start"))
			pid_start = value;
		else if (!strcmp(name, "with"))
			with = value;
		else
			return WHY("\"devices\": %s: unknown key \"%.32s\"",
				   address, name);
	}
	if (!json_object_is_type(st, json_type_string) ||
	    state_name_parse(json_object_get_string(st), &state_value))
		return WHY("\"devices\": %s: \"state\" is not \"quarantined\" or \"assigned\"",
			   address);
	if (!json_object_object_get_ex(obj, "vm", NULL) ||
	    (vm && !json_object_is_type(vm, json_type_string)))
		return WHY("\"devices\": %s: \"vm\" is not a string or null",
			   address);
	if (!json_object_is_type(since, json_type_string) ||
	    time_parse(json_object_get_string(since), &since_value))
		return WHY("\"devices\": %s: \"since\" is not an ISO-8601 UTC time",
			   address);

	if (port && (!json_object_is_type(port, json_type_string) ||
		     !json_object_get_string_len(port) ||
		     json_object_get_string_len(port) >= QDEV_SIZE))
		return WHY("\"devices\": %s: \"port\" is not a device id or null",
			   address);
	if (operation &&
	    (!json_object_is_type(operation, json_type_string) ||
	     operation_parse(json_object_get_string(operation),
			     &operation_value)))
		return WHY("\"devices\": %s: \"operation\" is not \"assign\", \"unassign\", \"reclaim\" or null",
			   address);

	if (pid && (!json_object_is_type(pid, json_type_int) ||
		    json_object_get_int64(pid) <= 0 ||
		    json_object_get_int64(pid) > INT32_MAX ||
		    !json_object_is_type(pid_start, json_type_int) ||
		    json_object_get_int64(pid_start) < 0 || !vm))
		return WHY("\"devices\": %s: \"pid\" and \"pid_start\" are not a process of its vm",
			   address);
	if (with && (!json_object_is_type(with, json_type_string) ||
		     dda_address_parse(json_object_get_string(with),
				       with_address) || !pid))
		return WHY("\"devices\": %s: \"with\" is not the PCI address of a device its process holds",
			   address);

	err = state_add(state, address, state_value,
			vm ? json_object_get_string(vm) : NULL, since_value,
			port ? json_object_get_string(port) : NULL,
			operation_value);
	if (err)
		return NOMEM();
	dev = state_find(state, address);
	if (pid && state_set_holder(state, dev, json_object_get_int64(pid),
				    json_object_get_int64(pid_start),
				    with ? with_address : NULL))
		return NOMEM();
	return 0;
}

/* One guest of "vms": key name, value obj. */
static int state_parse_vm(struct state *state, const char *name,
			  struct json_object *obj, char *why)
{
	struct json_object *qmp = NULL, *uid = NULL;
	const char *p;

	if (!vm_name_valid(name))
		return WHY("\"vms\": \"%.32s\" is not a guest's name", name);
	if (!json_object_is_type(obj, json_type_object))
		return WHY("\"vms\": %s is not an object", name);
	json_object_object_foreach(obj, key, value) {
		if (!strcmp(key, "qmp"))
			qmp = value;
		else if (!strcmp(key, "uid"))
			uid = value;
		else
			return WHY("\"vms\": %s: unknown key \"%.32s\"", name,
				   key);
	}
	if (uid && (!json_object_is_type(uid, json_type_int) ||
		    json_object_get_int64(uid) < 0 ||
		    json_object_get_int64(uid) >= UINT32_MAX))
		return WHY("\"vms\": %s: \"uid\" is not a uid", name);
	if (!json_object_is_type(qmp, json_type_string) ||
	    json_object_get_string(qmp)[0] != '/' ||
	    (size_t)json_object_get_string_len(qmp) !=
	    strlen(json_object_get_string(qmp)))
		return WHY("\"vms\": %s: \"qmp\" is not an absolute path",
			   name);
	for (p = json_object_get_string(qmp); *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return WHY("\"vms\": %s: \"qmp\" is not printable ASCII",
				   name);
	if (state_vm_add(state, name, json_object_get_string(qmp),
			 uid ? json_object_get_int64(uid) : -1))
		return NOMEM();
	return 0;
}

int state_parse(struct state *state, const char *text, size_t len,
		char why[STATE_WHY_SIZE])
{
	struct json_object *root, *version, *devices, *vms;
	struct json_tokener *tok;
	int err = 0;

	tok = json_tokener_new();
	if (!tok)
		return NOMEM();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, len);
	if (!root) {
		enum json_tokener_error jerr = json_tokener_get_error(tok);

		if (jerr == json_tokener_continue)
			err = WHY("not JSON: it ends too soon");
		else
			err = WHY("not JSON: %s at byte %zu",
				  json_tokener_error_desc(jerr),
				  json_tokener_get_parse_end(tok));
	}
	json_tokener_free(tok);
	if (err)
		return err;

	if (!json_object_is_type(root, json_type_object)) {
		err = WHY("not a JSON object");
		goto out;
	}
	json_object_object_foreach(root, key, value) {
		(void)value;
		if (strcmp(key, "version") && strcmp(key, "devices") &&
		    strcmp(key, "vms")) {
			err = WHY("unknown key \"%.32s\"", key);
			goto out;
		}
	}
	if (!json_object_object_get_ex(root, "version", &version) ||
	    !json_object_is_type(version, json_type_int) ||
	    json_object_get_int64(version) != STATE_VERSION) {
		err = WHY("\"version\" is not %d", STATE_VERSION);
		goto out;
	}
	if (!json_object_object_get_ex(root, "devices", &devices) ||
	    !json_object_is_type(devices, json_type_object)) {
		err = WHY("\"devices\" is not an object");
		goto out;
	}
	if (!json_object_object_get_ex(root, "vms", &vms) ||
	    !json_object_is_type(vms, json_type_object)) {
		err = WHY("\"vms\" is not an object");
		goto out;
	}

	json_object_object_foreach(devices, address, device) {
		err = state_parse_device(state, address, device, why);
		if (err)
			goto out;
	}
	json_object_object_foreach(vms, name, vm) {
		err = state_parse_vm(state, name, vm, why);
		if (err)
			goto out;
	}
out:
	json_object_put(root);
	return err;
}

struct json_object *state_device_json(const struct state_device *dev,
				      bool with_address, bool with_operation)
{
	struct json_object *obj;
	char since[TIME_SIZE];
	bool ok;

	obj = json_object_new_object();
	if (!obj)
		return NULL;
	time_format(dev->since, since);
	ok = !with_address ||
	     json_add(obj, "address", json_object_new_string(dev->address));
	ok = ok && json_add(obj, "state",
			    json_object_new_string(dda_state_name(dev->state)));
	if (dev->vm)
		ok = ok && json_add(obj, "vm", json_object_new_string(dev->vm));
	else
		ok = ok && !json_object_object_add(obj, "vm", NULL);
	ok = ok && json_add(obj, "since", json_object_new_string(since));
	if (!with_operation)
		goto out;
	if (dev->port)
		ok = ok && json_add(obj, "port",
				    json_object_new_string(dev->port));
	else
		ok = ok && !json_object_object_add(obj, "port", NULL);
	if (operation_name(dev->operation))
		ok = ok && json_add(obj, "operation", json_object_new_string(
					operation_name(dev->operation)));
	else
		ok = ok && !json_object_object_add(obj, "operation", NULL);
	if (dev->pid > 0) {
		ok = ok && json_add(obj, "pid", json_object_new_int64(dev->pid));
		ok = ok && json_add(obj, "pid_start",
				    json_object_new_int64(dev->start));
	}
	if (dev->with)
		ok = ok && json_add(obj, "with",
				    json_object_new_string(dev->with));
out:
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *state_vms_json(const struct state *state)
{
	struct json_object *vms, *vm;
	size_t i;

	vms = json_object_new_object();
	if (!vms)
		return NULL;
	for (i = 0; i < state->vm_count; i++) {
		vm = json_object_new_object();
		if (!vm || !json_add(vm, "qmp",
				     json_object_new_string(state->vms[i].qmp)) ||
		    (state->vms[i].uid >= 0 &&
		     !json_add(vm, "uid",
			       json_object_new_int64(state->vms[i].uid))) ||
		    !json_add(vms, state->vms[i].name, vm)) {
			json_object_put(vm);
			json_object_put(vms);
			return NULL;
		}
	}
	return vms;
}

struct json_object *state_json(const struct state *state)
{
	struct json_object *root, *devices;
	size_t i;

	devices = json_object_new_object();
	if (!devices)
		return NULL;
	for (i = 0; i < state->count; i++) {
		const struct state_device *dev = &state->devices[i];

		if (!json_add(devices, dev->address,
			      state_device_json(dev, false, true))) {
			json_object_put(devices);
			return NULL;
		}
	}

	root = json_object_new_object();
	if (!root || !json_add(root, "version",
			       json_object_new_int(STATE_VERSION))) {
		json_object_put(devices);
		json_object_put(root);
		return NULL;
	}
	if (!json_add(root, "devices", devices) ||
	    !json_add(root, "vms", state_vms_json(state))) {
		json_object_put(root);
		return NULL;
	}
	return root;
}
