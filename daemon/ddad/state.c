// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state file, DIR/state.json: what ddad knows of the devices beyond
 * what dda.ko says, so that it survives a restart.
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
 * Each is absent when not known. No other key is taken. The
 * file is only ever replaced whole (write_atomic()), and only when
 * something changed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <json-c/json.h>

#include "fs.h"
#include "isotime.h"
#include "json.h"
#include "libdda.h"
#include "log.h"
#include "operation.h"
#include "port.h"
#include "state.h"
#include "state_json.h"
#include "state_sync.h"
#include "util.h"

#define STATE_SIZE_MAX		(16 << 20)
#define STATE_TMP_PREFIX	STATE_FILE ".tmp-"
#define STATE_CORRUPT		STATE_FILE ".corrupt-"
#define WHY_SIZE		256

void time_format(time_t t, char buf[TIME_SIZE])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, TIME_SIZE, "1970-01-01T00:00:00Z");
}

int time_parse(const char *text, time_t *out)
{
	char check[TIME_SIZE];
	struct tm tm = { 0 };
	const char *end;
	time_t t;

	end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -EINVAL;
	t = timegm(&tm);
	/* Only the canonical form: no missing digits, no 25:61:99. */
	time_format(t, check);
	if (strcmp(check, text))
		return -EINVAL;
	*out = t;
	return 0;
}

static const char *const operation_names[] = {
	[OPERATION_ASSIGN] = "assign",
	[OPERATION_UNASSIGN] = "unassign",
	[OPERATION_RECLAIM] = "reclaim",
};

const char *operation_name(enum operation operation)
{
	if (operation <= OPERATION_NONE ||
	    operation >= ARRAY_SIZE(operation_names))
		return NULL;
	return operation_names[operation];
}

static int operation_parse(const char *name, enum operation *out)
{
	size_t i;

	for (i = 1; i < ARRAY_SIZE(operation_names); i++) {
		if (!strcmp(name, operation_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

struct state_device *state_find(struct state *state, const char *address)
{
	size_t i;

	for (i = 0; i < state->count; i++)
		if (!strcmp(state->devices[i].address, address))
			return &state->devices[i];
	return NULL;
}

/* A copy of text, NULL staying NULL; false when out of memory. */
static bool copy_of(const char *text, char **out)
{
	*out = text ? strdup(text) : NULL;
	return !text || *out;
}

/* Adds a device, keeping them sorted; vm and port are copied. */
static int state_add(struct state *state, const char *address,
		     enum dda_state st, const char *vm, time_t since,
		     const char *port, enum operation operation)
{
	struct state_device *dev;
	char *copy, *port_copy;
	size_t i;

	if (!copy_of(vm, &copy))
		return -ENOMEM;
	if (!copy_of(port, &port_copy)) {
		free(copy);
		return -ENOMEM;
	}
	if (state->count == state->size) {
		size_t size = state->size ? 2 * state->size : 8;

		dev = reallocarray(state->devices, size, sizeof(*dev));
		if (!dev) {
			free(copy);
			free(port_copy);
			return -ENOMEM;
		}
		state->devices = dev;
		state->size = size;
	}
	for (i = state->count; i > 0; i--) {
		if (strcmp(state->devices[i - 1].address, address) < 0)
			break;
		state->devices[i] = state->devices[i - 1];
	}
	dev = &state->devices[i];
	*dev = (struct state_device){ .state = st, .vm = copy, .since = since,
				      .port = port_copy,
				      .operation = operation };
	snprintf(dev->address, sizeof(dev->address), "%s", address);
	state->count++;
	return 0;
}

static void state_remove(struct state *state, struct state_device *dev)
{
	size_t i = dev - state->devices;

	free(dev->vm);
	free(dev->port);
	free(dev->with);
	memmove(dev, dev + 1, (state->count - i - 1) * sizeof(*dev));
	state->count--;
}

struct state_device *state_get(struct state *state, const char *address,
			       time_t now)
{
	struct state_device *dev = state_find(state, address);

	if (dev)
		return dev;
	if (state_add(state, address, DDA_STATE_QUARANTINED, NULL, now, NULL,
		      OPERATION_NONE))
		return NULL;
	state->dirty = true;
	return state_find(state, address);
}

void state_forget(struct state *state, struct state_device *dev)
{
	state_remove(state, dev);
	state->dirty = true;
}

int state_set(struct state *state, struct state_device *dev,
	      enum dda_state st, const char *vm, const char *port,
	      enum operation operation, time_t now)
{
	char *vm_copy, *port_copy;

	if (!copy_of(vm, &vm_copy))
		return -ENOMEM;
	if (!copy_of(port, &port_copy)) {
		free(vm_copy);
		return -ENOMEM;
	}
	free(dev->vm);
	free(dev->port);
	dev->vm = vm_copy;
	dev->port = port_copy;
	if (!vm) {
		dev->pid = 0;
		dev->start = 0;
		free(dev->with);
		dev->with = NULL;
	}
	if (dev->state != st)
		dev->since = now;
	dev->state = st;
	dev->operation = operation;
	state->dirty = true;
	return 0;
}

int state_set_holder(struct state *state, struct state_device *dev,
		     pid_t pid, unsigned long long start, const char *with)
{
	char *copy;

	if (!copy_of(with, &copy))
		return -ENOMEM;
	free(dev->with);
	dev->with = copy;
	dev->pid = pid > 0 ? pid : 0;
	dev->start = pid > 0 ? start : 0;
	state->dirty = true;
	return 0;
}

bool vm_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= 64)
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (!i || !strchr("._-", c))
			return false;
	}
	return i > 0;
}

struct state_vm *state_vm_find(struct state *state, const char *name)
{
	size_t i;

	for (i = 0; i < state->vm_count; i++)
		if (!strcmp(state->vms[i].name, name))
			return &state->vms[i];
	return NULL;
}

int state_vm_add(struct state *state, const char *name, const char *qmp,
		 long long uid)
{
	struct state_vm *vms, vm;
	size_t i;

	if (state_vm_find(state, name))
		return -EEXIST;
	vm = (struct state_vm){ .name = strdup(name), .qmp = strdup(qmp),
				.uid = uid };
	vms = reallocarray(state->vms, state->vm_count + 1, sizeof(*vms));
	if (vms)
		state->vms = vms;
	if (!vm.name || !vm.qmp || !vms) {
		free(vm.name);
		free(vm.qmp);
		return -ENOMEM;
	}
	for (i = state->vm_count; i > 0; i--) {
		if (strcmp(vms[i - 1].name, name) < 0)
			break;
		vms[i] = vms[i - 1];
	}
	vms[i] = vm;
	state->vm_count++;
	state->dirty = true;
	return 0;
}

void state_vm_remove(struct state *state, const char *name)
{
	struct state_vm *vm = state_vm_find(state, name);
	size_t i;

	if (!vm)
		return;
	i = vm - state->vms;
	free(vm->name);
	free(vm->qmp);
	memmove(vm, vm + 1, (state->vm_count - i - 1) * sizeof(*vm));
	state->vm_count--;
	state->dirty = true;
}

static void state_clear(struct state *state)
{
	while (state->count)
		state_remove(state, &state->devices[state->count - 1]);
	while (state->vm_count) {
		state->vm_count--;
		free(state->vms[state->vm_count].name);
		free(state->vms[state->vm_count].qmp);
	}
}

void state_release(struct state *state)
{
	state_clear(state);
	free(state->devices);
	free(state->vms);
	free(state->dir);
	*state = (struct state){ 0 };
}

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

#define WHY(...)	(snprintf(why, WHY_SIZE, __VA_ARGS__), -EINVAL)

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
		return WHY("out of memory");
	dev = state_find(state, address);
	if (pid && state_set_holder(state, dev, json_object_get_int64(pid),
				    json_object_get_int64(pid_start),
				    with ? with_address : NULL))
		return WHY("out of memory");
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
		return WHY("out of memory");
	return 0;
}

/* Fills an empty state from the text of a state file; -EINVAL with why. */
static int state_parse(struct state *state, const char *text, size_t len,
		       char *why)
{
	struct json_object *root, *version, *devices, *vms;
	struct json_tokener *tok;
	int err = 0;

	tok = json_tokener_new();
	if (!tok)
		return WHY("out of memory");
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

/* Reads the whole state file: 0, -ENOENT, -EINVAL with why, or errors. */
static int state_read(const char *path, char **text, size_t *len, char *why)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	char *buf;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? WHY("a symbolic link") : -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = WHY("not a regular file");
	else if (st.st_size > STATE_SIZE_MAX)
		err = WHY("larger than %d bytes", STATE_SIZE_MAX);
	else if (!st.st_size)
		err = WHY("empty");
	if (err) {
		close(fd);
		return err;
	}

	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		done += n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[done] = '\0';
	*text = buf;
	*len = done;
	return 0;
}

/* Renames a corrupt state file to state.json.corrupt-TIME[-N]. */
static int state_set_aside(const char *dir, char *name, size_t size)
{
	char path[4096], aside[4096], stamp[TIME_SIZE], compact[TIME_SIZE];
	int i, n, err = -EEXIST;
	char *p, *q;

	time_format(time(NULL), stamp);
	for (p = stamp, q = compact; *p; p++)	/* 20250131T120000Z */
		if (*p != '-' && *p != ':')
			*q++ = *p;
	*q = '\0';

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	for (i = 1; i < 100 && err == -EEXIST; i++) {
		if (i == 1)
			n = snprintf(name, size, "%s%s", STATE_CORRUPT, compact);
		else
			n = snprintf(name, size, "%s%s-%d", STATE_CORRUPT,
				     compact, i);
		if (n >= (int)size ||
		    snprintf(aside, sizeof(aside), "%s/%s", dir, name) >=
		    (int)sizeof(aside))
			return -ENAMETOOLONG;
		err = renameat2(AT_FDCWD, path, AT_FDCWD, aside,
				RENAME_NOREPLACE) < 0 ? -errno : 0;
		/* A file system without RENAME_NOREPLACE. */
		if (err == -EINVAL) {
			if (!access(aside, F_OK))
				err = -EEXIST;
			else
				err = rename(path, aside) < 0 ? -errno : 0;
		}
	}
	return err;
}

/* Removes what an interrupted write_atomic() left behind. */
static void state_remove_temporaries(const char *dir)
{
	char path[4096];
	struct dirent *entry;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return;
	while ((entry = readdir(d)))
		if (!strncmp(entry->d_name, STATE_TMP_PREFIX,
			     strlen(STATE_TMP_PREFIX)) &&
		    snprintf(path, sizeof(path), "%s/%s", dir,
			     entry->d_name) < (int)sizeof(path))
			unlink(path);
	closedir(d);
}

int state_load(struct state *state, const char *dir)
{
	char path[4096], why[WHY_SIZE] = "", aside[256] = "";
	char *text = NULL;
	size_t len = 0;
	int err;

	*state = (struct state){ 0 };
	state->dir = strdup(dir);
	if (!state->dir)
		return -ENOMEM;
	if (snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	state_remove_temporaries(dir);

	err = state_read(path, &text, &len, why);
	if (!err) {
		err = state_parse(state, text, len, why);
		free(text);
	}
	if (err == -ENOENT)
		err = 0;
	if (err == -EINVAL) {
		state_clear(state);
		err = state_set_aside(dir, aside, sizeof(aside));
		if (err) {
			log_msg(LOG_ERR, "%s is corrupt (%s) and cannot be moved aside: %s",
				path, why, strerror(-err));
			return err;
		}
		log_msg(LOG_WARNING, "%s is corrupt (%s): moved aside to %s, rebuilt from dda.ko: no device is given to a guest for its word",
			path, why, aside);
	} else if (err) {
		log_msg(LOG_ERR, "cannot read %s: %s", path, strerror(-err));
		return err;
	}

	state->dirty = false;
	state->rebuilt = err == 0 && *aside;
	return 0;
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

/* The JSON of a state, or NULL when out of memory. */
static struct json_object *state_json(const struct state *state)
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

int state_save(struct state *state)
{
	const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	struct json_object *root;
	const char *text;
	char *buf;
	size_t len;
	int err;

	if (!state->dirty)
		return 0;
	root = state_json(state);
	text = root ? json_object_to_json_string_ext(root, flags) : NULL;
	len = text ? strlen(text) : 0;
	buf = text ? malloc(len + 1) : NULL;
	if (!buf) {
		json_object_put(root);
		log_msg(LOG_ERR, "cannot write %s/%s: %s", state->dir,
			STATE_FILE, strerror(ENOMEM));
		return -ENOMEM;
	}
	memcpy(buf, text, len);
	buf[len++] = '\n';
	json_object_put(root);

	err = write_atomic(state->dir, STATE_FILE, buf, len, 0600);
	free(buf);
	if (err) {
		log_msg(LOG_ERR, "cannot write %s/%s: %s", state->dir,
			STATE_FILE, strerror(-err));
		return err;
	}
	state->dirty = false;
	return 0;
}

static bool is_held(enum dda_state st)
{
	return st == DDA_STATE_QUARANTINED || st == DDA_STATE_ASSIGNED;
}

bool state_sync(struct state *state, const struct dda_device *devs,
		size_t count, time_t now)
{
	struct state_device *entry;
	bool changed = false;
	size_t i, j;

	/* Entries of devices that left quarantine and assignment go. */
	for (i = state->count; i > 0; i--) {
		entry = &state->devices[i - 1];
		if (entry->operation != OPERATION_NONE)
			continue;
		for (j = 0; j < count; j++)
			if (!strcmp(devs[j].address, entry->address))
				break;
		if (j == count || !is_held(devs[j].state)) {
			state_remove(state, entry);
			changed = true;
		}
	}

	for (j = 0; j < count; j++) {
		if (!is_held(devs[j].state))
			continue;
		entry = state_find(state, devs[j].address);
		if (!entry) {
			/* Out of memory: it is seen anew next time. */
			if (!state_add(state, devs[j].address, devs[j].state,
				       NULL, now, NULL, OPERATION_NONE))
				changed = true;
		} else if (entry->operation == OPERATION_NONE &&
			   entry->state != devs[j].state) {
			/* It moved without us: its guest is not known. */
			entry->state = devs[j].state;
			state_set(state, entry, devs[j].state, NULL, NULL,
				  OPERATION_NONE, now);
			entry->since = now;
			changed = true;
		}
	}
	if (changed)
		state->dirty = true;
	return changed;
}
