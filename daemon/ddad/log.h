/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * log.h: logging, and the audit trail of what changes state (log.c).
 */
#ifndef DDAD_LOG_H
#define DDAD_LOG_H

#include <stdbool.h>
#include <stddef.h>

struct peer;

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

#endif /* DDAD_LOG_H */
