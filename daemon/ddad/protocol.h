/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * protocol.h: the requests of ddad's socket and their replies, at once or
 * later through a call (protocol.c); the ops a request may name.
 */
#ifndef DDAD_PROTOCOL_H
#define DDAD_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json_object.h>

#define DDAD_PROTOCOL		1

/* The longest request line, without its newline. */
#define DDAD_LINE_MAX		65536

struct ddad;
struct peer;
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

#endif /* DDAD_PROTOCOL_H */
