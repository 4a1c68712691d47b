// SPDX-License-Identifier: GPL-2.0-only
/*
 * The protocol: one JSON object per line each way; see PROTOCOL.md.
 *
 *	{"id": ..., "op": "NAME", ...arguments}
 *	{"id": ..., "ok": true, "result": ...}
 *	{"id": ..., "ok": false, "error": {"code": "EINVAL", "message": ...}}
 *
 * A request is checked in this order: JSON, an object, its "op", the op
 * known, the peer allowed to run it, its arguments; the first problem is
 * the answer. State-changing ops are audited, refused or not.
 *
 * An op that waits on something (a guest's QMP, a thread's dda.ko call)
 * defers its answer: it keeps a struct call, and the reply and the audit
 * line come when it calls call_finish().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "args.h"
#include "ddad.h"
#include "json_add.h"
#include "log.h"
#include "permission.h"
#include "protocol.h"
#include "state.h"

static void call_free(struct call *call);

struct call {
	struct json_object *id;
	const struct op *op;
	struct peer peer;		/* without its groups */
	char *address, *vm;		/* for the audit line */
	call_answer_fn *answer;
	void *sink;
	struct json_object *reply;	/* finished before it was bound */
	bool bound, finished, detached;
};

static const struct op *op_find(const struct op_table *table,
				const char *name)
{
	size_t i;

	for (i = 0; i < table->count; i++)
		if (!strcmp(table->ops[i].name, name))
			return &table->ops[i];
	return NULL;
}

int reply_error(struct reply *reply, int err, const char *fmt, ...)
{
	va_list ap;

	reply->err = err;
	va_start(ap, fmt);
	vsnprintf(reply->message, sizeof(reply->message), fmt, ap);
	va_end(ap);
	return err;
}

/* Parses a request line; NULL with reply set if it is not JSON. */
static struct json_object *request_parse(const char *line, size_t len,
					 struct reply *reply, bool *is_null)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	struct json_object *obj;
	const char *nul;

	*is_null = false;
	nul = memchr(line, '\0', len);
	if (nul) {
		reply_error(reply, -EINVAL,
			    "request is not valid JSON: a NUL character at byte %zu",
			    (size_t)(nul - line) + 1);
		return NULL;
	}

	tok = json_tokener_new();
	if (!tok) {
		reply_error(reply, -ENOMEM, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
				    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue)
		reply_error(reply, -EINVAL,
			    "request is not valid JSON: it ends too soon");
	else if (jerr != json_tokener_success)
		reply_error(reply, -EINVAL,
			    "request is not valid JSON: %s at byte %zu",
			    json_tokener_error_desc(jerr),
			    json_tokener_get_parse_end(tok) + 1);
	else if (!obj)
		*is_null = true;	/* the line was "null" */
	json_tokener_free(tok);
	return obj;
}

/* A string argument of a request, or NULL. */
static const char *request_string(struct json_object *request, const char *key)
{
	struct json_object *value;

	if (!json_object_object_get_ex(request, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

/* Refuses arguments that op does not take. */
static int request_check_args(const struct op *op, struct json_object *request,
			      struct reply *reply)
{
	const char *const *arg;

	json_object_object_foreach(request, key, value) {
		(void)value;
		if (!strcmp(key, "id") || !strcmp(key, "op"))
			continue;
		for (arg = op->args; arg && *arg; arg++)
			if (!strcmp(*arg, key))
				break;
		if (!arg || !*arg)
			return reply_error(reply, -EINVAL,
					   "%s takes no argument \"%.64s\"",
					   op->name, key);
	}
	return 0;
}

/* Runs a request that is a JSON object. */
static void request_run(struct ddad *ddad, const struct op_table *table,
			const struct peer *peer, struct json_object *request,
			struct reply *reply)
{
	struct json_object *op_obj;
	const struct op *op;
	const char *name;
	int err;

	if (!json_object_object_get_ex(request, "op", &op_obj)) {
		reply_error(reply, -EINVAL, "request has no \"op\"");
		return;
	}
	if (!json_object_is_type(op_obj, json_type_string)) {
		reply_error(reply, -EINVAL, "\"op\" must be a string, not %s",
			    json_kind(op_obj));
		return;
	}
	name = json_object_get_string(op_obj);
	/* "ping\u0000x" is no "ping". */
	op = (size_t)json_object_get_string_len(op_obj) == strlen(name) ?
	     op_find(table, name) : NULL;
	if (!op) {
		reply_error(reply, -EOPNOTSUPP, "unknown op \"%.64s\"", name);
		return;
	}

	reply->peer = peer;
	reply->op = op;
	reply->request = request;
	if (!peer_may(peer, op, &ddad->config)) {
		reply->err = -EPERM;
		permission_message(reply->message, sizeof(reply->message), op,
				   &ddad->config);
		audit(peer, op->name, request_string(request, "address"),
		      request_string(request, "vm"), -EPERM);
		return;
	}

	err = request_check_args(op, request, reply);
	if (!err) {
		err = op->run(ddad, request, reply);
		if (err && !reply->err)
			reply_error(reply, err, "%s: %s", op->name,
				    strerror(-err));
		if (!err && reply->call)
			return;		/* audited when it ends */
	}
	if (op->changes_state)
		audit(peer, op->name, request_string(request, "address"),
		      request_string(request, "vm"), err);
}

/* The reply to a request of this id; takes reply->result over. */
static struct json_object *reply_json(struct json_object *id,
				      struct reply *reply)
{
	struct json_object *obj, *error;
	bool ok;

	obj = json_object_new_object();
	if (!obj) {
		json_object_put(reply->result);
		reply->result = NULL;
		return NULL;
	}
	ok = !json_object_object_add(obj, "id", json_object_get(id));
	if (!ok)
		json_object_put(id);

	if (!reply->err) {
		ok = ok && json_add(obj, "ok", json_object_new_boolean(1));
		ok = ok && !json_object_object_add(obj, "result",
						   reply->result);
		if (!ok)
			json_object_put(reply->result);
		reply->result = NULL;
	} else {
		json_object_put(reply->result);
		reply->result = NULL;
		if (!*reply->message)
			snprintf(reply->message, sizeof(reply->message), "%s",
				 strerror(-reply->err));
		error = json_object_new_object();
		ok = ok && error;
		ok = ok && json_add(obj, "ok", json_object_new_boolean(0));
		ok = ok && json_add(error, "code",
				    json_object_new_string(errno_name(reply->err)));
		ok = ok && json_add(error, "message",
				    json_object_new_string(reply->message));
		if (ok)
			ok = json_add(obj, "error", error);
		else
			json_object_put(error);
	}
	if (!ok) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

struct json_object *protocol_answer(struct ddad *ddad,
				    const struct op_table *table,
				    const struct peer *peer,
				    const char *line, size_t len,
				    struct call **deferred)
{
	struct json_object *request, *id = NULL, *answer;
	struct reply reply = { 0 };
	bool is_null;

	*deferred = NULL;
	request = request_parse(line, len, &reply, &is_null);
	if (request && !json_object_is_type(request, json_type_object))
		reply_error(&reply, -EINVAL,
			    "request must be a JSON object, not %s",
			    json_kind(request));
	else if (is_null)
		reply_error(&reply, -EINVAL,
			    "request must be a JSON object, not null");
	else if (request) {
		json_object_object_get_ex(request, "id", &id);
		request_run(ddad, table, peer, request, &reply);
		/* Whatever the request changed reaches the disk now. */
		state_save(&ddad->state);
		if (reply.call && !reply.err) {
			json_object_put(reply.result);
			json_object_put(request);
			*deferred = reply.call;
			return NULL;
		}
		/* Deferred, then failed before anything took the call on. */
		if (reply.call)
			call_free(reply.call);
	}

	answer = reply_json(id, &reply);
	json_object_put(request);
	return answer;
}

struct json_object *protocol_error(int err, const char *message)
{
	struct reply reply = { .err = err };

	snprintf(reply.message, sizeof(reply.message), "%s", message);
	return reply_json(NULL, &reply);
}

/* A string argument of a request, copied; NULL if none (or no memory). */
static char *request_copy(struct json_object *request, const char *key)
{
	const char *text = request_string(request, key);

	return text ? strdup(text) : NULL;
}

struct call *call_defer(struct reply *reply)
{
	struct call *call;
	struct json_object *id = NULL;

	call = calloc(1, sizeof(*call));
	if (!call) {
		reply_error(reply, -ENOMEM, "out of memory");
		return NULL;
	}
	json_object_object_get_ex(reply->request, "id", &id);
	call->id = json_object_get(id);
	call->op = reply->op;
	call->peer = (struct peer){ .pid = reply->peer->pid,
				    .uid = reply->peer->uid,
				    .gid = reply->peer->gid };
	call->address = request_copy(reply->request, "address");
	call->vm = request_copy(reply->request, "vm");
	reply->call = call;
	return call;
}

void call_audit_vm(struct call *call, const char *vm)
{
	if (call->vm || !vm)
		return;
	call->vm = strdup(vm);
}

static void call_free(struct call *call)
{
	json_object_put(call->id);
	json_object_put(call->reply);
	free(call->address);
	free(call->vm);
	free(call);
}

void call_finish(struct call *call, int err, struct json_object *result,
		 const char *fmt, ...)
{
	struct reply reply = { .result = result, .err = err };
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(reply.message, sizeof(reply.message), fmt, ap);
		va_end(ap);
	}
	if (call->op->changes_state)
		audit(&call->peer, call->op->name, call->address, call->vm,
		      err);
	call->finished = true;
	if (call->detached) {
		json_object_put(reply.result);
		call_free(call);
		return;
	}
	call->reply = reply_json(call->id, &reply);
	if (call->bound) {
		call->answer(call->sink, call->reply);
		call->reply = NULL;
		call_free(call);
	}
}

void call_bind(struct call *call, call_answer_fn *answer, void *sink)
{
	call->answer = answer;
	call->sink = sink;
	call->bound = true;
	if (call->finished) {
		answer(sink, call->reply);
		call->reply = NULL;
		call_free(call);
	}
}

void call_detach(struct call *call)
{
	if (call->finished) {
		call_free(call);
		return;
	}
	call->detached = true;
	call->bound = false;
}
