/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What ddad's files share: the configuration, logging and the audit trail,
 * the peers and their permissions, the state file, the protocol and the
 * server. Each section names the file that implements it.
 */
#ifndef DDAD_H
#define DDAD_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include <json-c/json_object.h>

#include "libdda.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define DDAD_SOCKET		"/run/dda/ddad.sock"
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

/*
 * Whether peer may run op: anyone may run read-only ops; state-changing
 * ones need uid 0, or config's group as the primary or a supplementary
 * group.
 */
bool peer_may(const struct peer *peer, const struct op *op,
	      const struct ddad_config *config);

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

/* A device ddad keeps track of: quarantined or assigned. */
struct state_device {
	char address[DDA_ADDRESS_LEN + 1];
	enum dda_state state;
	char *vm;		/* the guest it is assigned to, or NULL */
	time_t since;		/* when it entered its state */
};

struct state {
	char *dir;
	struct state_device *devices;	/* sorted by address */
	size_t count, size;
	struct json_object *vms;	/* kept as it is, for later */
	bool dirty;			/* changed since written */
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
 * A device's JSON object: {"state", "vm", "since"}, "address" first with
 * with_address; NULL when out of memory.
 */
struct json_object *state_device_json(const struct state_device *dev,
				      bool with_address);

/*
 * Brings state in line with what dda.ko reports of devs[count]: every
 * quarantined or assigned device has an entry, whose "since" is now when
 * it is new or its state changed (its vm is then forgotten); entries of
 * other devices go. Returns whether anything changed (and marks it dirty).
 */
bool state_sync(struct state *state, const struct dda_device *devs,
		size_t count, time_t now);

/* "2025-01-31T12:00:00Z": ISO-8601 in UTC. */
#define TIME_SIZE		sizeof("YYYY-MM-DDTHH:MM:SSZ")
void time_format(time_t t, char buf[TIME_SIZE]);
int time_parse(const char *text, time_t *out);

/* protocol.c */

struct reply {
	struct json_object *result;	/* on success; NULL is null */
	int err;			/* a negative errno, or 0 */
	char message[256];
};

/* Sets reply to an error; returns err, a negative errno. */
int reply_error(struct reply *reply, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Answers a request line of len bytes (its newline may be there): returns
 * the reply object, or NULL when out of memory.
 */
struct json_object *protocol_handle(struct ddad *ddad, const struct peer *peer,
				    const char *line, size_t len);

/* An error reply to no request in particular ("id": null). */
struct json_object *protocol_error(int err, const char *message);

/* ops.c */

int op_version(struct ddad *ddad, struct json_object *request,
	       struct reply *reply);
int op_ping(struct ddad *ddad, struct json_object *request,
	    struct reply *reply);
int op_status(struct ddad *ddad, struct json_object *request,
	      struct reply *reply);

/* server.c */

struct ddad {
	struct ddad_config config;
	struct state state;
};

/*
 * Listens on config's socket path, mode 0666, replacing a stale socket
 * there (call it holding the instance lock). Returns the socket, or a
 * negative errno after logging why.
 */
int server_listen(const struct ddad_config *config);

/*
 * Serves clients on the listening socket until signal_fd, a signalfd of
 * SIGTERM and SIGINT, reports one. Closes listen_fd and removes the socket
 * file. 0, or a negative errno after logging why.
 */
int server_run(struct ddad *ddad, int listen_fd, int signal_fd);

#endif /* DDAD_H */
