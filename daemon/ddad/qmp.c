// SPDX-License-Identifier: GPL-2.0-only
/*
 * A client of QMP, QEMU's machine protocol, on a non-blocking stream that
 * ddad's poll loop serves.
 *
 *	QEMU:  {"QMP": {"version": ..., "capabilities": [...]}}
 *	ddad:  {"execute": "qmp_capabilities", "id": 1}
 *	QEMU:  {"return": {}, "id": 1}
 *	ddad:  {"execute": "query-pci", "id": 2}
 *	QEMU:  {"event": "DEVICE_DELETED", "data": {...}, "timestamp": {...}}
 *	QEMU:  {"return": [...], "id": 2}
 *
 * Messages are JSON objects, each ended by CRLF; a read may bring part of
 * one, or many. Commands carry an id (a number counting up); the answer
 * with that id, "return" or "error", goes to the command's done(), in any
 * order; events go to the handler as they come. Anything else than JSON
 * objects, a message over QMP_MESSAGE_MAX bytes, or no greeting first
 * breaks the stream: the connection is over.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>
#include <json-c/json.h>

#include "json_add.h"
#include "log.h"
#include "qmp.h"

#define QMP_TURN_SIZE		16384	/* read per wake-up, at most */
#define QMP_DEPTH		64

struct qmp_command {
	struct qmp_command *next;
	long long id;
	qmp_done_fn *done;
	void *ctx;
	bool internal;		/* qmp_capabilities: ours, not a caller's */
};

void qmp_init(struct qmp *qmp, const struct qmp_handler *handler,
	      void *owner)
{
	*qmp = (struct qmp){ .fd = -1, .link = QMP_CLOSED,
			     .handler = handler, .owner = owner,
			     .next_id = 1 };
}

static void qmp_reset(struct qmp *qmp)
{
	if (qmp->fd >= 0)
		close(qmp->fd);
	qmp->fd = -1;
	qmp->link = QMP_CLOSED;
	if (qmp->tok)
		json_tokener_free(qmp->tok);
	qmp->tok = NULL;
	qmp->message_len = 0;
	free(qmp->out);
	qmp->out = NULL;
	qmp->out_len = 0;
	qmp->out_size = 0;
}

void qmp_attach(struct qmp *qmp, int fd)
{
	qmp_close(qmp);
	qmp->fd = fd;
	qmp->link = QMP_GREETING;
	qmp->why[0] = '\0';
}

static int qmp_broken(struct qmp *qmp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int qmp_broken(struct qmp *qmp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(qmp->why, sizeof(qmp->why), fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* Queues text and CRLF. */
static int qmp_queue(struct qmp *qmp, const char *text, size_t len)
{
	size_t need = qmp->out_len + len + 2;
	char *out;

	if (need > qmp->out_size) {
		size_t size = qmp->out_size ? qmp->out_size : 4096;

		while (size < need)
			size *= 2;
		out = realloc(qmp->out, size);
		if (!out)
			return -ENOMEM;
		qmp->out = out;
		qmp->out_size = size;
	}
	memcpy(qmp->out + qmp->out_len, text, len);
	memcpy(qmp->out + qmp->out_len + len, "\r\n", 2);
	qmp->out_len = need;
	return 0;
}

/* Sends a command whatever the link; qmp_command() checks it. */
static int qmp_execute(struct qmp *qmp, const char *name,
		       struct json_object *args, qmp_done_fn *done, void *ctx,
		       bool internal)
{
	const int flags = JSON_C_TO_STRING_PLAIN |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	struct qmp_command *cmd, **tail;
	struct json_object *obj;
	const char *text;
	size_t len;
	int err = -ENOMEM;

	cmd = calloc(1, sizeof(*cmd));
	obj = json_object_new_object();
	if (!cmd || !obj)
		goto fail;
	if (!json_add(obj, "execute", json_object_new_string(name)))
		goto fail;
	if (args && json_object_object_add(obj, "arguments", args))
		goto fail;
	args = NULL;
	if (!json_add(obj, "id", json_object_new_int64(qmp->next_id)))
		goto fail;
	text = json_object_to_json_string_length(obj, flags, &len);
	if (!text)
		goto fail;
	err = qmp_queue(qmp, text, len);
	if (err)
		goto fail;
	json_object_put(obj);

	*cmd = (struct qmp_command){ .id = qmp->next_id++, .done = done,
				     .ctx = ctx, .internal = internal };
	for (tail = &qmp->pending; *tail; tail = &(*tail)->next)
		;
	*tail = cmd;
	return 0;
fail:
	json_object_put(args);
	json_object_put(obj);
	free(cmd);
	return err;
}

int qmp_command(struct qmp *qmp, const char *name, struct json_object *args,
		qmp_done_fn *done, void *ctx)
{
	if (qmp->link != QMP_READY) {
		json_object_put(args);
		return -ENOTCONN;
	}
	return qmp_execute(qmp, name, args, done, ctx, false);
}

void qmp_cancel(struct qmp *qmp, void *ctx)
{
	struct qmp_command **p = &qmp->pending, *cmd;

	while ((cmd = *p)) {
		if (!cmd->internal && cmd->ctx == ctx) {
			*p = cmd->next;
			free(cmd);
		} else {
			p = &cmd->next;
		}
	}
}

/* Takes the command of id off the pending list; NULL if none. */
static struct qmp_command *qmp_take(struct qmp *qmp, long long id)
{
	struct qmp_command **p, *cmd;

	for (p = &qmp->pending; (cmd = *p); p = &cmd->next) {
		if (cmd->id == id) {
			*p = cmd->next;
			return cmd;
		}
	}
	return NULL;
}

static void qmp_negotiated(void *ctx, const struct qmp_result *result)
{
	struct qmp *qmp = ctx;

	if (result->err) {
		/* qmp_answer() sees the link unchanged and breaks the stream. */
		snprintf(qmp->why, sizeof(qmp->why),
			 "QEMU refused qmp_capabilities: %s",
			 result->error_desc ? result->error_desc : "no reason");
		return;
	}
	qmp->link = QMP_READY;
	if (qmp->handler && qmp->handler->ready)
		qmp->handler->ready(qmp->owner);
}

static const char *member_string(struct json_object *obj, const char *key)
{
	struct json_object *value;

	if (!json_object_object_get_ex(obj, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

/* {"return": ..., "id": N} or {"error": {"class", "desc"}, "id": N}. */
static int qmp_answer(struct qmp *qmp, struct json_object *msg)
{
	struct qmp_result result = { 0 };
	struct json_object *id, *error;
	char desc[256];
	struct qmp_command *cmd;
	bool negotiating = qmp->link == QMP_NEGOTIATING;

	if (!json_object_object_get_ex(msg, "id", &id) ||
	    !json_object_is_type(id, json_type_int)) {
		/* QEMU could not read a command: ours have ids. */
		log_msg(LOG_WARNING, "QMP: an answer to no command of ours: %.200s",
			json_object_to_json_string_ext(msg,
						       JSON_C_TO_STRING_PLAIN));
		return negotiating ? qmp_broken(qmp,
			"QEMU answered qmp_capabilities without its id") : 0;
	}
	cmd = qmp_take(qmp, json_object_get_int64(id));
	if (!cmd)
		return 0;	/* cancelled: no one waits for it */

	if (json_object_object_get_ex(msg, "error", &error)) {
		result.err = -EIO;
		result.error_class = member_string(error, "class");
		result.error_desc = member_string(error, "desc");
		if (!result.error_class)
			result.error_class = "GenericError";
		/* QEMU's words reach logs and clients: escaped. */
		if (result.error_desc)
			result.error_desc = log_escape(result.error_desc, desc,
						       sizeof(desc));
		else
			result.error_desc = "QEMU gave no reason";
	} else {
		json_object_object_get_ex(msg, "return", &result.value);
	}
	if (cmd->done)
		cmd->done(cmd->ctx, &result);
	free(cmd);

	if (negotiating && qmp->link != QMP_READY) {
		char why[sizeof(qmp->why)];

		snprintf(why, sizeof(why), "%s", *qmp->why ? qmp->why :
			 "qmp_capabilities failed");
		return qmp_broken(qmp, "%s", why);
	}
	return 0;
}

static int qmp_message(struct qmp *qmp, struct json_object *msg)
{
	struct json_object *data = NULL;
	const char *event;

	if (!json_object_is_type(msg, json_type_object))
		return qmp_broken(qmp, "QEMU sent a JSON value that is not an object");

	if (qmp->link == QMP_GREETING) {
		if (!json_object_object_get_ex(msg, "QMP", NULL))
			return qmp_broken(qmp, "QEMU sent no QMP greeting");
		qmp->link = QMP_NEGOTIATING;
		if (qmp_execute(qmp, "qmp_capabilities", NULL, qmp_negotiated,
				qmp, true))
			return qmp_broken(qmp, "out of memory");
		return 0;
	}

	event = member_string(msg, "event");
	if (event) {
		json_object_object_get_ex(msg, "data", &data);
		if (qmp->link == QMP_READY && qmp->handler &&
		    qmp->handler->event)
			qmp->handler->event(qmp->owner, event, data);
		return 0;
	}
	if (json_object_object_get_ex(msg, "return", NULL) ||
	    json_object_object_get_ex(msg, "error", NULL))
		return qmp_answer(qmp, msg);
	if (json_object_object_get_ex(msg, "QMP", NULL))
		return qmp_broken(qmp, "QEMU greeted twice");
	return 0;	/* something newer than us: not ours to judge */
}

int qmp_input(struct qmp *qmp, const char *data, size_t len)
{
	enum json_tokener_error jerr;
	struct json_object *msg;
	size_t used;
	int err;

	if (qmp->link == QMP_CLOSED)
		return -ENOTCONN;
	if (memchr(data, '\0', len))
		return qmp_broken(qmp, "QEMU sent a NUL byte");
	if (!qmp->tok) {
		qmp->tok = json_tokener_new_ex(QMP_DEPTH);
		if (!qmp->tok)
			return qmp_broken(qmp, "out of memory");
		json_tokener_set_flags(qmp->tok, JSON_TOKENER_STRICT |
				       JSON_TOKENER_ALLOW_TRAILING_CHARS |
				       JSON_TOKENER_VALIDATE_UTF8);
	}

	while (len) {
		msg = json_tokener_parse_ex(qmp->tok, data, len);
		jerr = json_tokener_get_error(qmp->tok);
		if (jerr == json_tokener_continue) {
			qmp->message_len += len;
			if (qmp->message_len > QMP_MESSAGE_MAX)
				return qmp_broken(qmp,
					"a QMP message longer than %d bytes",
					QMP_MESSAGE_MAX);
			return 0;
		}
		if (jerr != json_tokener_success) {
			return qmp_broken(qmp, "QEMU sent invalid JSON: %s",
					  json_tokener_error_desc(jerr));
		}
		used = json_tokener_get_parse_end(qmp->tok);
		qmp->message_len += used;
		if (qmp->message_len > QMP_MESSAGE_MAX) {
			json_object_put(msg);
			return qmp_broken(qmp,
					  "a QMP message longer than %d bytes",
					  QMP_MESSAGE_MAX);
		}
		qmp->message_len = 0;
		data += used;
		len -= used;
		if (!msg)
			return qmp_broken(qmp, "QEMU sent null");
		err = qmp_message(qmp, msg);
		json_object_put(msg);
		if (err)
			return err;
	}
	return 0;
}

int qmp_receive(struct qmp *qmp)
{
	char buf[QMP_TURN_SIZE];
	ssize_t n;
	int err;

	/* Bounded: a flooding QEMU waits for the next turn, after the rest. */
	for (;;) {
		if (qmp->fd < 0)
			return -ENOTCONN;
		n = recv(qmp->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		/* The end; a QEMU gone with our commands unread resets. */
		if (!n || (n < 0 && errno == ECONNRESET)) {
			snprintf(qmp->why, sizeof(qmp->why),
				 "QEMU closed the connection");
			return -ECONNRESET;
		}
		if (n < 0) {
			err = -errno;
			snprintf(qmp->why, sizeof(qmp->why), "%s",
				 strerror(-err));
			return err;
		}
		return qmp_input(qmp, buf, n);
	}
}

bool qmp_sending(const struct qmp *qmp)
{
	return qmp->fd >= 0 && qmp->out_len;
}

int qmp_send(struct qmp *qmp)
{
	size_t sent = 0;
	ssize_t n;
	int err = 0;

	while (qmp->fd >= 0 && sent < qmp->out_len) {
		n = send(qmp->fd, qmp->out + sent, qmp->out_len - sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				err = -errno;
				snprintf(qmp->why, sizeof(qmp->why), "%s",
					 strerror(-err));
			}
			break;
		}
		sent += n;
	}
	memmove(qmp->out, qmp->out + sent, qmp->out_len - sent);
	qmp->out_len -= sent;
	return err;
}

void qmp_close(struct qmp *qmp)
{
	struct qmp_result result = { .err = -ECONNRESET };
	struct qmp_command *cmd, *pending = qmp->pending;

	qmp->pending = NULL;
	qmp_reset(qmp);
	while ((cmd = pending)) {
		pending = cmd->next;
		if (cmd->done && !cmd->internal)
			cmd->done(cmd->ctx, &result);
		free(cmd);
	}
}
