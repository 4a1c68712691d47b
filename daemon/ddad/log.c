// SPDX-License-Identifier: GPL-2.0-only
/*
 * Logging: syslog, and stderr with --foreground; the audit trail of
 * state-changing requests.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "permission.h"

#define AUDIT_FIELD_MAX		64

static bool log_stderr;
static bool log_starting = true;

void log_open(bool to_stderr)
{
	log_stderr = to_stderr;
	openlog("ddad", LOG_PID, LOG_DAEMON);
}

void log_started(void)
{
	log_starting = false;
}

void log_close(void)
{
	closelog();
}

static void log_line(int priority, const char *text)
{
	syslog(priority, "%s", text);
	if (log_stderr ||
	    (log_starting && LOG_PRI(priority) <= LOG_ERR))
		fprintf(stderr, "ddad: %s\n", text);
}

void log_msg(int priority, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_line(priority, text);
}

const char *errno_name(int err)
{
	const char *name = strerrorname_np(err < 0 ? -err : err);

	return name ? name : "EIO";
}

const char *log_escape(const char *text, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	if (!size)
		return "";
	for (; text && *text && i + 5 < size; text++) {
		unsigned char c = *text;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[i++] = c;
			continue;
		}
		buf[i++] = '\\';
		buf[i++] = 'x';
		buf[i++] = hex[c >> 4];
		buf[i++] = hex[c & 15];
	}
	if (text && *text && i + 3 < size) {
		memcpy(buf + i, "...", 3);	/* cut short */
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* Copies untrusted text for a log line: no blanks, no control characters. */
static const char *audit_field(char buf[AUDIT_FIELD_MAX + 1], const char *text)
{
	size_t i;

	if (!text || !*text)
		return "-";
	for (i = 0; text[i] && i < AUDIT_FIELD_MAX; i++) {
		char c = text[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("._:@+-", c))
			buf[i] = c;
		else
			buf[i] = '?';
	}
	buf[i] = '\0';
	return buf;
}

int audit_format(char *buf, size_t size, const struct peer *peer,
		 const char *op, const char *address, const char *vm, int err)
{
	char op_buf[AUDIT_FIELD_MAX + 1], address_buf[AUDIT_FIELD_MAX + 1];
	char vm_buf[AUDIT_FIELD_MAX + 1];

	return snprintf(buf, size,
			"uid=%u pid=%d op=%s address=%s vm=%s result=%s%s",
			(unsigned int)peer->uid, (int)peer->pid,
			audit_field(op_buf, op),
			audit_field(address_buf, address),
			audit_field(vm_buf, vm), err ? "error " : "ok",
			err ? errno_name(err) : "");
}

void audit(const struct peer *peer, const char *op, const char *address,
	   const char *vm, int err)
{
	char line[512];

	audit_format(line, sizeof(line), peer, op, address, vm, err);
	log_line(LOG_AUTHPRIV | LOG_NOTICE, line);
}

void audit_ddad(const char *op, const char *address, const char *vm,
		int err, const char *cause)
{
	char op_buf[AUDIT_FIELD_MAX + 1], address_buf[AUDIT_FIELD_MAX + 1];
	char vm_buf[AUDIT_FIELD_MAX + 1], cause_buf[AUDIT_FIELD_MAX + 1];
	char line[512];

	snprintf(line, sizeof(line),
		 "uid=- pid=- op=%s address=%s vm=%s result=%s%s cause=%s",
		 audit_field(op_buf, op), audit_field(address_buf, address),
		 audit_field(vm_buf, vm), err ? "error " : "ok",
		 err ? errno_name(err) : "", audit_field(cause_buf, cause));
	log_line(LOG_AUTHPRIV | LOG_NOTICE, line);
}
