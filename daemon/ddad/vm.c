// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guests: a QMP connection each, kept in ddad's poll loop.
 *
 * A guest is registered with the path of a QMP socket of its own (QEMU's
 * -qmp unix:PATH,server=on,wait=off). ddad connects, reads the greeting,
 * negotiates the capabilities, and asks query-pci which of ddad's devices
 * ("dda-*" ids) the guest has; the guest is then up, and its events are
 * watched: DEVICE_DELETED (a device let go, says the guest), SHUTDOWN.
 *
 * A QMP peer is who it was: at each connection ddad asks the kernel who
 * serves the socket (SO_PEERCRED) before it reads or sends a byte. A peer
 * of another uid than the one recorded when the guest was added is
 * refused and logged; one of the same uid with a new pid is a new QEMU
 * process of the guest, which holds none of the devices ddad gave the old
 * one (their records name that process: reconcile.c).
 *
 * A QMP socket that closes, refuses connections or is missing says
 * nothing of the devices: the QEMU process may live on, holding them.
 * Only that process's end (its pidfd, reconcile.c) or a proven release
 * (job.c) brings them back. ddad keeps trying to connect, every
 * VM_RETRY_MS, until the guest is removed.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>
#include <json-c/json.h>

#include "ddad.h"

#define VM_RETRY_MS		2000
#define VM_GREETING_MS		10000

static void vm_ready(void *owner);
static void vm_event(void *owner, const char *name, struct json_object *data);

static const struct qmp_handler vm_handler = {
	.ready = vm_ready,
	.event = vm_event,
};

struct vm *vm_find(struct ddad *ddad, const char *name)
{
	size_t i;

	for (i = 0; i < ddad->vm_count; i++)
		if (!strcmp(ddad->vms[i]->name, name))
			return ddad->vms[i];
	return NULL;
}

static void vm_forget_devices(struct vm *vm)
{
	free(vm->devs);
	vm->devs = NULL;
	vm->ndevs = 0;
}

struct guest_dev *vm_device(struct vm *vm, const char *qdev)
{
	size_t i;

	for (i = 0; i < vm->ndevs; i++)
		if (!strcmp(vm->devs[i].qdev, qdev))
			return &vm->devs[i];
	return NULL;
}

int vm_device_add(struct vm *vm, const char *qdev, const char *port)
{
	struct guest_dev *dev = vm_device(vm, qdev), *devs;

	if (!dev) {
		devs = reallocarray(vm->devs, vm->ndevs + 1, sizeof(*devs));
		if (!devs)
			return -ENOMEM;
		vm->devs = devs;
		dev = &devs[vm->ndevs++];
	}
	snprintf(dev->qdev, sizeof(dev->qdev), "%s", qdev);
	snprintf(dev->port, sizeof(dev->port), "%s", port);
	return 0;
}

bool vm_is_process(const struct vm *vm, pid_t pid, unsigned long long start)
{
	return vm->link == VM_UP && pid > 0 && vm->proc.pid == pid &&
	       vm->proc.start == start;
}

/* Answers a vm_add: the guest is up, or it failed and is forgotten. */
static void vm_added(struct ddad *ddad, struct vm *vm, int err)
{
	struct call *call = vm->adding;
	int save;

	vm->adding = NULL;
	if (err) {
		call_finish(call, err, NULL, "cannot connect to the QMP socket %s of vm %s: %s",
			    vm->qmp_path, vm->name, vm->why);
		vm_destroy(ddad, vm);
		return;
	}
	save = state_vm_add(&ddad->state, vm->name, vm->qmp_path, vm->uid);
	if (!save)
		save = state_save(&ddad->state);
	if (save) {
		call_finish(call, save, NULL, "cannot record vm %s: %s",
			    vm->name, strerror(-save));
		state_vm_remove(&ddad->state, vm->name);
		vm_destroy(ddad, vm);
		return;
	}
	log_msg(LOG_INFO, "vm %s added, QMP socket %s served by uid %lld",
		vm->name, vm->qmp_path, vm->uid);
	call_finish(call, 0, vm_json(ddad, vm), NULL);
}

/*
 * The connection is over, which proves nothing of the guest's devices.
 * Frees vm when it was being added: returns false then.
 */
static bool vm_down(struct ddad *ddad, struct vm *vm, int err)
{
	bool was_up = vm->link != VM_DOWN;

	if (!*vm->why)
		snprintf(vm->why, sizeof(vm->why), "%s", strerror(-err));
	timer_disarm(ddad, &vm->timer);
	/* The commands waiting for an answer end now, with -ECONNRESET. */
	qmp_close(&vm->qmp);
	vm->link = VM_DOWN;
	vm_forget_devices(vm);
	vm->view = VM_VIEW_UNKNOWN;

	if (vm->adding) {
		vm_added(ddad, vm, err);
		return false;
	}
	if (was_up)
		log_msg(LOG_NOTICE, "vm %s is not connected: %s", vm->name,
			vm->why);
	timer_arm(ddad, &vm->timer, VM_RETRY_MS);
	return true;
}

/*
 * Whether a socket at path, served by uid, may be the guest's: in a
 * directory others may write to, only in a sticky one and owned by uid
 * (nobody else could have put it there). 0, or -EPERM with why.
 */
static int vm_socket_trusted(const char *path, uid_t uid, char *why,
			     size_t size)
{
	char dir[PATH_MAX];
	struct stat st, dst;

	snprintf(dir, sizeof(dir), "%s", path);
	if (lstat(path, &st) < 0 || stat(dirname(dir), &dst) < 0) {
		snprintf(why, size, "cannot look at %s: %s", path,
			 strerror(errno));
		return -EPERM;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(why, size, "%s is not a socket", path);
		return -EPERM;
	}
	if (!(dst.st_mode & (S_IWGRP | S_IWOTH)) ||
	    ((dst.st_mode & S_ISVTX) && st.st_uid == uid))
		return 0;
	if (dst.st_mode & S_ISVTX)
		snprintf(why, size,
			 "%s is in a directory others may write to, and owned by uid %u, not by uid %u who serves it",
			 path, (unsigned int)st.st_uid, (unsigned int)uid);
	else
		snprintf(why, size,
			 "%s is in a directory others may write to, not sticky",
			 path);
	return -EPERM;
}

/*
 * Who serves the socket just connected: the uid recorded for the guest
 * (learnt when it is added), and its QEMU process. 0, or a negative errno
 * with vm->why saying why the peer is refused.
 */
static int vm_check_peer(struct vm *vm, int fd)
{
	struct process proc;
	uid_t uid;
	int err;

	err = process_of_peer(fd, &uid, &proc);
	if (err) {
		snprintf(vm->why, sizeof(vm->why),
			 "cannot tell who serves the QMP socket: %s",
			 strerror(-err));
		return err;
	}
	if (vm->uid >= 0 && (long long)uid != vm->uid) {
		snprintf(vm->why, sizeof(vm->why),
			 "refused: its QMP socket is served by uid %u (pid %d), not the guest's uid %lld",
			 (unsigned int)uid, (int)proc.pid, vm->uid);
		log_msg(LOG_WARNING, "vm %s: %s", vm->name, vm->why);
		process_close(&proc);
		return -EPERM;
	}
	if (vm->adding &&
	    vm_socket_trusted(vm->qmp_path, uid, vm->why, sizeof(vm->why))) {
		process_close(&proc);
		return -EPERM;
	}
	if (vm->uid < 0) {
		/* Added by an older ddad: the first to serve it is the guest. */
		vm->uid = uid;
		if (!vm->adding) {
			struct state_vm *rec = state_vm_find(&vm->ddad->state,
							     vm->name);

			if (rec) {
				rec->uid = uid;
				vm->ddad->state.dirty = true;
			}
			log_msg(LOG_NOTICE, "vm %s: its QMP socket is served by uid %u, from now on the only one taken",
				vm->name, (unsigned int)uid);
		}
	}
	if (vm->proc.pid > 0 && (vm->proc.pid != proc.pid ||
				 vm->proc.start != proc.start))
		log_msg(LOG_NOTICE, "vm %s: a new QEMU process, pid %d (was %d): it holds none of the old one's devices",
			vm->name, (int)proc.pid, (int)vm->proc.pid);
	process_close(&vm->proc);
	vm->proc = proc;
	return 0;
}

/* Connects to the QMP socket; the greeting comes through the loop. */
static void vm_connect(struct ddad *ddad, struct vm *vm)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	vm->why[0] = '\0';
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", vm->qmp_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		vm_down(ddad, vm, -errno);
		return;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		close(fd);
		/* Nobody there: proof of nothing, retried. */
		vm_down(ddad, vm, err);
		return;
	}
	/* Before a byte is read or sent: is it the guest's? */
	err = vm_check_peer(vm, fd);
	if (err) {
		close(fd);
		vm_down(ddad, vm, err);
		return;
	}
	qmp_attach(&vm->qmp, fd);
	vm->link = VM_CONNECTING;
	timer_arm(ddad, &vm->timer, VM_GREETING_MS);
}

static void vm_timer(struct ddad *ddad, struct timer *timer)
{
	struct vm *vm = container_of(timer, struct vm, timer);

	if (vm->link == VM_DOWN) {
		vm_connect(ddad, vm);
		return;
	}
	if (vm->link == VM_UP) {
		/* From vm_listed(): answering may forget the guest. */
		if (vm->adding)
			vm_added(ddad, vm, 0);
		return;
	}
	if (vm->link == VM_CONNECTING) {
		if (!*vm->why)
			snprintf(vm->why, sizeof(vm->why),
				 "no QMP greeting within %d s (is another client connected to it?)",
				 VM_GREETING_MS / 1000);
		vm_down(ddad, vm, -ETIMEDOUT);
	}
}

struct vm *vm_create(struct ddad *ddad, const char *name, const char *qmp,
		     long long uid, struct call *adding)
{
	struct vm **vms, *vm;

	vm = calloc(1, sizeof(*vm));
	vms = reallocarray(ddad->vms, ddad->vm_count + 1, sizeof(*vms));
	if (vms)
		ddad->vms = vms;
	if (!vm || !vms)
		goto fail;
	vm->name = strdup(name);
	vm->qmp_path = strdup(qmp);
	if (!vm->name || !vm->qmp_path)
		goto fail;
	vm->ddad = ddad;
	vm->uid = uid;
	process_init(&vm->proc);
	vm->adding = adding;
	vm->timer.fire = vm_timer;
	qmp_init(&vm->qmp, &vm_handler, vm);
	ddad->vms[ddad->vm_count++] = vm;
	/* From the loop: a failure is answered after the request. */
	timer_arm(ddad, &vm->timer, 0);
	return vm;
fail:
	if (vm) {
		free(vm->name);
		free(vm->qmp_path);
	}
	free(vm);
	return NULL;
}

void vm_destroy(struct ddad *ddad, struct vm *vm)
{
	size_t i;

	timer_disarm(ddad, &vm->timer);
	qmp_close(&vm->qmp);
	if (vm->adding) {
		call_finish(vm->adding, -ESHUTDOWN, NULL, "ddad is stopping");
		vm->adding = NULL;
	}
	for (i = 0; i < ddad->vm_count; i++) {
		if (ddad->vms[i] == vm) {
			memmove(&ddad->vms[i], &ddad->vms[i + 1],
				(ddad->vm_count - i - 1) * sizeof(vm));
			ddad->vm_count--;
			break;
		}
	}
	vm_forget_devices(vm);
	process_close(&vm->proc);
	free(vm->name);
	free(vm->qmp_path);
	free(vm);
}

int vms_start(struct ddad *ddad)
{
	size_t i;

	for (i = 0; i < ddad->state.vm_count; i++)
		if (!vm_create(ddad, ddad->state.vms[i].name,
			       ddad->state.vms[i].qmp, ddad->state.vms[i].uid,
			       NULL))
			return -ENOMEM;
	return 0;
}

/* query-pci answered, after the capabilities: the guest is up. */
static void vm_listed(void *ctx, const struct qmp_result *result)
{
	struct vm *vm = ctx;
	struct ddad *ddad = vm->ddad;
	struct guest_dev *devs;
	size_t n;
	int err;

	if (result->err == -ECONNRESET)
		return;		/* vm_down() is on it */
	err = result->err ? -EIO : pci_dda_devices(result->value, &devs, &n);
	if (err) {
		snprintf(vm->why, sizeof(vm->why), "query-pci failed: %s",
			 result->err ? result->error_desc :
			 "its answer is not query-pci's");
		/* From the loop, not from within qmp_input(). */
		vm->link = VM_CONNECTING;
		timer_arm(ddad, &vm->timer, 0);
		return;
	}
	vm_forget_devices(vm);
	vm->devs = devs;
	vm->ndevs = n;
	vm->view = VM_VIEW_KNOWN;
	vm->link = VM_UP;
	vm->why[0] = '\0';
	if (vm->adding) {
		/* From the loop: not from within its qmp_input(). */
		timer_arm(ddad, &vm->timer, 0);
	} else {
		timer_disarm(ddad, &vm->timer);
		log_msg(LOG_INFO, "vm %s is connected", vm->name);
	}
	reconcile(ddad);
}

static void vm_ready(void *owner)
{
	struct vm *vm = owner;

	vm->shutdown = false;
	if (qmp_command(&vm->qmp, "query-pci", NULL, vm_listed, vm)) {
		snprintf(vm->why, sizeof(vm->why), "out of memory");
		timer_arm(vm->ddad, &vm->timer, 0);
	}
}

static const char *data_string(struct json_object *data, const char *key)
{
	struct json_object *value;

	if (!json_object_object_get_ex(data, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

static void vm_qdev_deleted(struct vm *vm, const char *qdev)
{
	struct guest_dev *dev = vm_device(vm, qdev);

	if (dev)
		*dev = vm->devs[--vm->ndevs];
}

/*
 * The guest shut down: its QEMU may stay (-no-shutdown, libvirt's
 * on_poweroff=preserve), holding its devices; they come back when it
 * exits, or lets go of them. No assign goes to it meanwhile.
 */
static void vm_shutdown(struct vm *vm)
{
	log_msg(LOG_NOTICE, "vm %s shut down: its devices stay until its QEMU exits or lets go of them",
		vm->name);
	vm->shutdown = true;
}

static void vm_event(void *owner, const char *name, struct json_object *data)
{
	struct vm *vm = owner;
	const char *qdev;

	if (!strcmp(name, "DEVICE_DELETED")) {
		qdev = data_string(data, "device");
		if (!qdev)
			return;
		vm_qdev_deleted(vm, qdev);
		jobs_device_deleted(vm->ddad, vm, qdev);
	} else if (!strcmp(name, "SHUTDOWN")) {
		vm_shutdown(vm);
	} else if (!strcmp(name, "RESUME")) {
		vm->shutdown = false;
	}
}

short vm_poll_events(const struct vm *vm)
{
	if (vm->qmp.fd < 0)
		return 0;
	return POLLIN | (qmp_sending(&vm->qmp) ? POLLOUT : 0);
}

void vm_service(struct ddad *ddad, struct vm *vm, short revents)
{
	int err = 0;

	if (vm->qmp.fd < 0)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		err = qmp_receive(&vm->qmp);
	if (!err && qmp_sending(&vm->qmp))
		err = qmp_send(&vm->qmp);
	/* Garbage from QEMU: not gone, but not to be talked to as it is. */
	if (err) {
		snprintf(vm->why, sizeof(vm->why), "%s", *vm->qmp.why ?
			 vm->qmp.why : strerror(-err));
		vm_down(ddad, vm, err);
	}
}

struct json_object *vm_json(struct ddad *ddad, const struct vm *vm)
{
	struct json_object *obj, *devices;
	struct state *state = &ddad->state;
	size_t i;
	bool ok;

	obj = json_object_new_object();
	devices = json_object_new_array();
	ok = obj && devices;
	ok = ok && json_add(obj, "vm", json_object_new_string(vm->name));
	ok = ok && json_add(obj, "qmp", json_object_new_string(vm->qmp_path));
	ok = ok && json_add(obj, "connected",
			    json_object_new_boolean(vm->link == VM_UP));
	for (i = 0; ok && i < state->count; i++) {
		const struct state_device *dev = &state->devices[i];

		if (dev->state == DDA_STATE_ASSIGNED && dev->vm &&
		    !strcmp(dev->vm, vm->name))
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
