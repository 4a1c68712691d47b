/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qmp.h: a client of QEMU's machine protocol, QMP (qmp.c).
 */
#ifndef DDAD_QMP_H
#define DDAD_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json_object.h>
#include <json-c/json_tokener.h>

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

#endif /* DDAD_QMP_H */
