/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What ddad's files share: the configuration, logging and the audit trail,
 * the peers and their permissions, the state file, the protocol and its
 * ops, the timers, the QMP client (the guests: guest.h), dda.ko's calls, the jobs
 * that assign and unassign, reconciling, and the server. Each section
 * names the file that implements it.
 */
#ifndef DDAD_H
#define DDAD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <json-c/json_object.h>
#include <json-c/json_tokener.h>

#include "ddad_socket.h"
#include "libdda.h"
#include "util.h"

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define DDAD_STATE_DIR		"/var/lib/dda"
#define DDAD_PROTOCOL		1

/* The longest request line, without its newline. */
#define DDAD_LINE_MAX		65536

/*
 * Adds key: value to obj, taking value over; false when value is NULL (as
 * when making it ran out of memory) or when adding failed.
 */
static inline bool json_add(struct json_object *obj, const char *key,
			    struct json_object *value)
{
	if (!value)
		return false;
	if (json_object_object_add(obj, key, value)) {
		json_object_put(value);
		return false;
	}
	return true;
}

struct ddad_config {
	const char *socket_path;
	const char *state_dir;
	const char *group_name;	/* may change state besides root; or NULL */
	gid_t group;		/* its id, when group_name is set */
	bool foreground;	/* log to stderr too */
	const char *libvirt_uri;	/* NULL: libvirt's default */

	int events_buffer;	/* SO_RCVBUF of the events socket; 0: default */
};

/* log.c */

/*
 * Messages go to syslog (LOG_DAEMON) and, with to_stderr, to stderr as
 * "ddad: message". Until log_started(), errors go to stderr regardless:
 * whoever starts ddad sees why it could not.
 */
void log_open(bool to_stderr);
void log_started(void);
void log_close(void);
void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Untrusted text (a QMP path, what QEMU says) made fit for a log line:
 * printable ASCII stays, anything else and '\\' print as \xNN; cut short
 * with "..." to fit size. Returns buf.
 */
const char *log_escape(const char *text, char *buf, size_t size);

/* A peer of the socket, as SO_PEERCRED and SO_PEERGROUPS saw it at connect. */
struct peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* supplementary groups */
	size_t ngroups;
};

/*
 * The audit line of a state-changing request, refused or carried out:
 * "uid=U pid=P op=OP address=A vm=V result=ok" or "... result=error CODE"
 * for err, a negative errno. address and vm come from the request: NULL
 * prints "-", and characters other than [A-Za-z0-9._:@+-] print as '?'.
 * Returns the length snprintf() would.
 */
int audit_format(char *buf, size_t size, const struct peer *peer,
		 const char *op, const char *address, const char *vm, int err);

/* Sends the audit line to syslog (LOG_AUTHPRIV | LOG_NOTICE). */
void audit(const struct peer *peer, const char *op, const char *address,
	   const char *vm, int err);

/*
 * Audits what ddad did by itself, which no request asked for (a guest
 * gone, a restart): "uid=- pid=- op=OP address=A vm=V result=... cause=C".
 */
void audit_ddad(const char *op, const char *address, const char *vm,
		int err, const char *cause);

/* The name of errno err (either sign), "EINVAL"; "EIO" if unknown. */
const char *errno_name(int err);

/* permission.c */

struct ddad;
struct reply;

struct op {
	const char *name;
	/* Runs the request; 0, or a negative errno set with reply_error(). */
	int (*run)(struct ddad *ddad, struct json_object *request,
		   struct reply *reply);
	bool changes_state;	/* root or --group only, and audited */
	const char *const *args; /* keys it takes besides "id", "op"; NULL */
};

/*
 * Reads the credentials of the peer of a connected UNIX socket. 0 or a
 * negative errno; release with peer_release().
 */
int peer_from_socket(int fd, struct peer *peer);
void peer_release(struct peer *peer);

/* Whether peer is root, or has config's group (primary or not). */
bool peer_privileged(const struct peer *peer,
		     const struct ddad_config *config);

/*
 * Whether peer may run op: anyone may run read-only ops; state-changing
 * ones need peer_privileged().
 */
bool peer_may(const struct peer *peer, const struct op *op,
	      const struct ddad_config *config);

struct stat;

/*
 * Whether st's mode, owner and group grant peer every bit of mask
 * (S_IROTH, S_IWOTH, S_IXOTH), as the kernel judges (root: always).
 */
bool peer_mode_allows(const struct peer *peer, const struct stat *st,
		      mode_t mask);

/*
 * Whether peer could connect to the UNIX socket at path itself: search
 * permission on every directory on the way, write permission on the
 * socket. 0, or a negative errno with why saying what stops it.
 */
int peer_may_connect(const struct peer *peer, const char *path, char *why,
		     size_t size);

/* Why peer_may() said no: "OP needs root or group NAME". */
int permission_message(char *buf, size_t size, const struct op *op,
		       const struct ddad_config *config);

/* fs.c */

/* mkdir -p path: creates path and its missing parents with mode. */
int mkdir_parents(const char *path, mode_t mode);

/*
 * Takes the single-instance lock, an flock on DIR/ddad.lock, and writes
 * our pid in it. Returns the lock's file descriptor, to keep open for
 * life; -EWOULDBLOCK with *holder set to the pid in the file (0 if it
 * cannot be read) when another ddad holds it; another negative errno.
 */
int instance_lock(const char *dir, pid_t *holder);

/*
 * Replaces dir/name with len bytes of data, atomically: a temporary file
 * in dir, written, fsync()ed and renamed over name, then dir fsync()ed.
 * 0 or a negative errno; name is then as it was.
 */
int write_atomic(const char *dir, const char *name, const void *data,
		 size_t len, mode_t mode);

/* state.c */

#define STATE_FILE		"state.json"
#define STATE_VERSION		1

/*
 * What ddad is doing to a device, recorded before each step so that a
 * restarted ddad finishes it or rolls it back (reconcile.c).
 */
enum operation {
	OPERATION_NONE = 0,
	OPERATION_ASSIGN,	/* quarantined -> its vm: handover, device_add */
	OPERATION_UNASSIGN,	/* its vm -> quarantined: device_del, reclaim */
	OPERATION_RECLAIM,	/* its vm let go or is gone: reclaim */
};

/* "assign", "unassign", "reclaim"; NULL for none. */
const char *operation_name(enum operation operation);

/* A device ddad keeps track of: quarantined or assigned. */
struct state_device {
	char address[DDA_ADDRESS_LEN + 1];
	enum dda_state state;	/* as dda.ko said last */
	char *vm;		/* its guest, or the one an operation is for */
	time_t since;		/* when it entered its state */
	char *port;		/* the guest's port it is plugged into, or NULL */
	enum operation operation;	/* in progress, or NONE */
	/*
	 * The QEMU process of vm that ddad gave it to (pid 0: not known),
	 * and the device of its IOMMU group it went to vfio-pci along with,
	 * which that process holds (NULL: the device itself was given).
	 */
	pid_t pid;
	unsigned long long start;
	char *with;
};

/* A guest: its name, its QMP socket's path, and the uid serving it. */
struct state_vm {
	char *name;
	char *qmp;
	long long uid;		/* -1: not known yet */
};

struct state {
	char *dir;
	struct state_device *devices;	/* sorted by address */
	size_t count, size;
	struct state_vm *vms;		/* sorted by name */
	size_t vm_count;
	bool dirty;			/* changed since written */
	bool rebuilt;			/* state.json was corrupt: from dda.ko */
};

/*
 * Loads dir/state.json into state; no file is an empty state. A file that
 * cannot be understood is logged, moved aside to state.json.corrupt-TIME
 * and replaced by an empty state. 0, or a negative errno when the file
 * cannot be read or moved.
 */
int state_load(struct state *state, const char *dir);

/* Writes state.json if state changed since it was loaded or written. */
int state_save(struct state *state);

void state_release(struct state *state);

struct state_device *state_find(struct state *state, const char *address);

/*
 * The entry of address, made (quarantined, since now) if there is none;
 * NULL when out of memory.
 */
struct state_device *state_get(struct state *state, const char *address,
			       time_t now);

/* Forgets a device: it is back with the host. */
void state_forget(struct state *state, struct state_device *dev);

/*
 * Sets what the entry says, marking the state dirty: its kernel state, its
 * vm (copied; NULL for none, which forgets its holder too), its port
 * (likewise) and its operation; "since" becomes now when the kernel state
 * changes. 0 or -ENOMEM (the entry is then as it was).
 */
int state_set(struct state *state, struct state_device *dev,
	      enum dda_state st, const char *vm, const char *port,
	      enum operation operation, time_t now);

/*
 * Sets the QEMU process holding the entry's device (pid 0: none), and the
 * member of its group it went along with (copied; NULL for none). 0 or
 * -ENOMEM.
 */
int state_set_holder(struct state *state, struct state_device *dev,
		     pid_t pid, unsigned long long start, const char *with);

/*
 * A device's JSON object: {"state", "vm", "since"}, "address" first with
 * with_address, "port" and "operation" last with with_operation; NULL
 * when out of memory.
 */
struct json_object *state_device_json(const struct state_device *dev,
				      bool with_address, bool with_operation);

/*
 * Brings state in line with what dda.ko reports of devs[count]: every
 * quarantined or assigned device has an entry, whose "since" is now when
 * it is new or its state changed (its vm and port are then forgotten);
 * entries of other devices go. Entries with an operation in progress are
 * the operation's to change, and left alone. Returns whether anything
 * changed (and marks it dirty).
 */
bool state_sync(struct state *state, const struct dda_device *devs,
		size_t count, time_t now);

/*
 * A guest's name: 1 to 64 of [A-Za-z0-9._-], the first a letter or a
 * digit.
 */
bool vm_name_valid(const char *name);

struct state_vm *state_vm_find(struct state *state, const char *name);

/* Records a guest (uid -1: not known); 0, -EEXIST or -ENOMEM. */
int state_vm_add(struct state *state, const char *name, const char *qmp,
		 long long uid);

/* Forgets a guest. */
void state_vm_remove(struct state *state, const char *name);

/* "2025-01-31T12:00:00Z": ISO-8601 in UTC. */
#define TIME_SIZE		sizeof("YYYY-MM-DDTHH:MM:SSZ")
void time_format(time_t t, char buf[TIME_SIZE]);
int time_parse(const char *text, time_t *out);

/* protocol.c */

/*
 * A request whose reply comes later, when what it started ends (an assign
 * waits on its guest): the protocol keeps what the reply and the audit
 * line need. The server binds it to its client, which reads no more
 * requests until it is answered, so replies keep the order of requests.
 */
struct call;

struct reply {
	struct json_object *result;	/* on success; NULL is null */
	int err;			/* a negative errno, or 0 */
	char message[256];
	/* What call_defer() needs, set by the protocol for op->run(). */
	const struct peer *peer;
	const struct op *op;
	struct json_object *request;
	struct call *call;		/* deferred: the answer comes later */
};

/* Sets reply to an error; returns err, a negative errno. */
int reply_error(struct reply *reply, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The ops a request may name. */
struct op_table {
	const struct op *ops;
	size_t count;
};

/*
 * Answers a request line of len bytes (its newline may be there) with the
 * ops of table: returns the reply object, or NULL when out of memory. An
 * op that defers its answer returns NULL with *deferred set: the reply
 * then goes through call_bind().
 */
struct json_object *protocol_answer(struct ddad *ddad,
				    const struct op_table *table,
				    const struct peer *peer,
				    const char *line, size_t len,
				    struct call **deferred);

/* An error reply to no request in particular ("id": null). */
struct json_object *protocol_error(int err, const char *message);

/*
 * For an op's run(): the answer to this request will come later, through
 * call_finish(). Returns the call, or NULL when out of memory (reply then
 * says so). The op returns 0.
 */
struct call *call_defer(struct reply *reply);

/*
 * Answers a deferred request: err 0 with result (taken over; NULL is
 * null), or a negative errno and a message. Audits a state-changing op.
 * The call is gone after, or once its client is.
 */
void call_finish(struct call *call, int err, struct json_object *result,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The guest its audit line names, when the request named none. */
void call_audit_vm(struct call *call, const char *vm);

typedef void call_answer_fn(void *sink, struct json_object *reply);

/*
 * Where the reply of a deferred call goes: answer(sink, reply), reply
 * being NULL when out of memory. If the call is finished already, that
 * happens now.
 */
void call_bind(struct call *call, call_answer_fn *answer, void *sink);

/* The client of call is gone: its reply goes nowhere. */
void call_detach(struct call *call);

/* optable.c */

/* Answers a request line with ddad's ops; as protocol_answer(). */
struct json_object *protocol_handle(struct ddad *ddad, const struct peer *peer,
				    const char *line, size_t len,
				    struct call **deferred);

/* args.c: the arguments of requests */

/* What kind of JSON value obj is, in JSON's words: "a string", "null". */
const char *json_kind(struct json_object *obj);

/*
 * The string argument key of request: 0 with *out set (NULL when absent
 * and optional), else -EINVAL with reply saying what is wrong.
 */
int arg_string(struct json_object *request, const char *op, const char *key,
	       bool required, const char **out, struct reply *reply);

/* The optional boolean argument key of request: false when absent. */
int arg_bool(struct json_object *request, const char *op, const char *key,
	     bool *out, struct reply *reply);

/* The PCI address argument "address", canonical. */
int arg_address(struct json_object *request, const char *op,
		char out[DDA_ADDRESS_LEN + 1], struct reply *reply);

/* The guest argument "vm": a valid name (vm_name_valid()). */
int arg_vm(struct json_object *request, const char *op, const char **out,
	   struct reply *reply);

/*
 * The optional "timeout" argument, seconds (a number, 0 < t <= 3600), in
 * milliseconds; def when absent.
 */
int arg_timeout(struct json_object *request, const char *op,
		unsigned int def, unsigned int *out, struct reply *reply);

/* A PCI hostdev of a libvirt domain's XML, as the qemu hook names it. */
struct hostdev {
	char address[DDA_ADDRESS_LEN + 1];	/* canonical */
	bool managed;
};

/* The most hostdevs a libvirt_prepare takes. */
#define HOSTDEVS_MAX		256

/*
 * The "hostdevs" argument of libvirt_prepare: an array of at most
 * HOSTDEVS_MAX {"address": A, "managed": BOOL}, nothing else in them;
 * *out (to free()) holds *count of them.
 */
int arg_hostdevs(struct json_object *request, const char *op,
		 struct hostdev **out, size_t *count, struct reply *reply);

/* ops.c */

int op_version(struct ddad *ddad, struct json_object *request,
	       struct reply *reply);
int op_ping(struct ddad *ddad, struct json_object *request,
	    struct reply *reply);
int op_status(struct ddad *ddad, struct json_object *request,
	      struct reply *reply);

/* ops_vm.c */

int op_vm_add(struct ddad *ddad, struct json_object *request,
	      struct reply *reply);
int op_vm_remove(struct ddad *ddad, struct json_object *request,
		 struct reply *reply);
int op_vm_list(struct ddad *ddad, struct json_object *request,
	       struct reply *reply);

/* ops_assign.c */

int op_assign(struct ddad *ddad, struct json_object *request,
	      struct reply *reply);
int op_unassign(struct ddad *ddad, struct json_object *request,
		struct reply *reply);
int op_reassign(struct ddad *ddad, struct json_object *request,
		struct reply *reply);
int op_reclaim(struct ddad *ddad, struct json_object *request,
	       struct reply *reply);

/* ops_libvirt.c: the requests of dda's libvirt qemu hook */

int op_libvirt_prepare(struct ddad *ddad, struct json_object *request,
		       struct reply *reply);
int op_libvirt_release(struct ddad *ddad, struct json_object *request,
		       struct reply *reply);

/* rules.c */

/*
 * May dev (NULL: no such device) be assigned? devs[count] is every device
 * (its IOMMU group's members among them), state what ddad records. 0, or a
 * negative errno with what to tell in message: -ENODEV; -EINVAL, with the
 * host ("dismount it first"); -EALREADY, assigned (to which guest, or with
 * which member of its group); -EBUSY, a member of its IOMMU group is with
 * the host.
 */
int assign_check(const struct dda_device *dev, const struct dda_device *devs,
		 size_t count, struct state *state, char *message, size_t size);

/*
 * May dev be unassigned? -ENODEV; -EINVAL when it is not assigned, or not
 * to a guest ddad knows (went to vfio-pci with a member of its group).
 */
int unassign_check(const struct dda_device *dev,
		   const struct dda_device *devs, size_t count,
		   struct state *state, char *message, size_t size);

/* What the qemu hook's libvirt_prepare does with one hostdev. */
enum lend {
	LEND_REFUSE,		/* the start is refused: message says why */
	LEND_HANDOVER,		/* dda's, quarantined: to vfio-pci for it */
	LEND_ALONG,		/* goes with another hostdev of its group */
	LEND_ALREADY,		/* already the domain's (a start retried) */
	LEND_NOT_DDAS,		/* dda does not hold it: left to libvirt */
};

/*
 * The decision on a hostdev of domain (managed or not) naming dev (NULL:
 * no such device), devs[count] its IOMMU group's members, busy whether a
 * job is under way on it, along whether another hostdev of this start is
 * handed over with its group. Refusals return LEND_REFUSE with err (a
 * negative errno) and message.
 */
enum lend lend_check(const struct dda_device *dev,
		     const struct dda_device *devs, size_t count,
		     struct state *state, const char *domain, bool managed,
		     bool busy, bool along, int *err, char *message,
		     size_t size);

/*
 * May the administrator take dev back into quarantine (reclaim), which is
 * assigned to no guest ddad knows (assigned without ddad, or its guest lost
 * with a corrupt state.json)? Its whole IOMMU group comes back with it.
 * -ENODEV; -EINVAL when it is not assigned; -EBUSY when it, or a member of
 * its group, is assigned to a guest of ddad's (then: unassign).
 */
int reclaim_check(const struct dda_device *dev,
		  const struct dda_device *devs, size_t count,
		  struct state *state, char *message, size_t size);

/* timer.c */

/* CLOCK_MONOTONIC, in microseconds and in milliseconds. */
uint64_t now_us(void);
uint64_t now_ms(void);

struct timer {
	uint64_t when;		/* now_ms() it is due */
	void (*fire)(struct ddad *ddad, struct timer *timer);
	struct timer *next;	/* in ddad->timers while armed */
	unsigned long seq;	/* when it was armed, in timer_arm() calls */
	bool armed;
};

/* Arms (or re-arms) timer to fire in ms milliseconds. */
void timer_arm(struct ddad *ddad, struct timer *timer, unsigned int ms);
void timer_disarm(struct ddad *ddad, struct timer *timer);

/* Milliseconds until the next timer is due, for poll(); -1 if none. */
int timers_timeout(const struct ddad *ddad);

/* Fires every timer that is due. */
void timers_run(struct ddad *ddad);

/* qmp.c: a client of QEMU's machine protocol, QMP */

/* The longest QMP message ddad takes from QEMU. */
#define QMP_MESSAGE_MAX		(4 << 20)

enum qmp_link {
	QMP_CLOSED,		/* no connection */
	QMP_GREETING,		/* connected, waiting for {"QMP": ...} */
	QMP_NEGOTIATING,	/* qmp_capabilities sent */
	QMP_READY,		/* commands may go */
};

/* How a command ended. */
struct qmp_result {
	/*
	 * 0: "return" in value; -EIO: QEMU's "error", its class and desc;
	 * -ECONNRESET: the connection ended before the answer.
	 */
	int err;
	struct json_object *value;
	const char *error_class;
	const char *error_desc;
};

typedef void qmp_done_fn(void *ctx, const struct qmp_result *result);

/* What a connection tells its owner, from within qmp_input(). */
struct qmp_handler {
	void (*ready)(void *owner);	/* capabilities negotiated */
	void (*event)(void *owner, const char *name, struct json_object *data);
};

struct qmp_command;

struct qmp {
	int fd;				/* -1 when not connected */
	enum qmp_link link;
	const struct qmp_handler *handler;
	void *owner;
	struct json_tokener *tok;
	size_t message_len;		/* bytes of the message being read */
	char *out;			/* to send */
	size_t out_len, out_size;
	struct qmp_command *pending;	/* sent, waiting for an answer */
	long long next_id;
	char why[256];			/* why the stream broke */
};

void qmp_init(struct qmp *qmp, const struct qmp_handler *handler,
	      void *owner);

/* Takes over fd, a connected non-blocking stream: waits for the greeting. */
void qmp_attach(struct qmp *qmp, int fd);

/*
 * Takes len bytes QEMU sent: complete messages are dispatched, a partial
 * one kept for the next bytes. Returns 0, or -EPROTO once the stream is
 * broken (qmp->why says how): the connection is then to be closed.
 */
int qmp_input(struct qmp *qmp, const char *data, size_t len);

/*
 * Reads what the socket has, up to a bound per call (the rest waits for
 * the next), and takes it in: 0, or a negative errno when the connection
 * is over (-ECONNRESET: QEMU closed it), qmp->why saying so.
 */
int qmp_receive(struct qmp *qmp);

/* Sends what is queued, as far as the socket takes it: 0 or -errno. */
int qmp_send(struct qmp *qmp);

/* Whether there is something to send (poll for POLLOUT). */
bool qmp_sending(const struct qmp *qmp);

/*
 * Sends command name with args (an object, taken over; NULL for none):
 * done(ctx, result) is called with its answer. 0, -ENOTCONN before the
 * capabilities are negotiated, or -ENOMEM.
 */
int qmp_command(struct qmp *qmp, const char *name, struct json_object *args,
		qmp_done_fn *done, void *ctx);

/* Forgets the commands sent for ctx: their done() will not be called. */
void qmp_cancel(struct qmp *qmp, void *ctx);

/*
 * Closes the connection: every command waiting for an answer ends with
 * -ECONNRESET. Not from within a handler or a done() of this qmp.
 */
void qmp_close(struct qmp *qmp);

/* port.c: what query-pci says of a guest */

/* Bytes for a QEMU device id, with its NUL. */
#define QDEV_SIZE		64

/* The id ddad gives the device of address in a guest: "dda-0000-01-00-0". */
void qdev_of(const char *address, char out[QDEV_SIZE]);

/* The address of such an id; -EINVAL if it is not one. */
int qdev_address(const char *qdev, char out[DDA_ADDRESS_LEN + 1]);

/*
 * The first free hotplug port of query-pci's answer: a PCI bridge (a
 * pcie-root-port) with a qdev id, nothing on its secondary bus, and not in
 * taken[ntaken]. 0 with its id in out; -ENOSPC when there is none, -EPROTO
 * when the answer is not query-pci's.
 */
int port_pick(struct json_object *pci, const char *const *taken,
	      size_t ntaken, char out[QDEV_SIZE]);

/*
 * Whether query-pci's answer has a device of id qdev; with port not NULL,
 * its bridge's id (or "" on a root bus) goes there.
 */
bool pci_has_qdev(struct json_object *pci, const char *qdev,
		  char port[QDEV_SIZE]);

/* A device of ddad's in a guest: its id, and the port it is on. */
struct guest_dev {
	char qdev[QDEV_SIZE];
	char port[QDEV_SIZE];	/* "" on a root bus */
};

/*
 * The devices of query-pci's answer whose ids qdev_of() could have made:
 * 0 with *devs (to free()) and *count; -EPROTO, -ENOMEM.
 */
int pci_dda_devices(struct json_object *pci, struct guest_dev **devs,
		    size_t *count);

/*
 * view.c: dda.ko's devices as ddad knows them: a dump, then dda's events
 * applied as they come (kernel.c reads both)
 */

struct view {
	struct dda_device *devs;	/* sorted by address */
	size_t count, size;
};

/* The device at address (canonical), or NULL. */
const struct dda_device *view_find(const struct view *view,
				   const char *address);

/* The view becomes devs[count], a dump. 0 or -ENOMEM (then as it was). */
int view_replace(struct view *view, const struct dda_device *devs,
		 size_t count);

/*
 * Applies an event: the device's state, health, reset and drivers follow
 * it; one that left the bus leaves the view. A device the view did not
 * know comes in with its address and state, *unknown set: the rest of it
 * is to be asked of dda.ko (view_describe()). 0 or -ENOMEM.
 */
int view_apply(struct view *view, const struct dda_event *event,
	       bool *unknown);

/*
 * Fills in what no event carries (its ids, class, IOMMU group, physical
 * function, original driver) from fresh, dda.ko's description of a device
 * in the view; its state and health stay the events'.
 */
void view_describe(struct view *view, const struct dda_device *fresh);

void view_release(struct view *view);

/* kernel.c: dda.ko, through libdda */

/*
 * A handover or a reclaim, which can take long (a reclaim waits until QEMU
 * let go of the device, then resets it): each runs in a thread of its own
 * with a dda handle of its own, and ends in ddad's loop with done().
 */
enum kernel_change {
	KERNEL_HANDOVER,
	KERNEL_RECLAIM,
	KERNEL_DESCRIBE,	/* one device, as dda.ko says now */
	KERNEL_LIST,		/* every device: a dump (address "") */
};

struct kernel_result {
	int err;		/* 0 or a negative errno */
	char message[256];	/* why it failed: dda.ko's reason */
	struct dda_device dev;	/* the device after, on success */
	struct dda_device *devs;	/* KERNEL_LIST's; freed after done() */
	size_t count;
};

typedef void kernel_done_fn(struct ddad *ddad, void *ctx,
			    const struct kernel_result *result);

/* Sets up the loop's end of the threads' reports: 0 or -errno. */
int kernel_init(struct ddad *ddad);
void kernel_release(struct ddad *ddad);

/* The file descriptor to poll for POLLIN: kernel_reap() then. */
int kernel_fd(const struct ddad *ddad);

/* Starts a change of address; done() follows. 0 or -errno. */
int kernel_start(struct ddad *ddad, enum kernel_change change,
		 const char *address, kernel_done_fn *done, void *ctx);

/* Calls done() of every change that ended. */
void kernel_reap(struct ddad *ddad);

/* How many changes are under way. */
unsigned int kernel_busy(const struct ddad *ddad);

/*
 * kernel_view.c: ddad's view of dda.ko's devices (view.c), kept from dda's
 * events group:
 * a dump when it opens (at start, when dda.ko is loaded again) and again
 * only when events were lost; the dumps and the descriptions of devices
 * the events name but the view does not know run in kernel_start()'s
 * threads, and the events are read without waiting. Nothing here waits
 * on dda.ko.
 */
enum kernel_view_link {
	KERNEL_VIEW_CLOSED,	/* not open: why says why */
	KERNEL_VIEW_SYNCING,	/* a dump under way, events queued */
	KERNEL_VIEW_READY,
};

typedef void kernel_view_fn(struct ddad *ddad, void *ctx, int err,
			    const char *why);

struct kernel_view_waiter {
	kernel_view_fn *fn;
	void *ctx;
};

struct kernel_view {
	struct view view;
	enum kernel_view_link link;
	struct dda *events;		/* the events handle, or NULL */
	unsigned long long module;	/* /sys/module/dda's inode, 0: none */
	struct dda_event *queue;	/* read while a dump is under way */
	size_t queued, queue_size;
	bool lost;			/* lost again during that dump */
	unsigned int describing;	/* devices being described */
	struct kernel_view_waiter *waiters;	/* until it is ready */
	size_t nwaiters;
	int err;			/* why it is closed: -errno, */
	char why[256];			/* ... and in words */
	unsigned int dumps;		/* asked since ddad started */
};

/*
 * Brings the view up to date without waiting: opens it (dda.ko loaded, or
 * loaded again since), starting a dump, and applies the events pending.
 * 0 when it is ready; -EINPROGRESS while a dump, or the description of a
 * device an event named that the view did not know, is under way
 * (kernel_view_wait()); another -errno when dda.ko cannot be reached,
 * with kernel_view_why() saying why.
 */
int kernel_view_update(struct ddad *ddad);
const char *kernel_view_why(const struct ddad *ddad);

/*
 * fn(ddad, ctx, err, why) once what is under way ends: err 0 when the
 * view is ready. 0 or -ENOMEM.
 */
int kernel_view_wait(struct ddad *ddad, kernel_view_fn *fn, void *ctx);

/* The events socket to poll for POLLIN (-1: none): kernel_view_read(). */
int kernel_view_fd(const struct ddad *ddad);
void kernel_view_read(struct ddad *ddad);

/* Ends the waiters (-ESHUTDOWN) and closes the view. */
void kernel_view_release(struct ddad *ddad);

/*
 * The device at address (first) and the other devices of its IOMMU group,
 * as dda.ko says now (dda_group_list(): a dump of that group only, not of
 * every PCI device of the host, which grows with the host): what an assign
 * or an unassign checks. 0 with *devs (to free()) and *count, *count 0
 * when no PCI device has that address; else a negative errno with message
 * saying why.
 */
int kernel_group(const char *address, struct dda_device **devs,
		 size_t *count, char *message, size_t size);

/* process.c: the processes behind QMP sockets, as the kernel knows them */

/* A process: its pid, when it started, and a pidfd of it (or -1). */
struct process {
	pid_t pid;		/* 0: none */
	unsigned long long start;	/* /proc/PID/stat's starttime */
	int pidfd;
};

void process_init(struct process *p);
void process_close(struct process *p);

/*
 * The process serving the connected UNIX socket sock (SO_PEERCRED, and
 * SO_PEERPIDFD where the kernel has it) and its uid. 0 or -errno.
 */
int process_of_peer(int sock, uid_t *uid, struct process *out);

/*
 * The process pid that started at start, if it is still there: 0, or
 * -ESRCH when it is gone (its pid maybe another's now).
 */
int process_find(pid_t pid, unsigned long long start, struct process *out);

/*
 * The process pid now (its start read, a pidfd of it): as libvirt names
 * a domain's QEMU. 0 or -errno (-ESRCH: no such process).
 */
int process_open(pid_t pid, struct process *out);

/* Whether p has exited (its pidfd is readable). */
bool process_exited(const struct process *p);

/*
 * Whether p holds the device at address open through vfio: its IOMMU
 * group's /dev/vfio/GROUP or the device's /dev/vfio/devices/vfioN among
 * its file descriptors (dda_vfio_held_by()). 1 or 0; -ESRCH when p is
 * gone, another -errno when it cannot be told (to be taken as "it holds
 * it").
 */
int process_holds_vfio(const struct process *p, const char *address);

/*
 * Whoever holds the device at address open through vfio, any process
 * (dda_vfio_users()): 1 with the first in *user and in *out (a pidfd of
 * it; none if it exited meanwhile), 0 when no process does, or a negative
 * errno when it cannot be told.
 */
int process_vfio_holder(const char *address, struct process *out,
			struct dda_vfio_user *user);

/* The guests: guest.h, vm.h, guest_libvirt.h */

struct guest;

/* job.c: what ddad does to a device, step by step */

enum job_step {
	STEP_START,
	STEP_QUERY,		/* assign: the guest prepares (a port) */
	STEP_HANDOVER,		/* assign: dda.ko hands it to vfio-pci */
	STEP_DEVICE_ADD,	/* assign: the guest adds it */
	STEP_VERIFY,		/* assign: the guest shows it */
	STEP_UNPLUG,		/* the guest asked to let go, until it says so */
	STEP_CONFIRM,		/* the guest and vfio: did it let go? */
	STEP_RECLAIM,		/* dda.ko takes it back into quarantine */
	STEP_DONE,
};

struct job {
	struct job *next;
	struct ddad *ddad;
	enum operation operation;	/* what it does now */
	enum job_step step;
	char address[DDA_ADDRESS_LEN + 1];
	char port[QDEV_SIZE];		/* a QMP guest's port for it */
	struct guest *vm;		/* the guest it concerns now */
	struct guest *next_vm;		/* reassign: the guest it goes to next */
	pid_t pid;			/* vm's QEMU process it concerns, */
	unsigned long long start;	/* ... which started then */
	unsigned int timeout;		/* ms the guest has to let go */
	uint64_t deadline;		/* now_ms() when it has not let go */
	bool plugged;			/* assign: the guest may have it */
	unsigned int flags;		/* assign: JOB_PERSISTENT */
	struct timer timer;		/* the step's deadline */
	struct call *call;		/* who waits for the answer, or NULL */
	const char *cause;		/* why ddad started it itself */
	char from[65];			/* reassign: the guest it left */
	int err;			/* the failure being rolled back */
	char message[256];
	bool done;			/* to be freed (jobs_reap()) */
	/* Where its time went, logged at its end: µs in each step (waiting
	 * on QEMU or dda.ko), and apart from them, in writing state.json. */
	uint64_t started, step_since, record_us;
	uint64_t step_us[STEP_DONE];
	unsigned int steps_seen;	/* bit n: it went through step n */
};

/* Moves job to step, and counts the time of the step it leaves. */
void job_step(struct job *job, enum job_step step);

/* Milliseconds QEMU has to answer a command, and the default unassign. */
#define JOB_QMP_TIMEOUT		30000
#define JOB_UNPLUG_TIMEOUT	10000

/* The job on address, if one is under way. */
struct job *job_find(struct ddad *ddad, const char *address);

/* An assign written in the guest's config too (a libvirt domain's). */
#define JOB_PERSISTENT		(1u << 0)

/*
 * Starts assigning address to vm, with flags: answered through call (NULL:
 * nobody waits). 0 or -ENOMEM.
 */
int job_assign(struct ddad *ddad, const char *address, struct guest *vm,
	       unsigned int flags, struct call *call);

/*
 * Starts unassigning address from its vm (the QEMU process its record
 * names), and with next_vm assigning it there after. 0 or -ENOMEM.
 */
int job_unassign(struct ddad *ddad, const char *address, struct guest *vm,
		 struct guest *next_vm, unsigned int timeout, const char *cause,
		 struct call *call);

/*
 * Starts reclaiming address, whose guest let go of it, as proven: the QEMU
 * process that held it is gone, or the guest lacks it and vfio says that
 * process closed it (guest_let_go()).
 */
int job_reclaim(struct ddad *ddad, const char *address, struct guest *vm,
		const char *cause);

/* The QEMU process pid (started at start) exited: its jobs reclaim. */
void jobs_process_gone(struct ddad *ddad, pid_t pid,
		       unsigned long long start);

/* Whether a job concerns vm. */
bool jobs_on_vm(struct ddad *ddad, const struct guest *vm);

/* Frees the jobs that are done. */
void jobs_reap(struct ddad *ddad);

/* Frees every job, done or not (ddad stops; state.json keeps them). */
void jobs_release(struct ddad *ddad);

/* The ports vm's devices and jobs use; *n of them, to free(). */
const char **guest_ports_taken(struct ddad *ddad, const struct guest *vm,
			    size_t *n);

/* For the steps of assign.c and job.c. */
struct job *job_new(struct ddad *ddad, enum operation operation,
		    const char *address, struct guest *vm, struct call *call);

/* Records the device's state, vm, port and operation, and saves it. */
int job_record(struct job *job, enum dda_state st, const char *vm,
	       const char *port, enum operation operation);

/* Stops the step's deadline and its QMP commands. */
void job_stop_waiting(struct job *job);

/* The job is over: answers its call, or audits it (ddad's own). */
void job_end(struct job *job, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Remembers the failure an assign rolls back from, for its answer. */
void job_fail(struct job *job, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void job_unplug_step(struct job *job);
void job_confirm_step(struct job *job);
void job_reclaim_step(struct job *job);

/* assign.c */

/* The first step of an assign: the guest prepares. */
void assign_query(struct job *job);

/* An assign's step did not get its answer in time. */
void assign_timeout(struct job *job);

/*
 * reconcile.c: state.json, dda.ko and the guests brought in line; what to
 * do with each device, reconcile_decide(), is in rules.c
 */

/* What a guest's query-pci says of a device. */
enum guest_view {
	GUEST_UNKNOWN,		/* not known (not asked, or not its holder) */
	GUEST_HAS,		/* it has the device */
	GUEST_LACKS,		/* it does not */
};

/* The QEMU process ddad gave a device to, as the kernel says. */
enum holder_view {
	HOLDER_UNKNOWN,		/* no process recorded */
	HOLDER_GONE,		/* it exited (its pidfd said so) */
	HOLDER_CONNECTED,	/* alive, and its guest's QMP is it */
	HOLDER_ELSEWHERE,	/* alive, its guest not connected through it */
	HOLDER_STOPPED,		/* none recorded; its manager (libvirt's
				 * "release end") says its QEMU exited */
};

/*
 * Whether the guest let go of a device ddad gave its QEMU process, on
 * proof: that process is gone, or it is the one connected, its query-pci
 * lacks the device and vfio_open (process_holds_vfio()) is 0; or, when no
 * process was recorded (HOLDER_STOPPED: a device lent through libvirt's
 * hook), no process at all holds it through vfio (vfio_open 0, as
 * dda_vfio_users() tells). The one place that decides it: reconciling,
 * the jobs and libvirt_release ask it alike.
 */
bool guest_let_go(enum holder_view holder, enum guest_view view,
		  int vfio_open);

enum reconcile_action {
	RECONCILE_WAIT,		/* until proof comes, one way or the other */
	RECONCILE_SYNC,		/* the record follows dda.ko, op done */
	RECONCILE_KEEP,		/* assigned to the guest that has it */
	RECONCILE_RECLAIM,	/* assigned, and its guest let go */
	RECONCILE_LEAVE,	/* assigned without ddad: no one's to take */
};

/*
 * What to do with a device dda.ko reports in kernel state, which state.json
 * records with or without a guest (owned), whose holder and guest see it
 * as holder and view, and vfio_open as guest_let_go() takes it.
 */
enum reconcile_action reconcile_decide(enum dda_state kernel, bool owned,
				       enum holder_view holder,
				       enum guest_view view, int vfio_open);

/*
 * The processes holding devices: each assigned record's QEMU process,
 * watched by its pidfd. Brought in line with the records; 0 or -ENOMEM.
 */
int holders_sync(struct ddad *ddad);
void holders_release(struct ddad *ddad);

/* What the kernel says of the process of a record. */
enum holder_view holder_view_of(struct ddad *ddad,
				const struct state_device *rec);

/* A pidfd readable: holders that exited have their devices reclaimed. */
void holders_check(struct ddad *ddad);

/*
 * Brings the records without a job in line with dda.ko and the guests:
 * at start, when a guest's devices become known, when one is gone.
 */
void reconcile(struct ddad *ddad);

/* server.c */

struct ddad {
	struct ddad_config config;
	struct state state;
	struct guest **guests;
	size_t guest_count;
	struct libvirt_guests *libvirt;	/* guest_libvirt.c; NULL: none */
	struct job *jobs;
	struct timer *timers;
	unsigned long timer_seq;
	int kernel_pipe[2];	/* the threads' reports: read, write */
	unsigned int kernel_busy;
	struct kernel_view devices;	/* dda.ko's devices (kernel.c) */
	struct holder *holders;	/* reconcile.c */
	size_t holder_count;
};

/* A QEMU process that holds devices, watched. */
struct holder {
	struct process proc;
	bool exited;
};

/*
 * Listens on config's socket path, mode 0666, replacing a stale socket
 * there (call it holding the instance lock). Returns the socket, or a
 * negative errno after logging why.
 */
int server_listen(const struct ddad_config *config);

/*
 * Serves clients on the listening socket, the guests and dda.ko until
 * signal_fd, a signalfd of SIGTERM and SIGINT, reports one. Closes
 * listen_fd and removes the socket file. 0, or a negative errno after
 * logging why.
 */
int server_run(struct ddad *ddad, int listen_fd, int signal_fd);

#endif /* DDAD_H */
