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
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "ddad.h"

static const struct op ops[] = {
	{ .name = "version", .run = op_version },
	{ .name = "ping", .run = op_ping },
	{ .name = "status", .run = op_status },
};

/* The ops a request may name: ops[], or a test's. */
struct op_table {
	const struct op *ops;
	size_t count;
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

/* What kind of JSON value obj is, in JSON's words. */
static const char *json_kind(struct json_object *obj)
{
	switch (json_object_get_type(obj)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
	case json_type_int:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "unknown";
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

static struct json_object *protocol_answer(struct ddad *ddad,
					   const struct op_table *table,
					   const struct peer *peer,
					   const char *line, size_t len)
{
	struct json_object *request, *id = NULL, *answer;
	struct reply reply = { 0 };
	bool is_null;

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
	}

	answer = reply_json(id, &reply);
	json_object_put(request);
	return answer;
}

struct json_object *protocol_handle(struct ddad *ddad, const struct peer *peer,
				    const char *line, size_t len)
{
	static const struct op_table table = { ops, ARRAY_SIZE(ops) };

	return protocol_answer(ddad, &table, peer, line, len);
}

struct json_object *protocol_error(int err, const char *message)
{
	struct reply reply = { .err = err };

	snprintf(reply.message, sizeof(reply.message), "%s", message);
	return reply_json(NULL, &reply);
}
