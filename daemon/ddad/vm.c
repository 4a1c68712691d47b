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
#include "guest.h"
#include "job.h"
#include "json_add.h"
#include "libdda.h"
#include "log.h"
#include "port.h"
#include "process.h"
#include "protocol.h"
#include "qmp.h"
#include "state.h"
#include "timer.h"
#include "util.h"
#include "vm.h"

#define VM_RETRY_MS		2000
#define VM_GREETING_MS		10000

static void vm_ready(void *owner);
static void vm_event(void *owner, const char *name, struct json_object *data);

static const struct qmp_handler vm_handler = {
	.ready = vm_ready,
	.event = vm_event,
};

enum vm_link {
	VM_DOWN,		/* not connected; retried */
	VM_CONNECTING,		/* connected, QMP not ready yet */
	VM_UP,			/* QMP ready, its devices known */
};

struct vm {
	struct guest guest;
	char *qmp_path;
	long long uid;		/* the uid its QMP server must have; -1 */
	struct qmp qmp;
	enum vm_link link;
	struct guest_dev *devs;	/* its dda-* devices, as ddad knows them */
	size_t ndevs;
	struct timer timer;	/* reconnecting, or the greeting's deadline */
	struct call *adding;	/* vm_add waiting for the connection */
};

static const struct guest_ops vm_ops;

static struct vm *vm_of(const struct guest *guest)
{
	return container_of(guest, struct vm, guest);
}

static void vm_link(struct vm *vm, enum vm_link link)
{
	vm->link = link;
	vm->guest.up = link == VM_UP;
}

const char *vm_qmp_path(const struct guest *guest)
{
	return guest->ops == &vm_ops ? vm_of(guest)->qmp_path : NULL;
}

long long vm_uid(const struct guest *guest)
{
	return guest->ops == &vm_ops ? vm_of(guest)->uid : -1;
}

static void vm_forget_devices(struct vm *vm)
{
	free(vm->devs);
	vm->devs = NULL;
	vm->ndevs = 0;
}

static struct guest_dev *vm_device(const struct vm *vm, const char *qdev)
{
	size_t i;

	for (i = 0; i < vm->ndevs; i++)
		if (!strcmp(vm->devs[i].qdev, qdev))
			return &vm->devs[i];
	return NULL;
}

static int vm_device_add(struct vm *vm, const char *qdev, const char *port)
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

/* Answers a vm_add: the guest is up, or it failed and is forgotten. */
static void vm_added(struct ddad *ddad, struct vm *vm, int err)
{
	struct call *call = vm->adding;
	int save;

	vm->adding = NULL;
	vm->guest.adding = false;
	if (err) {
		call_finish(call, err, NULL, "cannot connect to the QMP socket %s of vm %s: %s",
			    vm->qmp_path, vm->guest.name, vm->guest.why);
		guest_destroy(&vm->guest);
		return;
	}
	save = state_vm_add(&ddad->state, vm->guest.name, vm->qmp_path, vm->uid);
	if (!save)
		save = state_save(&ddad->state);
	if (save) {
		call_finish(call, save, NULL, "cannot record vm %s: %s",
			    vm->guest.name, strerror(-save));
		state_vm_remove(&ddad->state, vm->guest.name);
		guest_destroy(&vm->guest);
		return;
	}
	log_msg(LOG_INFO, "vm %s added, QMP socket %s served by uid %lld",
		vm->guest.name, vm->qmp_path, vm->uid);
	call_finish(call, 0, guest_json(&vm->guest), NULL);
}

/*
 * The connection is over, which proves nothing of the guest's devices.
 * Frees vm when it was being added: returns false then.
 */
static bool vm_down(struct ddad *ddad, struct vm *vm, int err)
{
	bool was_up = vm->link != VM_DOWN;

	if (!*vm->guest.why)
		snprintf(vm->guest.why, sizeof(vm->guest.why), "%s", strerror(-err));
	timer_disarm(ddad, &vm->timer);
	/* The commands waiting for an answer end now, with -ECONNRESET. */
	qmp_close(&vm->qmp);
	vm_link(vm, VM_DOWN);
	vm_forget_devices(vm);

	if (vm->adding) {
		vm_added(ddad, vm, err);
		return false;
	}
	if (was_up)
		log_msg(LOG_NOTICE, "vm %s is not connected: %s", vm->guest.name,
			vm->guest.why);
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
 * with vm->guest.why saying why the peer is refused.
 */
static int vm_check_peer(struct vm *vm, int fd)
{
	struct process proc;
	uid_t uid;
	int err;

	err = process_of_peer(fd, &uid, &proc);
	if (err) {
		snprintf(vm->guest.why, sizeof(vm->guest.why),
			 "cannot tell who serves the QMP socket: %s",
			 strerror(-err));
		return err;
	}
	if (vm->uid >= 0 && (long long)uid != vm->uid) {
		snprintf(vm->guest.why, sizeof(vm->guest.why),
			 "refused: its QMP socket is served by uid %u (pid %d), not the guest's uid %lld",
			 (unsigned int)uid, (int)proc.pid, vm->uid);
		log_msg(LOG_WARNING, "vm %s: %s", vm->guest.name, vm->guest.why);
		process_close(&proc);
		return -EPERM;
	}
	if (vm->adding &&
	    vm_socket_trusted(vm->qmp_path, uid, vm->guest.why, sizeof(vm->guest.why))) {
		process_close(&proc);
		return -EPERM;
	}
	if (vm->uid < 0) {
		/* Added by an older ddad: the first to serve it is the guest. */
		vm->uid = uid;
		if (!vm->adding) {
			struct state_vm *rec = state_vm_find(&vm->guest.ddad->state,
							     vm->guest.name);

			if (rec) {
				rec->uid = uid;
				vm->guest.ddad->state.dirty = true;
			}
			log_msg(LOG_NOTICE, "vm %s: its QMP socket is served by uid %u, from now on the only one taken",
				vm->guest.name, (unsigned int)uid);
		}
	}
	if (vm->guest.proc.pid > 0 && (vm->guest.proc.pid != proc.pid ||
				 vm->guest.proc.start != proc.start))
		log_msg(LOG_NOTICE, "vm %s: a new QEMU process, pid %d (was %d): it holds none of the old one's devices",
			vm->guest.name, (int)proc.pid, (int)vm->guest.proc.pid);
	process_close(&vm->guest.proc);
	vm->guest.proc = proc;
	return 0;
}

/* Connects to the QMP socket; the greeting comes through the loop. */
static void vm_connect(struct ddad *ddad, struct vm *vm)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	vm->guest.why[0] = '\0';
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
	vm_link(vm, VM_CONNECTING);
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
		if (!*vm->guest.why)
			snprintf(vm->guest.why, sizeof(vm->guest.why),
				 "no QMP greeting within %d s (is another client connected to it?)",
				 VM_GREETING_MS / 1000);
		vm_down(ddad, vm, -ETIMEDOUT);
	}
}

struct guest *vm_create(struct ddad *ddad, const char *name, const char *qmp,
			long long uid, struct call *adding)
{
	struct vm *vm;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	vm->qmp_path = strdup(qmp);
	if (!vm->qmp_path || guest_init(&vm->guest, &vm_ops, ddad, name))
		goto fail;
	if (guest_register(&vm->guest)) {
		free(vm->guest.name);
		goto fail;
	}
	vm->uid = uid;
	vm->adding = adding;
	vm->guest.adding = adding != NULL;
	vm->timer.fire = vm_timer;
	qmp_init(&vm->qmp, &vm_handler, vm);
	/* From the loop: a failure is answered after the request. */
	timer_arm(ddad, &vm->timer, 0);
	return &vm->guest;
fail:
	free(vm->qmp_path);
	free(vm);
	return NULL;
}

static void vm_destroy(struct guest *guest)
{
	struct vm *vm = vm_of(guest);

	timer_disarm(guest->ddad, &vm->timer);
	qmp_close(&vm->qmp);
	if (vm->adding) {
		call_finish(vm->adding, -ESHUTDOWN, NULL, "ddad is stopping");
		vm->adding = NULL;
	}
	guest_unregister(guest);
	vm_forget_devices(vm);
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
	struct ddad *ddad = vm->guest.ddad;
	struct guest_dev *devs;
	size_t n;
	int err;

	if (result->err == -ECONNRESET)
		return;		/* vm_down() is on it */
	err = result->err ? -EIO : pci_dda_devices(result->value, &devs, &n);
	if (err) {
		snprintf(vm->guest.why, sizeof(vm->guest.why), "query-pci failed: %s",
			 result->err ? result->error_desc :
			 "its answer is not query-pci's");
		/* From the loop, not from within qmp_input(). */
		vm_link(vm, VM_CONNECTING);
		timer_arm(ddad, &vm->timer, 0);
		return;
	}
	vm_forget_devices(vm);
	vm->devs = devs;
	vm->ndevs = n;
	vm_link(vm, VM_UP);
	vm->guest.why[0] = '\0';
	if (vm->adding) {
		/* From the loop: not from within its qmp_input(). */
		timer_arm(ddad, &vm->timer, 0);
	} else {
		timer_disarm(ddad, &vm->timer);
		log_msg(LOG_INFO, "vm %s is connected", vm->guest.name);
	}
	guest_changed(&vm->guest);
}

static void vm_ready(void *owner)
{
	struct vm *vm = owner;

	vm->guest.shutdown = false;
	if (qmp_command(&vm->qmp, "query-pci", NULL, vm_listed, vm)) {
		snprintf(vm->guest.why, sizeof(vm->guest.why), "out of memory");
		timer_arm(vm->guest.ddad, &vm->timer, 0);
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
		vm->guest.name);
	vm->guest.shutdown = true;
}

static void vm_event(void *owner, const char *name, struct json_object *data)
{
	struct vm *vm = owner;
	char address[DDA_ADDRESS_LEN + 1];
	const char *qdev;

	if (!strcmp(name, "DEVICE_DELETED")) {
		qdev = data_string(data, "device");
		if (!qdev)
			return;
		vm_qdev_deleted(vm, qdev);
		if (!qdev_address(qdev, address))
			guest_device_gone(&vm->guest, address);
	} else if (!strcmp(name, "SHUTDOWN")) {
		vm_shutdown(vm);
	} else if (!strcmp(name, "RESUME")) {
		vm->guest.shutdown = false;
	}
}

/* --- the guest's ops ---------------------------------------------------- */

static int vm_poll_fd(const struct guest *guest, short *events)
{
	const struct vm *vm = vm_of(guest);

	*events = vm->qmp.fd < 0 ? 0 :
		  POLLIN | (qmp_sending(&vm->qmp) ? POLLOUT : 0);
	return vm->qmp.fd;
}

static void vm_service(struct guest *guest, short revents)
{
	struct vm *vm = vm_of(guest);
	int err = 0;

	if (vm->qmp.fd < 0)
		return;
	if (revents & (POLLIN | POLLHUP | POLLERR))
		err = qmp_receive(&vm->qmp);
	if (!err && qmp_sending(&vm->qmp))
		err = qmp_send(&vm->qmp);
	/* Garbage from QEMU: not gone, but not to be talked to as it is. */
	if (err) {
		snprintf(vm->guest.why, sizeof(vm->guest.why), "%s",
			 *vm->qmp.why ? vm->qmp.why : strerror(-err));
		vm_down(guest->ddad, vm, err);
	}
}

static bool vm_describe(const struct guest *guest, struct json_object *obj)
{
	return json_add(obj, "qmp",
			json_object_new_string(vm_of(guest)->qmp_path));
}

static bool vm_has(const struct guest *guest, const char *address)
{
	char qdev[QDEV_SIZE];

	qdev_of(address, qdev);
	return vm_device(vm_of(guest), qdev) != NULL;
}

static const char *vm_port(const struct guest *guest, const char *address)
{
	char qdev[QDEV_SIZE];
	struct guest_dev *dev;

	qdev_of(address, qdev);
	dev = vm_device(vm_of(guest), qdev);
	return dev && *dev->port ? dev->port : NULL;
}

static void vm_cancel(struct guest *guest, void *ctx)
{
	qmp_cancel(&vm_of(guest)->qmp, ctx);
}

/* What failed: QEMU's words, or that the connection closed. */
static const char *qmp_failure(const struct qmp_result *result)
{
	return result->err == -ECONNRESET ? "the connection closed" :
	       result->error_desc;
}

/* prepare: query-pci, for a free hotplug port. */
static void vm_queried(void *ctx, const struct qmp_result *result)
{
	struct job *job = ctx;
	struct guest *guest = job->vm;
	const char **taken;
	char what[300];
	size_t n = 0;
	int err;

	if (result->err) {
		snprintf(what, sizeof(what), "vm %s: query-pci failed: %s",
			 guest->name, qmp_failure(result));
		guest_prepared(job, result->err, what);
		return;
	}
	taken = guest_ports_taken(guest->ddad, guest, &n);
	err = taken ? port_pick(result->value, taken, n, job->port) : -ENOMEM;
	free(taken);
	if (err == -ENOSPC)
		snprintf(what, sizeof(what),
			 "vm %s has no free hotplug port: every pcie-root-port it has holds a device (start it with one more: -device pcie-root-port,id=NAME,chassis=N)",
			 guest->name);
	else
		snprintf(what, sizeof(what), "%s", err == -ENOMEM ?
			 "out of memory" :
			 "query-pci's answer is not a list of buses");
	guest_prepared(job, err, err ? what : NULL);
}

static int vm_prepare(struct guest *guest, struct job *job)
{
	return qmp_command(&vm_of(guest)->qmp, "query-pci", NULL, vm_queried,
			   job);
}

/* add: device_add, then query-pci shows it on its port. */
static void vm_verified(void *ctx, const struct qmp_result *result)
{
	struct job *job = ctx;
	char qdev[QDEV_SIZE], port[QDEV_SIZE], what[300];

	qdev_of(job->address, qdev);
	if (result->err) {
		snprintf(what, sizeof(what), "query-pci failed after device_add: %s",
			 qmp_failure(result));
		guest_added(job, result->err, what);
		return;
	}
	if (!pci_has_qdev(result->value, qdev, port) ||
	    strcmp(port, job->port)) {
		snprintf(what, sizeof(what),
			 "device_add succeeded, but query-pci does not show %s on %s",
			 qdev, job->port);
		guest_added(job, -EIO, what);
		return;
	}
	vm_device_add(vm_of(job->vm), qdev, job->port);
	guest_added(job, 0, NULL);
}

static void vm_plugged(void *ctx, const struct qmp_result *result)
{
	struct job *job = ctx;
	char what[300];
	int err;

	if (job->done || job->step != STEP_DEVICE_ADD)
		return;
	if (result->err) {
		/* Refused: nothing was plugged in. */
		snprintf(what, sizeof(what), "device_add failed: %s",
			 qmp_failure(result));
		guest_added(job, result->err, what);
		return;
	}
	job->plugged = true;
	job_step(job, STEP_VERIFY);
	err = qmp_command(&vm_of(job->vm)->qmp, "query-pci", NULL,
			  vm_verified, job);
	if (err)
		guest_added(job, err, "cannot send query-pci");
}

static int vm_add(struct guest *guest, struct job *job)
{
	struct json_object *args = json_object_new_object();
	char qdev[QDEV_SIZE];

	qdev_of(job->address, qdev);
	if (!args ||
	    !json_add(args, "driver", json_object_new_string("vfio-pci")) ||
	    !json_add(args, "host", json_object_new_string(job->address)) ||
	    !json_add(args, "bus", json_object_new_string(job->port)) ||
	    !json_add(args, "id", json_object_new_string(qdev))) {
		json_object_put(args);
		return -ENOMEM;
	}
	return qmp_command(&vm_of(guest)->qmp, "device_add", args, vm_plugged,
			   job);
}

/* remove: device_del; DEVICE_DELETED says it is done. */
static void vm_unplugged(void *ctx, const struct qmp_result *result)
{
	struct job *job = ctx;
	char why[300];

	if (!result->err)
		return;		/* now DEVICE_DELETED, or the deadline */
	/* A dropped connection proves nothing: its QEMU may live on. */
	if (result->err == -ECONNRESET)
		return;
	if (!strcmp(result->error_class, "DeviceNotFound")) {
		guest_removed(job, 0, NULL);	/* it says it has it no more */
		return;
	}
	if (strstr(result->error_desc, "already") ||
	    strstr(result->error_desc, "in the process"))
		return;		/* an unplug under way: wait for it */
	snprintf(why, sizeof(why), "refused to release %s (%s)", job->address,
		 result->error_desc);
	guest_removed(job, -EIO, why);
}

static int vm_remove(struct guest *guest, struct job *job)
{
	struct json_object *args = json_object_new_object();
	char qdev[QDEV_SIZE];

	qdev_of(job->address, qdev);
	if (!args || !json_add(args, "id", json_object_new_string(qdev))) {
		json_object_put(args);
		return -ENOMEM;
	}
	return qmp_command(&vm_of(guest)->qmp, "device_del", args,
			   vm_unplugged, job);
}

/* look: query-pci. */
static void vm_looked(void *ctx, const struct qmp_result *result)
{
	struct job *job = ctx;
	char qdev[QDEV_SIZE], what[300];

	if (result->err) {
		snprintf(what, sizeof(what), "its query-pci failed (%s)",
			 qmp_failure(result));
		guest_looked(job, true, result->err, what);
		return;
	}
	qdev_of(job->address, qdev);
	guest_looked(job, pci_has_qdev(result->value, qdev, NULL), 0, NULL);
}

static int vm_look(struct guest *guest, struct job *job)
{
	return qmp_command(&vm_of(guest)->qmp, "query-pci", NULL, vm_looked,
			   job);
}

static const struct guest_ops vm_ops = {
	.kind = "qmp",
	.prepare = vm_prepare,
	.add = vm_add,
	.remove = vm_remove,
	.look = vm_look,
	.cancel = vm_cancel,
	.has = vm_has,
	.port = vm_port,
	.describe = vm_describe,
	.poll_fd = vm_poll_fd,
	.service = vm_service,
	.destroy = vm_destroy,
};
