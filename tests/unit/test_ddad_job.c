// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad's assign, unassign and reassign end to end, in one process: ddad's
 * modules without its server and without dda.ko, as built without libvirt
 * (guest_libvirt_none.c). A fake QEMU listens on a UNIX socket and speaks
 * QMP as QEMU 7.2 does, with pcie-root-ports to plug into; a fake dda.ko
 * (kernel_*() below, in place of kernel.c and kernel_view.c, which are not
 * linked) keeps a table of devices and finishes handovers and reclaims
 * when the test says so. Requests go through the protocol as a client's
 * would, and the test turns ddad's loop by hand.
 *
 * Covered: guests added, listed, refused, removed; assign (ports picked,
 * one at a time, none free), its refusals and its rollback; unassign with
 * DEVICE_DELETED before or after the answer, a guest that does not let go
 * in time and lets go later; reassign; a guest gone or shut down holding
 * devices; ddad "killed" at each step of an assign and an unassign, then
 * started again on the same state directory; a group handed over whole,
 * its members recorded with the guest, which another guest claims and
 * says DEVICE_DELETED of while the holder is frozen: nothing moves; a QMP
 * path served by another uid: never talked to.
 *
 * Each fake QEMU is a process of its own to ddad (process_*() below, in
 * place of process.c): a pid, which dies with qemu_kill(), and the vfio
 * files it holds open (the devices plugged into it).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>

#include "ddad.h"
#include "ddad_ask.h"
#include "guest.h"
#include "job.h"
#include "json_add.h"
#include "kernel.h"
#include "kernel_view.h"
#include "log.h"
#include "permission.h"
#include "process.h"
#include "reconcile.h"
#include "state.h"
#include "unit.h"
#include "util.h"
#include "vm.h"

static char top[128];

/* --- a fake dda.ko ---------------------------------------------------- */

#define EDU	"0000:00:02.0"
#define NIC	"0000:01:00.0"
#define HOSTED	"0000:00:03.0"	/* with the host */
#define GROUPED	"0000:05:01.0"	/* quarantined, its group's other not */
#define PAIR_A	"0000:07:00.0"	/* an IOMMU group of two, quarantined */
#define PAIR_B	"0000:07:00.1"

static struct dda_device table[] = {
	{ .address = EDU, .class_code = 0x00ff00, .iommu_group = 2,
	  .state = DDA_STATE_QUARANTINED, .driver = "dda" },
	{ .address = NIC, .class_code = 0x020000, .iommu_group = 6,
	  .state = DDA_STATE_QUARANTINED, .driver = "dda" },
	{ .address = HOSTED, .class_code = 0x020000, .iommu_group = 3,
	  .state = DDA_STATE_HOST, .driver = "virtio-pci" },
	{ .address = GROUPED, .class_code = 0x020000, .iommu_group = 5,
	  .state = DDA_STATE_QUARANTINED, .driver = "dda" },
	{ .address = "0000:05:02.0", .class_code = 0x020000, .iommu_group = 5,
	  .state = DDA_STATE_HOST },
	{ .address = PAIR_A, .class_code = 0x020000, .iommu_group = 7,
	  .state = DDA_STATE_QUARANTINED, .driver = "dda" },
	{ .address = PAIR_B, .class_code = 0x020000, .iommu_group = 7,
	  .state = DDA_STATE_QUARANTINED, .driver = "dda" },
	/* The VFs of a PF: one unhealthy, one with the host. */
	{ .address = "0000:3b:10.0", .class_code = 0x010802, .iommu_group = 8,
	  .state = DDA_STATE_QUARANTINED, .driver = "dda",
	  .health = DDA_HEALTH_NO_ANSWER, .physfn = "0000:3b:00.0" },
	{ .address = "0000:3b:10.1", .class_code = 0x010802, .iommu_group = 9,
	  .state = DDA_STATE_HOST, .physfn = "0000:3b:00.0" },
};

static struct dda_device *table_find(const char *address)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i].address, address))
			return &table[i];
	return NULL;
}

static void table_reset(void)
{
	table_find(EDU)->state = DDA_STATE_QUARANTINED;
	table_find(NIC)->state = DDA_STATE_QUARANTINED;
	table_find(GROUPED)->state = DDA_STATE_QUARANTINED;
	table_find(PAIR_A)->state = DDA_STATE_QUARANTINED;
	table_find(PAIR_B)->state = DDA_STATE_QUARANTINED;
}

/*
 * dda.ko moves a device's whole IOMMU group, as vfio takes it; hold: it
 * keeps the group's DMA (a handover with hold, until the release).
 */
static void group_set(struct dda_device *dev, enum dda_state st, bool hold)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (&table[i] == dev || (dev->iommu_group >= 0 &&
					 table[i].iommu_group == dev->iommu_group)) {
			table[i].state = st;
			table[i].hold = hold;
		}
}

struct kcall {
	enum kernel_change change;
	char address[DDA_ADDRESS_LEN + 1];
	kernel_done_fn *done;
	void *ctx;
};

static struct kcall kcalls[16];
static size_t nkcalls, handovers, releases, reclaims, lists;
static bool kernel_holds;	/* the calls wait for kernel_finish() */
static int kernel_fails;	/* the next call fails with it */

int kernel_init(struct ddad *ddad)
{
	(void)ddad;
	return 0;
}

void kernel_release(struct ddad *ddad)
{
	(void)ddad;
}

int kernel_fd(const struct ddad *ddad)
{
	(void)ddad;
	return -1;
}

unsigned int kernel_busy(const struct ddad *ddad)
{
	(void)ddad;
	return nkcalls;
}

int kernel_start(struct ddad *ddad, enum kernel_change change,
		 const char *address, kernel_done_fn *done, void *ctx)
{
	(void)ddad;
	if (nkcalls == ARRAY_SIZE(kcalls))
		return -EAGAIN;
	kcalls[nkcalls] = (struct kcall){ .change = change, .done = done,
					  .ctx = ctx };
	snprintf(kcalls[nkcalls].address, DDA_ADDRESS_LEN + 1, "%s", address);
	nkcalls++;
	if (change == KERNEL_HANDOVER || change == KERNEL_HANDOVER_HOLD)
		handovers++;
	else if (change == KERNEL_RELEASE)
		releases++;
	else if (change == KERNEL_RECLAIM)
		reclaims++;
	else
		lists++;
	return 0;
}

/* dda.ko finishes the first call; with no loop to tell, tell no one. */
static void kernel_finish(struct ddad *ddad, bool tell)
{
	struct kernel_result result = { .err = kernel_fails };
	struct kcall call = kcalls[0];
	struct dda_device *dev = table_find(call.address);

	memmove(kcalls, kcalls + 1, --nkcalls * sizeof(*kcalls));
	kernel_fails = 0;
	if (result.err) {
		snprintf(result.message, sizeof(result.message),
			 "the fake dda.ko says no");
	} else if (call.change == KERNEL_HANDOVER ||
		   call.change == KERNEL_HANDOVER_HOLD) {
		if (dev->state != DDA_STATE_QUARANTINED) {
			result.err = -EINVAL;
			snprintf(result.message, sizeof(result.message),
				 "not quarantined");
		} else {
			group_set(dev, DDA_STATE_ASSIGNED,
				  call.change == KERNEL_HANDOVER_HOLD);
		}
	} else if (call.change == KERNEL_RELEASE) {
		if (dev->state != DDA_STATE_ASSIGNED || !dev->hold) {
			result.err = -EINVAL;
			snprintf(result.message, sizeof(result.message),
				 "dda does not hold its group");
		} else {
			group_set(dev, DDA_STATE_ASSIGNED, false);
		}
	} else {
		if (dev->state != DDA_STATE_ASSIGNED) {
			result.err = -EINVAL;
			snprintf(result.message, sizeof(result.message),
				 "the device is quarantined, not assigned");
		} else {
			group_set(dev, DDA_STATE_QUARANTINED, false);
		}
	}
	if (!result.err)
		result.dev = *dev;
	if (tell)
		call.done(ddad, call.ctx, &result);
}

void kernel_reap(struct ddad *ddad)
{
	while (nkcalls && !kernel_holds)
		kernel_finish(ddad, true);
}

/*
 * ddad's view of the fake dda.ko: its table as it is, as dda's events
 * would keep it.
 */
int kernel_view_update(struct ddad *ddad)
{
	return view_replace(&ddad->devices.view, table, ARRAY_SIZE(table));
}

const char *kernel_view_why(const struct ddad *ddad)
{
	(void)ddad;
	return "";
}

int kernel_view_wait(struct ddad *ddad, kernel_view_fn *fn, void *ctx)
{
	(void)ddad;
	(void)fn;
	(void)ctx;
	return -ENOSYS;		/* never in progress here */
}

int kernel_view_fd(const struct ddad *ddad)
{
	(void)ddad;
	return -1;
}

void kernel_view_read(struct ddad *ddad)
{
	(void)ddad;
}

void kernel_view_release(struct ddad *ddad)
{
	view_release(&ddad->devices.view);
}

/* The device and its group's others, as /sys/kernel/iommu_groups has them. */
static unsigned int group_calls;

int kernel_group(const char *address, struct dda_device **devs,
		 size_t *count, char *message, size_t size)
{
	char canonical[DDA_ADDRESS_LEN + 1];
	const struct dda_device *dev = NULL;
	size_t i;

	(void)message;
	(void)size;
	group_calls++;
	*devs = malloc(sizeof(table));
	*count = 0;
	if (!*devs)
		return -ENOMEM;
	if (dda_address_parse(address, canonical))
		return 0;
	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i].address, canonical))
			dev = &table[i];
	if (!dev)
		return 0;
	(*devs)[(*count)++] = *dev;
	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (&table[i] != dev && dev->iommu_group >= 0 &&
		    table[i].iommu_group == dev->iommu_group)
			(*devs)[(*count)++] = table[i];
	return 0;
}

/* --- a fake QEMU ------------------------------------------------------ */

#define PORTS_MAX	4

struct qemu {
	char path[256];
	int listen_fd, fd;
	char in[1 << 16];
	size_t in_len;
	const char *ports[PORTS_MAX];
	char plugged[PORTS_MAX][QDEV_SIZE];	/* per port, "" for none */
	char host[PORTS_MAX][DDA_ADDRESS_LEN + 1];
	bool silent;		/* answers nothing */
	int queries_left;	/* query-pci: answered so many more; -1 all */
	bool ignore_add;	/* device_add: no answer, nothing done */
	bool fail_add;		/* device_add: an error */
	bool hold_unplug;	/* device_del: answered, the device stays */
	bool event_first;	/* DEVICE_DELETED before device_del's answer */
	unsigned int adds, dels, queries, commands, accepted;
	pid_t pid;		/* the process it is to ddad */
	uid_t uid;		/* the uid it runs as */
	bool dead;		/* its process exited */
};

/* g1, g2, the QEMU of a libvirt domain (never a vm of ddad's), and the
 * process of the fake backend's guest. */
static struct qemu qemus[4];

/* --- the fake QEMUs as processes -------------------------------------- */

static pid_t next_pid = 1000;

/* The fake QEMU of a pid, dead or alive; NULL if none. */
static struct qemu *qemu_of_pid(pid_t pid)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(qemus); i++)
		if (qemus[i].pid == pid)
			return &qemus[i];
	return NULL;
}

void process_init(struct process *p)
{
	*p = (struct process){ .pidfd = -1 };
}

void process_close(struct process *p)
{
	process_init(p);
}

/* Who serves sock: the fake QEMU listening where it connected. */
int process_of_peer(int sock, uid_t *uid, struct process *out)
{
	struct sockaddr_un addr;
	socklen_t len = sizeof(addr);
	size_t i;

	process_init(out);
	if (getpeername(sock, (struct sockaddr *)&addr, &len) < 0)
		return -errno;
	for (i = 0; i < ARRAY_SIZE(qemus); i++) {
		if (qemus[i].dead || strcmp(qemus[i].path, addr.sun_path))
			continue;
		*uid = qemus[i].uid;
		*out = (struct process){ .pid = qemus[i].pid,
					 .start = 7 * qemus[i].pid,
					 .pidfd = -1 };
		return 0;
	}
	return -ESRCH;
}

int process_find(pid_t pid, unsigned long long start, struct process *out)
{
	struct qemu *q = qemu_of_pid(pid);

	process_init(out);
	if (!q || q->dead || start != 7ULL * pid)
		return -ESRCH;
	*out = (struct process){ .pid = pid, .start = start, .pidfd = -1 };
	return 0;
}

bool process_exited(const struct process *p)
{
	struct qemu *q = qemu_of_pid(p->pid);

	return !q || q->dead;
}

static int qemu_plugged(struct qemu *q, const char *qdev);

/* It holds what is plugged into it open, and nothing else. */
int process_holds_vfio(const struct process *p, const char *address)
{
	struct qemu *q = qemu_of_pid(p->pid);
	struct dda_device *dev = table_find(address);
	int iommu_group = dev ? dev->iommu_group : -1;
	char qdev[QDEV_SIZE];
	size_t i;

	if (!q || q->dead)
		return -ESRCH;
	qdev_of(address, qdev);
	if (qemu_plugged(q, qdev) >= 0)
		return 1;
	/* Or another device of its group. */
	for (i = 0; i < ARRAY_SIZE(table); i++) {
		if (table[i].iommu_group != iommu_group || iommu_group < 0)
			continue;
		qdev_of(table[i].address, qdev);
		if (qemu_plugged(q, qdev) >= 0)
			return 1;
	}
	return 0;
}

/* Whoever holds it: a fake QEMU with it, or its group's other, plugged. */
int process_vfio_holder(const char *address, struct process *out,
			struct dda_vfio_user *user)
{
	struct dda_device *dev = table_find(address);
	size_t i;

	process_init(out);
	for (i = 0; i < ARRAY_SIZE(qemus); i++) {
		struct process p = { .pid = qemus[i].pid, .pidfd = -1 };

		if (qemus[i].dead || !qemus[i].pid ||
		    process_holds_vfio(&p, address) != 1)
			continue;
		*out = (struct process){ .pid = qemus[i].pid,
					 .start = 7ULL * qemus[i].pid,
					 .pidfd = -1 };
		*user = (struct dda_vfio_user){ .pid = qemus[i].pid,
						.command = "qemu-system-x86" };
		snprintf(user->file, sizeof(user->file), "/dev/vfio/%d",
			 dev ? dev->iommu_group : -1);
		return 1;
	}
	return 0;
}

static void qemu_send(struct qemu *q, const char *text)
{
	size_t len = strlen(text);

	/* A client that hung up (refusing it) is not the fake's failure. */
	if (q->fd >= 0 && send(q->fd, text, len, MSG_NOSIGNAL) != (ssize_t)len &&
	    errno != EPIPE && errno != ECONNRESET)
		ok(0, "the fake QEMU cannot send");
}

static void qemu_start(struct qemu *q, const char *name, int nports)
{
	static const char *const names[PORTS_MAX] = { "rp0", "rp1", "rp2",
						      "rp3" };
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int i;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	q->queries_left = -1;
	q->pid = next_pid++;
	q->uid = getuid();
	snprintf(q->path, sizeof(q->path), "%s/%s.qmp", top, name);
	for (i = 0; i < nports; i++)
		q->ports[i] = names[i];
	if (strlen(q->path) >= sizeof(addr.sun_path))
		ok(0, "%s is too long for a socket", q->path);
	memcpy(addr.sun_path, q->path, strlen(q->path) + 1);
	q->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
			      SOCK_CLOEXEC, 0);
	if (bind(q->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(q->listen_fd, 1))
		ok(0, "the fake QEMU cannot listen on %s: %s", q->path,
		   strerror(errno));
}

/* QEMU dies: its sockets close, its socket file stays (as QEMU's). */
static void qemu_kill(struct qemu *q)
{
	q->dead = true;
	if (q->fd >= 0)
		close(q->fd);
	close(q->listen_fd);
	q->fd = q->listen_fd = -1;
}

static void qemu_stop(struct qemu *q)
{
	if (q->listen_fd >= 0 || q->fd >= 0)
		qemu_kill(q);
	unlink(q->path);
}

static int qemu_port(struct qemu *q, const char *id)
{
	int i;

	for (i = 0; i < PORTS_MAX && q->ports[i]; i++)
		if (!strcmp(q->ports[i], id))
			return i;
	return -1;
}

static int qemu_plugged(struct qemu *q, const char *qdev)
{
	int i;

	for (i = 0; i < PORTS_MAX && q->ports[i]; i++)
		if (!strcmp(q->plugged[i], qdev))
			return i;
	return -1;
}

static void qemu_answer(struct qemu *q, struct json_object *id,
			const char *value)
{
	char line[16384];

	snprintf(line, sizeof(line), "{\"return\": %s, \"id\": %s}\r\n",
		 value, json_object_to_json_string(id));
	qemu_send(q, line);
}

static void qemu_error(struct qemu *q, struct json_object *id,
		       const char *class, const char *desc)
{
	char line[1024];

	snprintf(line, sizeof(line),
		 "{\"error\": {\"class\": \"%s\", \"desc\": \"%s\"}, \"id\": %s}\r\n",
		 class, desc, json_object_to_json_string(id));
	qemu_send(q, line);
}

static void qemu_deleted(struct qemu *q, const char *qdev)
{
	char line[512];

	snprintf(line, sizeof(line),
		 "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"%s\", \"path\": \"/machine/peripheral/%s\"}}\r\n",
		 qdev, qdev);
	qemu_send(q, line);
}

static void qemu_query_pci(struct qemu *q, struct json_object *id)
{
	char pci[8192] = "[{\"bus\": 0, \"devices\": [{\"bus\": 0, \"slot\": 0, \"function\": 0, \"qdev_id\": \"\", \"class_info\": {\"class\": 1536}}";
	size_t len = strlen(pci);
	int i;

	for (i = 0; i < PORTS_MAX && q->ports[i]; i++) {
		len += snprintf(pci + len, sizeof(pci) - len,
				", {\"bus\": 0, \"slot\": %d, \"function\": 0, \"qdev_id\": \"%s\", \"class_info\": {\"class\": 1540}, \"pci_bridge\": {\"bus\": {\"number\": 0, \"secondary\": %d, \"subordinate\": %d}, \"devices\": [",
				i + 1, q->ports[i], i + 1, i + 1);
		if (*q->plugged[i])
			len += snprintf(pci + len, sizeof(pci) - len,
					"{\"bus\": %d, \"slot\": 0, \"function\": 0, \"qdev_id\": \"%s\"}",
					i + 1, q->plugged[i]);
		len += snprintf(pci + len, sizeof(pci) - len, "]}}");
	}
	snprintf(pci + len, sizeof(pci) - len, "]}]");
	q->queries++;
	qemu_answer(q, id, pci);
}

static const char *arg_of(struct json_object *msg, const char *key)
{
	struct json_object *args, *value;

	if (!json_object_object_get_ex(msg, "arguments", &args) ||
	    !json_object_object_get_ex(args, key, &value))
		return "";
	return json_object_get_string(value);
}

static void qemu_command(struct qemu *q, struct json_object *msg)
{
	struct json_object *id = NULL, *execute;
	const struct dda_device *held;
	const char *name;
	int port;

	json_object_object_get_ex(msg, "id", &id);
	q->commands++;
	if (!json_object_object_get_ex(msg, "execute", &execute))
		return;
	name = json_object_get_string(execute);
	if (q->silent)
		return;
	if (!strcmp(name, "qmp_capabilities")) {
		qemu_answer(q, id, "{}");
	} else if (!strcmp(name, "query-pci")) {
		if (!q->queries_left)
			return;
		if (q->queries_left > 0)
			q->queries_left--;
		qemu_query_pci(q, id);
	} else if (!strcmp(name, "device_add")) {
		q->adds++;
		if (q->ignore_add)
			return;
		port = qemu_port(q, arg_of(msg, "bus"));
		held = table_find(arg_of(msg, "host"));
		if (q->fail_add)
			qemu_error(q, id, "GenericError",
				   "vfio 0000:00:02.0: failed to setup container");
		else if (held && held->hold)	/* vfio cannot claim its DMA */
			qemu_error(q, id, "GenericError",
				   "vfio 0000:00:02.0: failed to setup container for group 1: Failed to set group container: Device or resource busy");
		else if (port < 0)
			qemu_error(q, id, "GenericError", "Bus not found");
		else if (*q->plugged[port])
			qemu_error(q, id, "GenericError", "Slot 0 is in use");
		else {
			snprintf(q->plugged[port], QDEV_SIZE, "%s",
				 arg_of(msg, "id"));
			snprintf(q->host[port], sizeof(q->host[port]), "%s",
				 arg_of(msg, "host"));
			qemu_answer(q, id, "{}");
		}
	} else if (!strcmp(name, "device_del")) {
		const char *qdev = arg_of(msg, "id");
		char copy[QDEV_SIZE];

		q->dels++;
		port = qemu_plugged(q, qdev);
		if (port < 0) {
			qemu_error(q, id, "DeviceNotFound", "Device not found");
			return;
		}
		snprintf(copy, sizeof(copy), "%s", qdev);
		if (q->hold_unplug) {
			qemu_answer(q, id, "{}");
			return;
		}
		q->plugged[port][0] = '\0';
		if (q->event_first)
			qemu_deleted(q, copy);
		qemu_answer(q, id, "{}");
		if (!q->event_first)
			qemu_deleted(q, copy);
	} else {
		qemu_error(q, id, "CommandNotFound", "The command has not been found");
	}
}

/* The fake QEMU's turn: a new client is greeted, commands answered. */
static void qemu_turn(struct qemu *q)
{
	static const char greeting[] = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n";
	struct json_tokener *tok;
	struct json_object *msg;
	ssize_t n;
	int fd;

	if (q->listen_fd < 0)
		return;
	if (q->fd < 0) {
		fd = accept4(q->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		q->fd = fd;
		q->in_len = 0;
		q->accepted++;
		if (!q->silent)
			qemu_send(q, greeting);
	}
	n = recv(q->fd, q->in + q->in_len, sizeof(q->in) - q->in_len, 0);
	if (!n || (n < 0 && errno != EAGAIN)) {
		close(q->fd);	/* the client left: the next may come */
		q->fd = -1;
		return;
	}
	if (n < 0)
		return;
	q->in_len += n;
	for (;;) {
		char *nl = memchr(q->in, '\n', q->in_len);
		size_t len;

		if (!nl)
			break;
		len = nl - q->in + 1;
		tok = json_tokener_new();
		msg = json_tokener_parse_ex(tok, q->in, len);
		json_tokener_free(tok);
		if (msg)
			qemu_command(q, msg);
		json_object_put(msg);
		memmove(q->in, q->in + len, q->in_len - len);
		q->in_len -= len;
	}
}

/* --- ddad, by hand ---------------------------------------------------- */

static struct ddad ddad;
static const struct peer root = { .pid = 1, .uid = 0, .gid = 0 };
static char state_dir[256];

/* --- a guest of a fake kind, through guest.h alone --------------------- */

/*
 * The core's side of the guest interface, with no QMP: a backend written
 * for the test, whose QEMU process is qemus[3] (it holds open through vfio
 * what the backend "plugged"). It answers from turn(), as a backend
 * answers from the loop, and does what the test says.
 */
enum fake_call { FAKE_NONE, FAKE_PREPARE, FAKE_ADD, FAKE_REMOVE, FAKE_LOOK };

static struct fake {
	struct guest guest;
	struct qemu *q;
	enum fake_call pending;		/* what it answers next turn */
	struct job *job;
	bool fail_add;			/* add: refused, nothing plugged */
	bool hold;			/* remove: "done", but keeps it */
	bool mute;			/* answers nothing */
	unsigned int calls[FAKE_LOOK + 1];
} fake;

static int fake_ask(struct guest *guest, struct job *job, enum fake_call c)
{
	(void)guest;
	fake.calls[c]++;
	fake.pending = c;
	fake.job = job;
	return 0;
}

static int fake_prepare(struct guest *g, struct job *j)
{
	return fake_ask(g, j, FAKE_PREPARE);
}

static int fake_add(struct guest *g, struct job *j)
{
	return fake_ask(g, j, FAKE_ADD);
}

static int fake_remove(struct guest *g, struct job *j)
{
	return fake_ask(g, j, FAKE_REMOVE);
}

static int fake_look(struct guest *g, struct job *j)
{
	return fake_ask(g, j, FAKE_LOOK);
}

static void fake_cancel(struct guest *guest, void *ctx)
{
	(void)guest;
	if (fake.job == ctx)
		fake.pending = FAKE_NONE;
}

static bool fake_has(const struct guest *guest, const char *address)
{
	char qdev[QDEV_SIZE];

	(void)guest;
	qdev_of(address, qdev);
	return qemu_plugged(fake.q, qdev) >= 0;
}

static const char *fake_port(const struct guest *guest, const char *address)
{
	(void)guest;
	(void)address;
	return NULL;
}

static bool fake_describe(const struct guest *guest, struct json_object *obj)
{
	(void)guest;
	return json_add(obj, "fake", json_object_new_boolean(true));
}

static int fake_poll_fd(const struct guest *guest, short *events)
{
	(void)guest;
	*events = 0;
	return -1;
}

static void fake_service(struct guest *guest, short revents)
{
	(void)guest;
	(void)revents;
}

static void fake_destroy(struct guest *guest)
{
	guest_unregister(guest);
}

static const struct guest_ops fake_ops = {
	.kind = "fake", .prepare = fake_prepare, .add = fake_add,
	.remove = fake_remove, .look = fake_look, .cancel = fake_cancel,
	.has = fake_has, .port = fake_port, .describe = fake_describe,
	.poll_fd = fake_poll_fd, .service = fake_service,
	.destroy = fake_destroy,
};

static void fake_turn(void)
{
	enum fake_call c = fake.pending;
	struct job *job = fake.job;
	char qdev[QDEV_SIZE];

	if (c == FAKE_NONE || fake.mute)
		return;
	fake.pending = FAKE_NONE;
	qdev_of(job->address, qdev);
	switch (c) {
	case FAKE_PREPARE:
		fake.guest.proc = (struct process){ .pid = fake.q->pid,
			.start = 7ULL * fake.q->pid, .pidfd = -1 };
		guest_prepared(job, 0, NULL);
		break;
	case FAKE_ADD:
		if (fake.fail_add) {
			guest_added(job, -EIO, "the fake refused it");
			break;
		}
		snprintf(fake.q->plugged[0], QDEV_SIZE, "%s", qdev);
		job->plugged = true;
		guest_added(job, 0, NULL);
		break;
	case FAKE_REMOVE:
		if (!fake.hold)
			fake.q->plugged[0][0] = '\0';
		guest_removed(job, 0, NULL);
		break;
	case FAKE_LOOK:
		guest_looked(job, qemu_plugged(fake.q, qdev) >= 0, 0, NULL);
		break;
	default:
		break;
	}
}

/* The fake guest "f1", up, its process alive. */
static void fake_start(void)
{
	struct qemu *q = &qemus[3];

	memset(q, 0, sizeof(*q));
	q->listen_fd = q->fd = -1;
	q->pid = next_pid++;
	q->ports[0] = "p0";
	memset(&fake, 0, sizeof(fake));
	fake.q = q;
	if (guest_init(&fake.guest, &fake_ops, &ddad, "f1") ||
	    guest_register(&fake.guest))
		ok(0, "the fake guest cannot be made");
	fake.guest.up = true;
}

/* One turn of ddad's loop, and of the fake QEMUs. */
static void turn(void)
{
	short events;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(qemus); i++)
		qemu_turn(&qemus[i]);
	fake_turn();
	for (i = 0; i < ddad.guest_count; i++)
		if (ddad.guests[i]->ops->poll_fd(ddad.guests[i], &events) >= 0)
			ddad.guests[i]->ops->service(ddad.guests[i], POLLIN);
	kernel_reap(&ddad);
	/* As the loop would when a pidfd is readable. */
	holders_check(&ddad);
	timers_run(&ddad);
	jobs_reap(&ddad);
	for (i = 0; i < ddad.guest_count; i++)
		if (ddad.guests[i]->ops->poll_fd(ddad.guests[i], &events) >= 0 &&
		    (events & POLLOUT))
			ddad.guests[i]->ops->service(ddad.guests[i], 0);
	state_save(&ddad.state);
}

/* Turns the loop until *done, or ms pass; whether it is done. */
static bool turn_until(bool *done, int ms)
{
	uint64_t end = now_ms() + ms;

	while (!*done && now_ms() < end) {
		turn();
		usleep(1000);
	}
	return *done;
}

static void turn_for(int ms)
{
	bool never = false;

	turn_until(&never, ms);
}

/* Sends a request as root; its answer starts in *a. */
static void ask_start(struct answer *a, const char *request)
{
	answer_start(&ddad, &root, a, request);
}

/* Sends a request and turns the loop until its answer: to free(). */
static char *ask(const char *request)
{
	struct answer a;

	ask_start(&a, request);
	if (!turn_until(&a.done, 5000))
		return strdup("no answer");
	return a.text;
}

static const char *kernel_state(const char *address)
{
	return dda_state_name(table_find(address)->state);
}

static struct state_device *record(const char *address)
{
	return state_find(&ddad.state, address);
}

static bool recorded(const char *address, enum dda_state st, const char *vm,
		     const char *port, enum operation operation)
{
	struct state_device *dev = record(address);

	return dev && dev->state == st &&
	       (vm ? dev->vm && !strcmp(dev->vm, vm) : !dev->vm) &&
	       (port ? dev->port && !strcmp(dev->port, port) : !dev->port) &&
	       dev->operation == operation;
}

static void ddad_start(void)
{
	memset(&ddad, 0, sizeof(ddad));
	ddad.config.state_dir = state_dir;
	if (state_load(&ddad.state, state_dir) || vms_start(&ddad))
		ok(0, "ddad cannot start");
	reconcile(&ddad);
}

/*
 * ddad stops; with crash, as kill -9 would: nothing more is written. What
 * dda.ko was doing, it finishes (no one is told), unless it never got it.
 */
static void ddad_stop(bool crash, bool kernel_got_it)
{
	jobs_release(&ddad);
	while (ddad.guest_count)
		guest_destroy(ddad.guests[0]);
	free(ddad.guests);
	ddad.guests = NULL;
	holders_release(&ddad);
	kernel_view_release(&ddad);
	if (!crash)
		state_save(&ddad.state);
	state_release(&ddad.state);
	while (nkcalls && kernel_got_it)
		kernel_finish(&ddad, false);
	nkcalls = 0;
}

/* guest_json() of a guest, as text. */
static const char *vm_json_text(const char *name)
{
	static char text[1024];
	struct json_object *obj = guest_json(guest_find(&ddad, name));

	snprintf(text, sizeof(text), "%s", json_object_to_json_string_ext(obj,
		 JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
	return text;
}

static bool vm_up(const char *name)
{
	struct guest *vm = guest_find(&ddad, name);

	return vm && vm->up;
}

/* Turns until vm name is up; whether it is. */
static bool wait_up(const char *name)
{
	uint64_t end = now_ms() + 5000;

	while (!vm_up(name) && now_ms() < end) {
		turn();
		usleep(1000);
	}
	return vm_up(name);
}

/* --- the tests -------------------------------------------------------- */

static void test_vms(void)
{
	char request[1024];

	is_answer("{\"id\":1,\"op\":\"vm_list\"}",
		  "{\"id\":1,\"ok\":true,\"result\":[]}", "no vm yet");
	snprintf(request, sizeof(request),
		 "{\"id\":2,\"op\":\"vm_add\",\"vm\":\"g0\",\"qmp\":\"%s/none.qmp\"}",
		 top);
	is_answer(request,
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"ENOENT\",\"message\":\"cannot connect to the QMP socket ...",
		  "vm_add of a socket that is not there: ENOENT");
	is_answer("{\"id\":3,\"op\":\"vm_add\",\"vm\":\"g0\",\"qmp\":\"rel.qmp\"}",
		  "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"\\\"qmp\\\" must be the absolute path of a UNIX socket, at most 107 bytes\"}}",
		  "vm_add of a relative path: EINVAL");
	is_answer("{\"id\":4,\"op\":\"vm_add\",\"vm\":\"-g\",\"qmp\":\"/x\"}",
		  "{\"id\":4,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"\\\"-g\\\" is not a vm name ...",
		  "vm_add of a bad name: EINVAL");
	is_answer("{\"id\":5,\"op\":\"vm_add\",\"vm\":7,\"qmp\":\"/x\"}",
		  "{\"id\":5,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"\\\"vm\\\" must be a string, not a number\"}}",
		  "vm_add with a number for a name: EINVAL");
	is_answer("{\"id\":6,\"op\":\"vm_add\",\"vm\":\"g1\"}",
		  "{\"id\":6,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"vm_add needs \\\"qmp\\\"\"}}",
		  "vm_add without qmp: EINVAL");

	snprintf(request, sizeof(request),
		 "{\"id\":7,\"op\":\"vm_add\",\"vm\":\"g1\",\"qmp\":\"%s\"}",
		 qemus[0].path);
	is_answer(request, "{\"id\":7,\"ok\":true,\"result\":{\"vm\":\"g1\",\"kind\":\"qmp\",\"qmp\":\"...",
		  "vm_add g1: connected");
	ok(vm_up("g1"), "g1 is up");
	ok(state_vm_find(&ddad.state, "g1"), "g1 is recorded");
	snprintf(request, sizeof(request),
		 "{\"id\":8,\"op\":\"vm_add\",\"vm\":\"g2\",\"qmp\":\"%s\"}",
		 qemus[1].path);
	is_answer(request, "{\"id\":8,\"ok\":true,...", "vm_add g2");
	is_answer(request,
		  "{\"id\":8,\"ok\":false,\"error\":{\"code\":\"EEXIST\",\"message\":\"vm g2 exists ...",
		  "vm_add g2 again: EEXIST");
	snprintf(request, sizeof(request),
		 "{\"id\":9,\"op\":\"vm_add\",\"vm\":\"g3\",\"qmp\":\"%s\"}",
		 qemus[1].path);
	is_answer(request,
		  "{\"id\":9,\"ok\":false,\"error\":{\"code\":\"EEXIST\",\"message\":\"/tmp/...",
		  "vm_add of g2's socket under another name: EEXIST");
	is_answer("{\"id\":10,\"op\":\"vm_list\"}", "{\"id\":10,\"ok\":true,\"result\":[{\"vm\":\"g1\",...",
		  "vm_list: g1 first");
	is_answer("{\"id\":11,\"op\":\"vm_remove\",\"vm\":\"nope\"}",
		  "{\"id\":11,\"ok\":false,\"error\":{\"code\":\"ENOENT\",\"message\":\"no vm named nope\"}}",
		  "vm_remove of no vm: ENOENT");
}

/* assign --vf-of: a free VF of the PF, or a refusal that says why not. */
static void test_vf_pool(void)
{
	is_answer("{\"id\":1,\"op\":\"assign\",\"vf_of\":\"0000:3b:00.0\",\"vm\":\"g1\"}",
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EBUSY\",\"message\":\"no free virtual function of 0000:3b:00.0: its 2 are assigned, busy, unhealthy or not quarantined\"}}",
		  "no VF is free (one unhealthy, one with the host): EBUSY");
	is_answer("{\"id\":2,\"op\":\"assign\",\"vf_of\":\"0000:00:02.0\",\"vm\":\"g1\"}",
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"ENODEV\",\"message\":\"0000:00:02.0 has no virtual functions (ddactl sriov 0000:00:02.0 --vfs N)\"}}",
		  "a device with no VFs: ENODEV");
	is_answer("{\"id\":3,\"op\":\"assign\",\"vf_of\":\"3b:00.0\",\"address\":\"0000:00:02.0\",\"vm\":\"g1\"}",
		  "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"assign takes an address or vf_of, not both\"}}",
		  "an address and vf_of: EINVAL");
	is_answer("{\"id\":4,\"op\":\"assign\",\"vf_of\":\"pf\",\"vm\":\"g1\"}",
		  "{\"id\":4,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"\\\"pf\\\" is not a PCI address (DDDD:BB:DD.F or BB:DD.F)\"}}",
		  "vf_of that is no address: EINVAL");
	is_answer("{\"id\":5,\"op\":\"assign\",\"vf_of\":\"0000:3b:00.0\",\"vm\":\"g9\"}",
		  "{\"id\":5,\"ok\":false,\"error\":{\"code\":\"ENOENT\",...",
		  "to an unknown vm: ENOENT before any VF is looked at");
}

static void test_assign_refused(void)
{
	is_answer("{\"id\":1,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g9\"}",
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"ENOENT\",\"message\":\"no vm named g9 (ddactl vm add g9 --qmp PATH); libvirt domains are unsupported in this build\"}}",
		  "assign to an unknown vm: ENOENT");
	is_answer("{\"id\":2,\"op\":\"assign\",\"address\":\"0000:00:03.0\",\"vm\":\"g1\"}",
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"0000:00:03.0 is with the host (driver virtio-pci): dismount it first (ddactl dismount 0000:00:03.0)\"}}",
		  "assign of a host device: dismount it first");
	is_answer("{\"id\":3,\"op\":\"assign\",\"address\":\"0000:05:01.0\",\"vm\":\"g1\"}",
		  "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"EBUSY\",\"message\":\"the IOMMU group 5 of 0000:05:01.0 is not wholly quarantined: ...",
		  "assign of a device whose group is not wholly quarantined: EBUSY");
	is_answer("{\"id\":4,\"op\":\"assign\",\"address\":\"0000:09:00.0\",\"vm\":\"g1\"}",
		  "{\"id\":4,\"ok\":false,\"error\":{\"code\":\"ENODEV\",\"message\":\"no PCI device 0000:09:00.0\"}}",
		  "assign of no device: ENODEV");
	is_answer("{\"id\":5,\"op\":\"assign\",\"address\":2,\"vm\":\"g1\"}",
		  "{\"id\":5,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"\\\"address\\\" must be a string, not a number\"}}",
		  "assign with a number for an address: EINVAL");
	is_answer("{\"id\":6,\"op\":\"assign\",\"address\":\"eth0\",\"vm\":\"g1\"}",
		  "{\"id\":6,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"\\\"eth0\\\" is not a PCI address (DDDD:BB:DD.F or BB:DD.F)\"}}",
		  "assign of no address: EINVAL");
	is_answer("{\"id\":7,\"op\":\"assign\",\"vm\":\"g1\"}",
		  "{\"id\":7,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"assign needs \\\"address\\\"\"}}",
		  "assign without an address: EINVAL");
	is_answer("{\"id\":8,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g1\",\"timeout\":3}",
		  "{\"id\":8,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"assign takes no argument \\\"timeout\\\"\"}}",
		  "assign with a timeout: EINVAL");
	is_answer("{\"id\":9,\"op\":\"unassign\",\"address\":\"0000:00:02.0\"}",
		  "{\"id\":9,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"0000:00:02.0 is not assigned (it is quarantined)\"}}",
		  "unassign of a quarantined device: EINVAL");
	is_answer("{\"id\":10,\"op\":\"unassign\",\"address\":\"0000:00:02.0\",\"timeout\":\"10\"}",
		  "{\"id\":10,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"\\\"timeout\\\" must be a number, not a string\"}}",
		  "unassign with a string timeout: EINVAL");
	is_answer("{\"id\":11,\"op\":\"unassign\",\"address\":\"0000:00:02.0\",\"timeout\":-1}",
		  "{\"id\":11,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"\\\"timeout\\\" must be more than 0 and at most 3600 seconds\"}}",
		  "unassign with a negative timeout: EINVAL");
	is_int(handovers, 0, "no handover was asked of dda.ko");
}

/* ddad's log (stderr, as with --foreground) while capturing. */
static int saved_stderr = -1;
static FILE *captured;

static void capture_log(void)
{
	captured = tmpfile();
	fflush(stderr);
	saved_stderr = dup(2);
	if (!captured || saved_stderr < 0 || dup2(fileno(captured), 2) < 0)
		ok(0, "capturing the log");
	log_open(true);
}

/* The log since capture_log(), to be freed. */
static char *captured_log(void)
{
	char *text = calloc(1, 8192);

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	log_open(getenv("DDAD_TEST_LOG") != NULL);
	if (text && captured) {
		rewind(captured);
		if (fread(text, 1, 8191, captured) == 0)
			text[0] = '\0';
	}
	if (captured)
		fclose(captured);
	return text;
}

/*
 * The line at the end of a job: where its time went. Its handover was held
 * for at least hold_ms by the fake dda.ko: it must count there.
 */
static void check_time_line(const char *log, const char *op,
			    const char *address, double hold_ms)
{
	char want[64], *line;
	double total, query, handover, release, add, verify, record;

	snprintf(want, sizeof(want), "ddad: %s %s: ", op, address);
	line = strstr(log, want);
	if (!ok(line && sscanf(line + strlen(want),
			       "%lf ms: query-pci %lf, handover %lf, release %lf, device_add %lf, verify %lf, state.json %lf",
			       &total, &query, &handover, &release, &add,
			       &verify, &record) == 7,
		"%s %s: the log says where its time went", op, address)) {
		printf("#   log: %s\n", log);
		return;
	}
	ok(handover >= hold_ms, "%s: the held handover counts there (%.1f >= %.1f ms)",
	   address, handover, hold_ms);
	/* Each printed to 0.1 ms: rounding may add up to 0.4. */
	ok(total + 0.4 >= query + handover + release + add + verify + record,
	   "%s: the steps add up to no more than the whole (%.1f ms)",
	   address, total);
}

static void test_assign(void)
{
	unsigned int groups = group_calls;
	size_t dumps = lists;
	struct answer a, b;
	struct qemu *q = &qemus[0];
	uint64_t held;
	char *log;

	/* Two at once to the same guest: two ports, and ping meanwhile. */
	capture_log();
	kernel_holds = true;
	ask_start(&a, "{\"id\":\"a\",\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g1\"}");
	ask_start(&b, "{\"id\":\"b\",\"op\":\"assign\",\"address\":\"01:00.0\",\"vm\":\"g1\"}");
	ok(!a.done && !b.done, "assigns wait on the guest");
	is_answer("{\"id\":\"p\",\"op\":\"ping\"}",
		  "{\"id\":\"p\",\"ok\":true,\"result\":{}}",
		  "meanwhile, ping is answered");
	turn_for(50);
	is_int(nkcalls, 2, "both handovers asked of dda.ko");
	held = now_us();
	ok(recorded(EDU, DDA_STATE_QUARANTINED, "g1", "rp0", OPERATION_ASSIGN),
	   "edu recorded before its handover: assign to g1, port rp0");
	ok(recorded(NIC, DDA_STATE_QUARANTINED, "g1", "rp1", OPERATION_ASSIGN),
	   "the NIC: port rp1, not rp0");
	is_answer("{\"id\":\"c\",\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":\"c\",\"ok\":false,\"error\":{\"code\":\"EBUSY\",\"message\":\"0000:00:02.0: an assign is under way\"}}",
		  "another assign of edu meanwhile: EBUSY");
	is_answer("{\"id\":\"s\",\"op\":\"status\"}",
		  "{\"id\":\"s\",\"ok\":true,\"result\":[{\"address\":\"0000:00:02.0\",\"state\":\"quarantined\",\"vm\":\"g1\",\"since\":...",
		  "status shows the assign under way");
	turn_for(20);
	/* Both handovers were under way all this time, at least. */
	held = now_us() - held;
	kernel_holds = false;
	ok(turn_until(&a.done, 5000) && turn_until(&b.done, 5000),
	   "then both are answered");
	is_int(group_calls - groups, 4,
	       "each assign asked dda.ko for its group, before and after the handover");
	is_int(lists - dumps, 0,
	       "and never for every device of the host: status reads ddad's view");
	ok(!table_find(EDU)->hold && !table_find(NIC)->hold,
	   "each handed over held, then released before its device_add");
	log = captured_log();
	check_time_line(log, "assign", EDU, held / 1000.0);
	check_time_line(log, "assign", NIC, held / 1000.0);
	free(log);
	if (!ok(a.text && strstr(a.text, "{\"id\":\"a\",\"ok\":true,\"result\":{\"address\":\"0000:00:02.0\",\"state\":\"assigned\",\"vm\":\"g1\",\"since\":") == a.text &&
		strstr(a.text, "\"port\":\"rp0\",\"operation\":null,\"pid\":"),
		"edu: assigned to g1 on rp0"))
		printf("#   got %s\n", a.text);
	if (!ok(b.text && strstr(b.text, "\"ok\":true") &&
		strstr(b.text, "\"port\":\"rp1\""), "the NIC: assigned on rp1"))
		printf("#   got %s\n", b.text);
	free(a.text);
	free(b.text);
	is_str(kernel_state(EDU), "assigned", "dda.ko: edu assigned");
	is_str(q->plugged[0], "dda-0000-00-02-0", "the guest: edu on rp0");
	is_str(q->host[0], EDU, "device_add host=0000:00:02.0");
	is_str(q->plugged[1], "dda-0000-01-00-0", "the guest: the NIC on rp1");
	ok(recorded(EDU, DDA_STATE_ASSIGNED, "g1", "rp0", OPERATION_NONE),
	   "recorded: edu assigned to g1 on rp0");

	is_answer("{\"id\":1,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EALREADY\",\"message\":\"0000:00:02.0 is already assigned to vm g1\"}}",
		  "assign it again: EALREADY");
	is_answer("{\"id\":2,\"op\":\"vm_remove\",\"vm\":\"g1\"}",
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"EBUSY\",\"message\":\"vm g1 holds 0000:00:02.0: unassign it first\"}}",
		  "vm_remove of g1 while it holds devices: EBUSY");
	is_answer("{\"id\":3,\"op\":\"vm_list\"}",
		  "{\"id\":3,\"ok\":true,\"result\":[{\"vm\":\"g1\",\"kind\":\"qmp\",\"qmp\":\"/tmp/...",
		  "vm_list: g1 first");
	ok(strstr(vm_json_text("g1"), "\"connected\":true,\"devices\":[\"0000:00:02.0\",\"0000:01:00.0\"]"),
	   "vm_list: g1 holds both");
}

static void test_no_port(void)
{
	struct qemu *q = &qemus[1];
	unsigned int before = handovers;

	/* g2 has one port: the first takes it, the second finds none. */
	is_answer("{\"id\":1,\"op\":\"reassign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":1,\"ok\":true,\"result\":{\"address\":\"0000:00:02.0\",\"state\":\"assigned\",\"vm\":\"g2\",...",
		  "reassign edu from g1 to g2");
	is_str(qemus[0].plugged[0], "", "g1 let go of it");
	is_str(q->plugged[0], "dda-0000-00-02-0", "g2 has it on rp0");
	is_int(handovers - before, 1, "one handover: g1 -> quarantine -> g2");
	is_answer("{\"id\":2,\"op\":\"reassign\",\"address\":\"0000:01:00.0\",\"vm\":\"g2\"}",
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"ENOSPC\",\"message\":\"unassigned from vm g1, but vm g2 has no free hotplug port: ...",
		  "reassign the NIC to g2, whose one port is taken: ENOSPC");
	is_str(kernel_state(NIC), "quarantined",
	       "the NIC is quarantined, not with the host");
	ok(recorded(NIC, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "recorded quarantined, no vm");
	is_answer("{\"id\":3,\"op\":\"assign\",\"address\":\"0000:01:00.0\",\"vm\":\"g2\"}",
		  "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"ENOSPC\",...",
		  "assign it to g2: ENOSPC, nothing changed");
	is_int(handovers - before, 1, "no handover for either");
	is_answer("{\"id\":4,\"op\":\"reassign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":4,\"ok\":false,\"error\":{\"code\":\"EALREADY\",\"message\":\"0000:00:02.0 is already assigned to vm g2\"}}",
		  "reassign to the guest that has it: EALREADY");
}

static void test_unassign(void)
{
	struct qemu *q = &qemus[1];
	uint64_t t;

	/* DEVICE_DELETED before device_del's answer, as can happen. */
	q->event_first = true;
	is_answer("{\"id\":1,\"op\":\"unassign\",\"address\":\"0000:00:02.0\"}",
		  "{\"id\":1,\"ok\":true,\"result\":{\"address\":\"0000:00:02.0\",\"state\":\"quarantined\",\"vm\":null,...",
		  "unassign edu from g2 (the event before the answer)");
	ok(recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "recorded quarantined");
	q->event_first = false;

	is_answer("{\"id\":2,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":2,\"ok\":true,...", "assign edu to g2 again");
	/* A guest that does not let go in time. */
	q->hold_unplug = true;
	t = now_ms();
	is_answer("{\"id\":3,\"op\":\"unassign\",\"address\":\"0000:00:02.0\",\"timeout\":0.3}",
		  "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"ETIMEDOUT\",\"message\":\"vm g2 did not release 0000:00:02.0 within 300 ms: it stays assigned\"}}",
		  "unassign, the guest holding on: ETIMEDOUT after --timeout");
	ok(now_ms() - t >= 300 && now_ms() - t < 3000, "after 0.3 s (%d ms)",
	   (int)(now_ms() - t));
	is_str(kernel_state(EDU), "assigned", "dda.ko: still assigned");
	ok(recorded(EDU, DDA_STATE_ASSIGNED, "g2", "rp0", OPERATION_NONE),
	   "recorded: still assigned to g2");
	/* It lets go later: ddad reclaims it by itself. */
	q->hold_unplug = false;
	q->plugged[0][0] = '\0';
	qemu_deleted(q, "dda-0000-00-02-0");
	t = now_ms();
	while (strcmp(kernel_state(EDU), "quarantined") && now_ms() - t < 3000)
		turn();
	is_str(kernel_state(EDU), "quarantined",
	       "the guest let go later: ddad reclaimed it");
	ok(recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "recorded quarantined");
}

/* The core against a backend of a kind it does not know (guest.h). */
static void test_fake_backend(void)
{
	uint64_t t;

	fake_start();
	is_answer("{\"id\":1,\"op\":\"vm_list\"}",
		  "{\"id\":1,\"ok\":true,\"result\":[{\"vm\":\"f1\",\"kind\":\"fake\",\"fake\":true,\"connected\":true,\"devices\":[]},...",
		  "vm_list: the fake guest, of its kind");
	is_answer("{\"id\":2,\"op\":\"vm_add\",\"vm\":\"f1\",\"qmp\":\"/tmp/x\"}",
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"EEXIST\",\"message\":\"vm f1 exists: it is a fake domain, a guest of ddad's without vm add\"}}",
		  "vm_add clashing with it: EEXIST, naming it");
	is_answer("{\"id\":3,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"f1\"}",
		  "{\"id\":3,\"ok\":true,\"result\":{\"address\":\"0000:00:02.0\",\"state\":\"assigned\",\"vm\":\"f1\",...",
		  "assign edu to the fake guest");
	is_int(fake.calls[FAKE_PREPARE], 1, "prepared once");
	is_int(fake.calls[FAKE_ADD], 1, "added once");
	ok(recorded(EDU, DDA_STATE_ASSIGNED, "f1", NULL, OPERATION_NONE),
	   "recorded: assigned to f1, no port");
	is_int(record(EDU)->pid, fake.q->pid,
	       "with the QEMU process the backend named");

	/* Its word alone, with vfio saying its QEMU holds it: nothing moves. */
	fake.hold = true;
	is_answer("{\"id\":4,\"op\":\"unassign\",\"address\":\"0000:00:02.0\",\"timeout\":0.3}",
		  "{\"id\":4,\"ok\":false,\"error\":{\"code\":\"ETIMEDOUT\",\"message\":\"vm f1 did not release 0000:00:02.0 within 300 ms: it stays assigned\"}}",
		  "unassign, the fake says done but keeps it: ETIMEDOUT");
	is_str(kernel_state(EDU), "assigned", "dda.ko: still assigned");
	fake.hold = false;
	is_answer("{\"id\":5,\"op\":\"unassign\",\"address\":\"0000:00:02.0\"}",
		  "{\"id\":5,\"ok\":true,\"result\":{\"address\":\"0000:00:02.0\",\"state\":\"quarantined\",\"vm\":null,...",
		  "unassign from the fake guest: quarantined");
	ok(fake.calls[FAKE_LOOK] >= 1, "after looking (%u)",
	   fake.calls[FAKE_LOOK]);

	/* Between kinds, both ways. */
	is_answer("{\"id\":6,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"f1\"}",
		  "{\"id\":6,\"ok\":true,...", "assign edu to f1 again");
	is_answer("{\"id\":7,\"op\":\"reassign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":7,\"ok\":true,\"result\":{\"address\":\"0000:00:02.0\",\"state\":\"assigned\",\"vm\":\"g2\",...",
		  "reassign edu from the fake guest to the QMP guest g2");
	is_str(fake.q->plugged[0], "", "out of f1");
	is_str(qemus[1].plugged[0], "dda-0000-00-02-0", "into g2");
	is_answer("{\"id\":8,\"op\":\"reassign\",\"address\":\"0000:00:02.0\",\"vm\":\"f1\"}",
		  "{\"id\":8,\"ok\":true,\"result\":{\"address\":\"0000:00:02.0\",\"state\":\"assigned\",\"vm\":\"f1\",...",
		  "and back to f1");
	is_str(qemus[1].plugged[0], "", "out of g2");

	/* Its QEMU dies holding it: proof, back to quarantine. */
	fake.q->dead = true;
	t = now_ms();
	while (strcmp(kernel_state(EDU), "quarantined") && now_ms() - t < 3000)
		turn();
	is_str(kernel_state(EDU), "quarantined",
	       "the fake's QEMU died: edu reclaimed into quarantine");
	ok(recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "recorded quarantined");

	/* An add refused after the handover: rolled back. */
	fake.q->dead = false;
	fake.q->pid = next_pid++;
	fake.fail_add = true;
	is_answer("{\"id\":9,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"f1\"}",
		  "{\"id\":9,\"ok\":false,\"error\":{\"code\":\"EIO\",\"message\":\"the fake refused it; 0000:00:02.0 is quarantined again\"}}",
		  "the fake refuses the add: EIO, rolled back");
	is_str(kernel_state(EDU), "quarantined", "dda.ko: quarantined");
	fake.fail_add = false;
	guest_destroy(&fake.guest);
}

static void test_roll_back(void)
{
	struct qemu *q = &qemus[1];
	unsigned int before = reclaims, adds = q->adds, rel;
	struct answer a;
	uint64_t t;

	q->fail_add = true;
	is_answer("{\"id\":1,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EIO\",\"message\":\"device_add failed: vfio 0000:00:02.0: failed to setup container; 0000:00:02.0 is quarantined again\"}}",
		  "device_add fails: the assign rolls back");
	q->fail_add = false;
	is_int(reclaims - before, 1, "dda.ko reclaimed it");
	is_str(kernel_state(EDU), "quarantined", "it is quarantined");
	ok(recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "recorded quarantined");

	kernel_fails = -EBUSY;
	is_answer("{\"id\":2,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"EBUSY\",\"message\":\"cannot hand 0000:00:02.0 over to vfio-pci: the fake dda.ko says no\"}}",
		  "dda.ko refuses the handover: its reason");
	ok(recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "nothing changed");
	is_int(q->adds, adds + 1, "no device_add was sent for it");

	/* Handed over, held; dda.ko refuses the release: rolled back. */
	before = reclaims;
	rel = releases;
	kernel_holds = true;
	ask_start(&a, "{\"id\":3,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}");
	t = now_ms();
	while (!nkcalls && now_ms() - t < 3000)
		turn();
	kernel_finish(&ddad, true);
	ok(nkcalls == 1 && kcalls[0].change == KERNEL_RELEASE,
	   "handed over, held: then the release is asked");
	ok(table_find(EDU)->hold, "meanwhile dda.ko holds the group's DMA");
	kernel_fails = -EPERM;
	kernel_holds = false;
	turn_until(&a.done, 5000);
	is_str(a.text, "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"EPERM\",\"message\":\"cannot release 0000:00:02.0 to its guest: the fake dda.ko says no; 0000:00:02.0 is quarantined again\"}}",
	       "a failed release rolls back, saying why");
	free(a.text);
	is_int(releases - rel, 1, "one release was asked");
	is_int(reclaims - before, 1, "the held group was reclaimed");
	ok(!strcmp(kernel_state(EDU), "quarantined") && !table_find(EDU)->hold,
	   "quarantined, not held");
	ok(recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "recorded quarantined");
	is_int(q->adds, adds + 1, "no device_add was sent for it");
}

static void test_guest_gone(void)
{
	struct qemu *q = &qemus[1];
	uint64_t t;

	is_answer("{\"id\":1,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":1,\"ok\":true,...", "assign edu to g2");
	qemu_kill(q);
	t = now_ms();
	while (strcmp(kernel_state(EDU), "quarantined") && now_ms() - t < 3000)
		turn();
	is_str(kernel_state(EDU), "quarantined",
	       "g2 killed: edu reclaimed into quarantine, not the host");
	ok(recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "recorded quarantined");
	ok(!vm_up("g2"), "g2 is down");
	is_answer("{\"id\":2,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"ENOTCONN\",\"message\":\"vm g2 is not connected: ...",
		  "assign to the dead g2: ENOTCONN");

	/* It comes back on the same socket: ddad reconnects. */
	qemu_stop(q);
	qemu_start(q, "g2", 1);
	ok(wait_up("g2"), "g2 started again: connected again");

	/*
	 * A SHUTDOWN (QEMU -no-shutdown stays), then its connection drops:
	 * neither is proof; edu stays until the process exits.
	 */
	is_answer("{\"id\":3,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":3,\"ok\":true,...", "assign edu to g2");
	qemu_send(q, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 0}, \"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}}\r\n");
	turn_for(300);
	is_str(kernel_state(EDU), "assigned", "SHUTDOWN: edu stays assigned");
	is_str(q->plugged[0], "dda-0000-00-02-0", "in g2, not unplugged");
	is_int(q->dels, 0, "no device_del was sent");
	is_answer("{\"id\":4,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g2\"}",
		  "{\"id\":4,\"ok\":false,\"error\":{\"code\":\"ESHUTDOWN\",\"message\":\"vm g2 has shut down\"}}",
		  "assign to a guest that shut down: ESHUTDOWN");
	close(q->fd);		/* its QMP connection drops, QEMU lives */
	q->fd = -1;
	close(q->listen_fd);
	q->listen_fd = -1;
	unlink(q->path);	/* and its socket file goes */
	turn_for(300);
	is_str(kernel_state(EDU), "assigned",
	       "connection dropped, socket file gone: edu stays assigned");
	ok(recorded(EDU, DDA_STATE_ASSIGNED, "g2", "rp0", OPERATION_NONE),
	   "recorded: assigned to g2");
	qemu_kill(q);		/* its process exits */
	t = now_ms();
	while (strcmp(kernel_state(EDU), "quarantined") && now_ms() - t < 3000)
		turn();
	is_str(kernel_state(EDU), "quarantined",
	       "its QEMU process exits: edu reclaimed");
	is_answer("{\"id\":5,\"op\":\"vm_remove\",\"vm\":\"g2\"}",
		  "{\"id\":5,\"ok\":true,\"result\":{}}", "vm_remove g2");
	ok(!state_vm_find(&ddad.state, "g2"), "g2 is not recorded any more");
	qemu_stop(q);
}

/*
 * ddad "killed" mid-assign of edu to g1, then started again: dda.ko holds
 * the handover (hold_kernel), or QEMU does not answer device_add
 * (ignore_add) or the query-pci after it (with neither); kill_guest: the
 * guest is gone by the restart. in_guest: where edu should end up.
 */
static void crash_assign(const char *what, bool hold_kernel, bool ignore_add,
			 bool kill_guest, bool in_guest)
{
	struct qemu *q = &qemus[0];
	struct answer a;
	uint64_t t;
	int port;

	kernel_holds = hold_kernel;
	q->ignore_add = ignore_add;
	if (!hold_kernel && !ignore_add)
		q->queries_left = 1;	/* the port's, not the check's */
	ask_start(&a, "{\"id\":1,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g1\"}");
	t = now_ms();
	while (now_ms() - t < 3000 && (hold_kernel ? !nkcalls : !q->adds))
		turn();
	turn_for(30);
	ok(!a.done, "%s: the assign is under way", what);
	ok(record(EDU) && record(EDU)->operation == OPERATION_ASSIGN,
	   "%s: state.json records the assign", what);
	ddad_stop(true, true);
	ok(a.done && strstr(a.text, "ESHUTDOWN"),
	   "%s: its client hears ESHUTDOWN", what);
	free(a.text);
	kernel_holds = false;
	q->ignore_add = false;
	q->queries_left = -1;
	q->adds = 0;
	if (kill_guest)
		qemu_stop(q);

	ddad_start();
	t = now_ms();
	while (now_ms() - t < 3000 &&
	       (!record(EDU) || record(EDU)->operation != OPERATION_NONE ||
		nkcalls || ddad.jobs ||
		(!kill_guest && !vm_up("g1"))))
		turn();
	turn_for(50);
	port = kill_guest ? -1 : qemu_plugged(q, "dda-0000-00-02-0");
	is_str(kernel_state(EDU), in_guest ? "assigned" : "quarantined",
	       "%s: restarted, dda.ko says %s", what,
	       in_guest ? "assigned" : "quarantined");
	ok((port >= 0) == in_guest, "%s: the guest %s", what,
	   in_guest ? "has it" : "does not have it");
	if (in_guest)
		ok(port >= 0 && recorded(EDU, DDA_STATE_ASSIGNED, "g1",
					 q->ports[port], OPERATION_NONE),
		   "%s: recorded assigned to g1, the assign finished", what);
	else
		ok(recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL,
			    OPERATION_NONE),
		   "%s: recorded quarantined, the assign undone", what);
}

/*
 * ddad "killed" between the handover and the release: dda.ko holds edu's
 * group, no guest has it. Restarted, ddad reclaims it.
 */
static void crash_held(void)
{
	struct qemu *q = &qemus[0];
	unsigned int adds = q->adds;
	struct answer a;
	uint64_t t;

	kernel_holds = true;
	ask_start(&a, "{\"id\":1,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g1\"}");
	t = now_ms();
	while (!nkcalls && now_ms() - t < 3000)
		turn();
	kernel_finish(&ddad, true);
	ok(nkcalls == 1 && kcalls[0].change == KERNEL_RELEASE,
	   "killed before the release: the release is asked");
	ok(table_find(EDU)->hold && !strcmp(kernel_state(EDU), "assigned"),
	   "killed before the release: dda.ko says assigned, held");
	ok(record(EDU) && record(EDU)->state == DDA_STATE_ASSIGNED &&
	   record(EDU)->operation == OPERATION_ASSIGN,
	   "killed before the release: recorded assigned, the assign under way");
	ddad_stop(true, false);		/* dda.ko never got the release */
	free(a.text);
	kernel_holds = false;

	ddad_start();
	t = now_ms();
	while (now_ms() - t < 3000 &&
	       (!record(EDU) || record(EDU)->operation != OPERATION_NONE ||
		nkcalls || ddad.jobs || !vm_up("g1")))
		turn();
	turn_for(50);
	ok(!strcmp(kernel_state(EDU), "quarantined") && !table_find(EDU)->hold,
	   "killed before the release: restarted, the held group reclaimed");
	ok(recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "killed before the release: recorded quarantined, the assign undone");
	is_int(q->adds, adds, "killed before the release: no device_add");
}

static void test_restart(void)
{
	struct qemu *q = &qemus[0];
	struct answer a;
	uint64_t t;

	/* Empty g1 first; the NIC stays assigned to it through restarts. */
	is_answer("{\"id\":1,\"op\":\"unassign\",\"address\":\"0000:01:00.0\"}",
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",...",
		  "the NIC is quarantined already (g2 had no port)");
	is_answer("{\"id\":2,\"op\":\"assign\",\"address\":\"0000:01:00.0\",\"vm\":\"g1\"}",
		  "{\"id\":2,\"ok\":true,...", "assign the NIC to g1");

	crash_assign("killed during the handover", true, false, false, false);
	ok(recorded(NIC, DDA_STATE_ASSIGNED, "g1", "rp0", OPERATION_NONE) ||
	   recorded(NIC, DDA_STATE_ASSIGNED, "g1", "rp1", OPERATION_NONE),
	   "the NIC, untouched, still assigned to g1");
	crash_held();
	/*
	 * dda.ko finished the handover after the kill; the guest never got
	 * a device_add: reclaimed on restart.
	 */
	crash_assign("killed before device_add was answered", false, true,
		     false, false);
	crash_assign("killed with device_add answered, not verified", false,
		     false, false, true);
	is_answer("{\"id\":3,\"op\":\"unassign\",\"address\":\"0000:00:02.0\"}",
		  "{\"id\":3,\"ok\":true,...", "unassign edu");
	crash_assign("killed mid-assign, the guest killed too", false, true,
		     true, false);
	is_str(kernel_state(NIC), "quarantined",
	       "the guest gone: its NIC reclaimed on restart too");

	/* Killed mid-unassign: the guest let go, dda.ko not asked yet. */
	qemu_start(q, "g1", 2);
	ok(wait_up("g1"), "g1 back");
	is_answer("{\"id\":4,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g1\"}",
		  "{\"id\":4,\"ok\":true,...", "assign edu to g1");
	kernel_holds = true;
	ask_start(&a, "{\"id\":5,\"op\":\"unassign\",\"address\":\"0000:00:02.0\"}");
	t = now_ms();
	while (now_ms() - t < 3000 && !nkcalls)
		turn();
	ok(record(EDU) && record(EDU)->operation == OPERATION_UNASSIGN,
	   "mid-unassign: recorded");
	ddad_stop(true, false);	/* dda.ko never saw the reclaim */
	free(a.text);
	kernel_holds = false;
	ddad_start();
	t = now_ms();
	while (now_ms() - t < 3000 && strcmp(kernel_state(EDU), "quarantined"))
		turn();
	is_str(kernel_state(EDU), "quarantined",
	       "killed mid-unassign: restarted, the reclaim done");
	ok(recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "recorded quarantined");
}

/*
 * A group of two handed over whole: the member recorded with the guest.
 * Another guest, g2, claims both at its connection and says
 * DEVICE_DELETED of them while g1 is frozen: nothing moves, ddad serves.
 */
static void test_liar(void)
{
	struct qemu *g1 = &qemus[0], *g2 = &qemus[1];
	unsigned int before;
	struct state_device *b;

	is_answer("{\"id\":1,\"op\":\"assign\",\"address\":\"0000:07:00.0\",\"vm\":\"g1\"}",
		  "{\"id\":1,\"ok\":true,...", "assign one of a pair to g1");
	is_str(kernel_state(PAIR_B), "assigned", "its group's other went along");
	b = record(PAIR_B);
	ok(b && b->vm && !strcmp(b->vm, "g1") && b->with &&
	   !strcmp(b->with, PAIR_A) && b->pid == g1->pid,
	   "the other is recorded with g1's process, with the one assigned");
	is_answer("{\"id\":2,\"op\":\"unassign\",\"address\":\"0000:07:00.1\"}",
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"0000:07:00.1 is in no guest: it went to vfio-pci with 0000:07:00.0, ...",
		  "unassign of the other: EINVAL, names the one to unassign");
	is_answer("{\"id\":3,\"op\":\"assign\",\"address\":\"0000:07:00.1\",\"vm\":\"g2\"}",
		  "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"EALREADY\",\"message\":\"0000:07:00.1 went to vfio-pci with 0000:07:00.0, ...",
		  "assign of the other: EALREADY");

	/* g2 comes back lying: it claims both; g1 freezes. */
	before = reclaims;
	g1->silent = true;
	qemu_stop(g2);
	turn_for(50);		/* ddad sees the connection drop */
	qemu_start(g2, "g2", 2);
	snprintf(g2->plugged[0], QDEV_SIZE, "dda-0000-07-00-0");
	snprintf(g2->plugged[1], QDEV_SIZE, "dda-0000-07-00-1");
	ok(wait_up("g2"), "the liar connects");
	qemu_deleted(g2, "dda-0000-07-00-1");
	qemu_deleted(g2, "dda-0000-07-00-0");
	turn_for(200);
	is_answer("{\"id\":4,\"op\":\"ping\"}", "{\"id\":4,\"ok\":true,\"result\":{}}",
		  "ddad answers meanwhile");
	is_int(reclaims, before, "no reclaim was asked of dda.ko");
	is_str(kernel_state(PAIR_A), "assigned", "the pair stays assigned");
	ok(recorded(PAIR_A, DDA_STATE_ASSIGNED, "g1", "rp0", OPERATION_NONE) ||
	   recorded(PAIR_A, DDA_STATE_ASSIGNED, "g1", "rp1", OPERATION_NONE),
	   "recorded: to g1");
	ok(recorded(PAIR_B, DDA_STATE_ASSIGNED, "g1", NULL, OPERATION_NONE),
	   "the other too");

	/* A record that lost its guest is not the liar's either. */
	state_set(&ddad.state, record(PAIR_B), DDA_STATE_ASSIGNED, NULL, NULL,
		  OPERATION_NONE, time(NULL));
	reconcile(&ddad);
	b = record(PAIR_B);
	ok(b && b->vm && !strcmp(b->vm, "g1") && b->with &&
	   !strcmp(b->with, PAIR_A),
	   "a guestless member: recorded again with g1, from its group");

	/* g1 thaws, and lets go of the pair: both come back. */
	g1->silent = false;
	g2->plugged[0][0] = g2->plugged[1][0] = '\0';
	is_answer("{\"id\":5,\"op\":\"unassign\",\"address\":\"0000:07:00.0\"}",
		  "{\"id\":5,\"ok\":true,...", "unassign the pair from g1");
	is_str(kernel_state(PAIR_B), "quarantined", "both quarantined");
	ok(recorded(PAIR_B, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "the other recorded quarantined");
}

/* A freed QMP path, bound by another uid: refused, never talked to. */
static void test_impostor(void)
{
	struct qemu *q = &qemus[0];
	struct guest *vm;

	qemu_stop(q);
	turn_for(100);
	qemu_start(q, "g1", 2);
	q->uid = getuid() + 1;
	turn_for(2500);		/* ddad retries every 2 s */
	vm = guest_find(&ddad, "g1");
	ok(q->accepted > 0, "ddad connected to the impostor's socket");
	is_int(q->commands, 0, "and sent it nothing");
	ok(!vm_up("g1"), "g1 is not connected");
	ok(vm && strstr(vm->why, "refused: its QMP socket is served by uid"),
	   "and says why");
	qemu_stop(q);
	turn_for(50);
	qemu_start(q, "g1", 2);
	ok(wait_up("g1"),
	   "the guest's own uid again: connected");
}

/* state.json cannot be written: no reclaim goes to dda.ko unrecorded. */
static void test_unwritable(void)
{
	char away[300];
	unsigned int before;
	uint64_t t;

	is_answer("{\"id\":1,\"op\":\"assign\",\"address\":\"0000:00:02.0\",\"vm\":\"g1\"}",
		  "{\"id\":1,\"ok\":true,...", "assign edu to g1");
	snprintf(away, sizeof(away), "%s.away", state_dir);
	rename(state_dir, away);
	before = reclaims;
	is_answer("{\"id\":2,\"op\":\"unassign\",\"address\":\"0000:00:02.0\"}",
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"ENOENT\",\"message\":\"cannot write /tmp/...",
		  "unassign, state.json cannot be written: refused before the reclaim");
	is_int(reclaims, before, "no reclaim was asked of dda.ko");
	is_str(kernel_state(EDU), "assigned", "edu stays assigned");
	rename(away, state_dir);
	/* The guest let go, as proven: reconciling reclaims it now. */
	reconcile(&ddad);
	t = now_ms();
	while (strcmp(kernel_state(EDU), "quarantined") && now_ms() - t < 3000)
		turn();
	is_str(kernel_state(EDU), "quarantined",
	       "state.json back: the proven release goes through");
}

/* --- the qemu hook's requests ---------------------------------------- */

#define PREPARE(id, domain, hostdevs) \
	"{\"id\":" #id ",\"op\":\"libvirt_prepare\",\"domain\":\"" domain \
	"\",\"hostdevs\":[" hostdevs "]}"
#define HOSTDEV(address, managed) \
	"{\"address\":\"" address "\",\"managed\":" #managed "}"

/* libvirt_prepare's arguments: each problem named, nothing asked of dda.ko. */
static void test_hook_args(void)
{
	unsigned int groups = group_calls;

	is_answer("{\"id\":1,\"op\":\"libvirt_prepare\",\"hostdevs\":[]}",
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"libvirt_prepare needs \\\"domain\\\"\"}}",
		  "libvirt_prepare without a domain");
	is_answer("{\"id\":1,\"op\":\"libvirt_prepare\",\"domain\":\"lv1\"}",
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"libvirt_prepare needs \\\"hostdevs\\\"\"}}",
		  "without hostdevs");
	is_answer("{\"id\":1,\"op\":\"libvirt_prepare\",\"domain\":\"lv1\",\"hostdevs\":{}}",
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"\\\"hostdevs\\\" must be an array, not an object\"}}",
		  "hostdevs not an array");
	is_answer(PREPARE(1, "lv1", "7"),
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"hostdev 1 must be an object, not a number\"}}",
		  "a hostdev not an object");
	is_answer(PREPARE(1, "lv1", HOSTDEV(NIC, false) ",{\"address\":\"" NIC "\"}"),
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"hostdev 2 needs \\\"address\\\" and \\\"managed\\\"\"}}",
		  "a hostdev without managed, naming which");
	is_answer(PREPARE(1, "lv1", "{\"address\":\"01:00\",\"managed\":false}"),
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"hostdev 1: \\\"01:00\\\" is not a PCI address (DDDD:BB:DD.F or BB:DD.F)\"}}",
		  "a bad address");
	is_answer(PREPARE(1, "lv1", "{\"address\":\"" NIC "\",\"managed\":\"no\"}"),
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"hostdev 1: \\\"managed\\\" must be a boolean, not a string\"}}",
		  "managed not a boolean");
	is_answer(PREPARE(1, "lv1", "{\"address\":\"" NIC "\",\"managed\":false,\"alias\":\"x\"}"),
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"hostdev 1: unknown key \\\"alias\\\" (it takes address and managed)\"}}",
		  "an unknown key in a hostdev");
	is_answer("{\"id\":1,\"op\":\"libvirt_release\"}",
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"libvirt_release needs \\\"domain\\\"\"}}",
		  "libvirt_release without a domain");
	is_answer("{\"id\":1,\"op\":\"libvirt_release\",\"domain\":\"lv1\",\"hostdevs\":[]}",
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EINVAL\",...",
		  "libvirt_release takes no hostdevs");
	is_int(group_calls, groups, "dda.ko was asked nothing");
}

/*
 * Released while a process still holds the device through vfio: it stays
 * assigned, the answer says who; that process is watched, and its end
 * brings the device back into quarantine.
 */
static void test_hook_held(void)
{
	struct qemu *q = &qemus[2];
	char qdev[QDEV_SIZE], want[512];
	uint64_t t;

	is_answer(PREPARE(11, "lv5", HOSTDEV(NIC, false)),
		  "{\"id\":11,\"ok\":true,...", "lent to lv5");
	qdev_of(NIC, qdev);
	snprintf(q->plugged[0], QDEV_SIZE, "%s", qdev);
	snprintf(want, sizeof(want),
		 "{\"id\":12,\"ok\":false,\"error\":{\"code\":\"EBUSY\",\"message\":\"0000:01:00.0 stays assigned to domain lv5: process %d (qemu-system-x86) holds 0000:01:00.0 through vfio (/dev/vfio/6); it comes back into quarantine when that process exits\"}}",
		 (int)q->pid);
	is_answer("{\"id\":12,\"op\":\"libvirt_release\",\"domain\":\"lv5\"}",
		  want, "released while a process holds it: it stays, saying who");
	is_str(kernel_state(NIC), "assigned", "it stays on vfio-pci");
	ok(recorded(NIC, DDA_STATE_ASSIGNED, "lv5", NULL, OPERATION_NONE) &&
	   record(NIC)->pid == q->pid, "that process recorded as its holder");
	reconcile(&ddad);
	turn();
	is_str(kernel_state(NIC), "assigned", "reconciling leaves it while that process lives");
	qemu_kill(q);
	t = now_ms();
	while (strcmp(kernel_state(NIC), "quarantined") && now_ms() - t < 3000)
		turn();
	is_str(kernel_state(NIC), "quarantined", "that process gone: it is reclaimed");
	ok(recorded(NIC, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "recorded quarantined, no vm");
}

static void test_hook(void)
{
	unsigned int before;
	struct answer a, b;
	struct state_device *rec;

	table_reset();
	reconcile(&ddad);
	ok(!strcmp(kernel_state(NIC), "quarantined") &&
	   !strcmp(kernel_state(EDU), "quarantined") &&
	   !strcmp(kernel_state(PAIR_A), "quarantined") &&
	   (!record(NIC) || !record(NIC)->vm), "the devices start quarantined");
	test_hook_args();

	/* Refusals: nothing moves. */
	before = handovers;
	is_answer(PREPARE(1, "lv1", HOSTDEV(NIC, true)),
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EPERM\",\"message\":\"0000:01:00.0 is dda's (quarantined): with managed='yes' libvirt would take it from dda at start and give it to its host driver at stop; write managed='no' in its <hostdev>, and dda lends it to the domain at start\"}}",
		  "managed='yes' of a quarantined device: refused, saying what to write");
	is_answer(PREPARE(1, "lv1", HOSTDEV(NIC, false) "," HOSTDEV(GROUPED, false)),
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EBUSY\",\"message\":\"the IOMMU group 5 of 0000:05:01.0 is not wholly quarantined: 0000:05:02.0 is with the host (no driver); dismount the group (ddactl dismount 0000:05:01.0 --group)\"}}",
		  "a group not wholly quarantined: refused naming the member");
	is_answer(PREPARE(1, "g1", HOSTDEV(NIC, false)),
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EEXIST\",...",
		  "a domain named as a QMP guest: refused");
	is_answer(PREPARE(1, "lv1", HOSTDEV("0000:3b:10.0", false)),
		  "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EIO\",...",
		  "an unhealthy device: refused");
	is_int(handovers, before, "nothing was handed over");
	is_str(kernel_state(NIC), "quarantined", "the NIC stays quarantined");

	/* Not dda's: left to libvirt. */
	is_answer(PREPARE(2, "lv1", HOSTDEV(HOSTED, true) "," HOSTDEV("0000:99:00.0", false)),
		  "{\"id\":2,\"ok\":true,\"result\":{\"domain\":\"lv1\",\"lent\":[]}}",
		  "hostdevs dda does not hold: allowed, nothing lent");
	is_int(handovers, before, "nothing was handed over");

	/* Lent: the NIC, and a pair written whole. */
	is_answer(PREPARE(3, "lv1", HOSTDEV(NIC, false) "," HOSTDEV(PAIR_A, false) "," HOSTDEV(PAIR_B, false)),
		  "{\"id\":3,\"ok\":true,\"result\":{\"domain\":\"lv1\",\"lent\":[\"0000:01:00.0\",\"0000:07:00.0\",\"0000:07:00.1\"]}}",
		  "managed='no' of quarantined devices: lent");
	is_int(handovers, before + 2, "two handovers: the NIC, the pair's group");
	is_str(kernel_state(NIC), "assigned", "the NIC is on vfio-pci");
	is_str(kernel_state(PAIR_B), "assigned", "the pair too");
	ok(recorded(NIC, DDA_STATE_ASSIGNED, "lv1", NULL, OPERATION_NONE) &&
	   record(NIC)->pid == 0, "recorded assigned to lv1, no process yet");
	rec = record(PAIR_B);
	ok(recorded(PAIR_B, DDA_STATE_ASSIGNED, "lv1", NULL, OPERATION_NONE) &&
	   rec->with && !strcmp(rec->with, PAIR_A), "the pair's other with its first");
	is_answer(PREPARE(4, "lv1", HOSTDEV(NIC, false)),
		  "{\"id\":4,\"ok\":true,\"result\":{\"domain\":\"lv1\",\"lent\":[\"0000:01:00.0\"]}}",
		  "a start retried: already lent");
	is_int(handovers, before + 2, "no handover");
	is_answer(PREPARE(5, "lv2", HOSTDEV(NIC, false)),
		  "{\"id\":5,\"ok\":false,\"error\":{\"code\":\"EALREADY\",\"message\":\"0000:01:00.0 is already assigned to vm lv1\"}}",
		  "another domain naming it: refused");
	is_answer("{\"id\":6,\"op\":\"assign\",\"address\":\"" NIC "\",\"vm\":\"g1\"}",
		  "{\"id\":6,\"ok\":false,\"error\":{\"code\":\"EALREADY\",\"message\":\"0000:01:00.0 is already assigned to vm lv1\"}}",
		  "assign to a QMP guest: refused");
	reconcile(&ddad);
	ok(recorded(NIC, DDA_STATE_ASSIGNED, "lv1", NULL, OPERATION_NONE),
	   "reconciling leaves it with lv1 (no proof it let go)");

	/* Released: no process holds them through vfio. */
	before = reclaims;
	is_answer("{\"id\":7,\"op\":\"libvirt_release\",\"domain\":\"lv1\"}",
		  "{\"id\":7,\"ok\":true,\"result\":{\"domain\":\"lv1\",\"quarantined\":[\"0000:01:00.0\",\"0000:07:00.0\"]}}",
		  "libvirt_release: back into quarantine");
	is_int(reclaims, before + 2, "two reclaims: the NIC, the pair's group");
	is_str(kernel_state(NIC), "quarantined", "the NIC is quarantined");
	is_str(kernel_state(PAIR_B), "quarantined", "the pair too");
	ok(recorded(NIC, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE) &&
	   recorded(PAIR_B, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "recorded quarantined, no vm");
	is_answer("{\"id\":8,\"op\":\"libvirt_release\",\"domain\":\"lv1\"}",
		  "{\"id\":8,\"ok\":true,\"result\":{\"domain\":\"lv1\",\"quarantined\":[]}}",
		  "released again: ok, nothing to do");

	/* All or nothing: the second handover fails, the first is undone. */
	kernel_holds = true;
	before = reclaims;
	ask_start(&a, PREPARE(9, "lv3", HOSTDEV(NIC, false) "," HOSTDEV(EDU, false)));
	turn();
	ok(!a.done && nkcalls == 1, "the first handover under way, no answer yet");
	ask_start(&b, "{\"id\":10,\"op\":\"assign\",\"address\":\"" NIC "\",\"vm\":\"g1\"}");
	ok(b.done && strstr(b.text, "\"EBUSY\""), "meanwhile an assign of it: busy");
	free(b.text);
	ok(recorded(NIC, DDA_STATE_QUARANTINED, "lv3", NULL, OPERATION_ASSIGN),
	   "the intent recorded before the handover");
	kernel_finish(&ddad, true);
	ok(!a.done && nkcalls == 1, "the second handover under way");
	kernel_fails = -EIO;
	kernel_finish(&ddad, true);
	kernel_holds = false;
	turn_until(&a.done, 5000);
	is_str(a.text, "{\"id\":9,\"ok\":false,\"error\":{\"code\":\"EIO\",\"message\":\"cannot hand 0000:00:02.0 over to vfio-pci: the fake dda.ko says no\"}}",
	       "the start is refused, saying why");
	free(a.text);
	is_int(reclaims, before + 1, "the NIC was reclaimed");
	is_str(kernel_state(NIC), "quarantined", "it is quarantined again");
	ok(recorded(NIC, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE) &&
	   recorded(EDU, DDA_STATE_QUARANTINED, NULL, NULL, OPERATION_NONE),
	   "both recorded quarantined, no vm");
	turn();
	ok(!job_find(&ddad, NIC) && !job_find(&ddad, EDU), "no job is left");
	test_hook_held();
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	log_open(getenv("DDAD_TEST_LOG") != NULL);
	log_started();

	snprintf(top, sizeof(top), "%s/ddad-job-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(top)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return unit_done();
	}
	snprintf(state_dir, sizeof(state_dir), "%s/state", top);
	mkdir(state_dir, 0700);
	qemu_start(&qemus[0], "g1", 2);
	qemu_start(&qemus[1], "g2", 1);
	qemu_start(&qemus[2], "lv5", 1);
	table_reset();

	ddad_start();
	test_vms();
	test_assign_refused();
	test_vf_pool();
	test_assign();
	test_no_port();
	test_unassign();
	test_fake_backend();
	test_roll_back();
	test_liar();
	test_guest_gone();
	test_restart();
	test_impostor();
	test_unwritable();
	test_hook();
	ddad_stop(false, true);

	qemu_stop(&qemus[0]);
	qemu_stop(&qemus[1]);
	qemu_stop(&qemus[2]);
	nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	log_close();
	return unit_done();
}
