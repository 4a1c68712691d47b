// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad's QMP client, fed canned byte streams as QEMU 7.2 sends them: the
 * greeting and the capabilities, answers matched by id in any order,
 * events between answers, messages split anywhere and many in one read,
 * QEMU's errors, and streams that break it (garbage, NUL, an oversized
 * message, no greeting); then over a socketpair, with the connection
 * closing under waiting commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <json-c/json.h>

#include "log.h"
#include "qmp.h"
#include "unit.h"
#include "util.h"

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\": \"Debian 1:7.2+dfsg-7\"}, \"capabilities\": [\"oob\"]}}\r\n"
#define CAPS_OK "{\"return\": {}, \"id\": 1}\r\n"

/* What the handler and the commands heard, in order, as text. */
static char heard[8192];

static void hear(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void hear(const char *fmt, ...)
{
	size_t len = strlen(heard);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(heard + len, sizeof(heard) - len, fmt, ap);
	va_end(ap);
}

static void on_ready(void *owner)
{
	hear("ready(%s);", (const char *)owner);
}

static void on_event(void *owner, const char *name, struct json_object *data)
{
	(void)owner;
	hear("event(%s,%s);", name, data ? json_object_to_json_string_ext(
		data, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) :
	     "none");
}

static const struct qmp_handler handler = { on_ready, on_event };

static void on_done(void *ctx, const struct qmp_result *result)
{
	if (!result->err)
		hear("done(%s,%s);", (const char *)ctx,
		     json_object_to_json_string_ext(result->value,
						    JSON_C_TO_STRING_PLAIN));
	else if (result->err == -EIO)
		hear("error(%s,%s,%s);", (const char *)ctx,
		     result->error_class, result->error_desc);
	else
		hear("failed(%s,%d);", (const char *)ctx, result->err);
}

/* The bytes qmp wants to send, taken, as text. */
static char *sent(struct qmp *qmp)
{
	static char text[8192];

	snprintf(text, sizeof(text), "%.*s", (int)qmp->out_len, qmp->out);
	qmp->out_len = 0;
	return text;
}

/* A qmp past the greeting, ready; fd is a placeholder, never read. */
static void ready(struct qmp *qmp)
{
	qmp_init(qmp, &handler, "vm");
	qmp_attach(qmp, open("/dev/null", O_RDONLY | O_CLOEXEC));
	qmp_input(qmp, GREETING, strlen(GREETING));
	sent(qmp);
	qmp_input(qmp, CAPS_OK, strlen(CAPS_OK));
	heard[0] = '\0';
}

static void test_handshake(void)
{
	struct qmp qmp;

	heard[0] = '\0';
	qmp_init(&qmp, &handler, "vm");
	is_int(qmp_command(&qmp, "query-pci", NULL, on_done, "x"), -ENOTCONN,
	       "no command before a connection");
	qmp_attach(&qmp, open("/dev/null", O_RDONLY | O_CLOEXEC));
	is_int(qmp.link, QMP_GREETING, "attached: waiting for the greeting");
	is_int(qmp_command(&qmp, "query-pci", NULL, on_done, "x"), -ENOTCONN,
	       "no command before the capabilities");
	ok(!qmp_sending(&qmp), "nothing to send before the greeting");

	is_int(qmp_input(&qmp, GREETING, strlen(GREETING)), 0, "the greeting");
	is_int(qmp.link, QMP_NEGOTIATING, "then negotiating");
	ok(qmp_sending(&qmp), "something to send");
	is_str(sent(&qmp), "{\"execute\":\"qmp_capabilities\",\"id\":1}\r\n",
	       "qmp_capabilities, with id 1");
	is_str(heard, "", "not ready yet");
	is_int(qmp_input(&qmp, CAPS_OK, strlen(CAPS_OK)), 0,
	       "its answer");
	is_int(qmp.link, QMP_READY, "ready");
	is_str(heard, "ready(vm);", "the handler heard it");
	qmp_close(&qmp);
	is_int(qmp.link, QMP_CLOSED, "closed");
	is_int(qmp.fd, -1, "closed: no fd");
}

static void test_commands(void)
{
	const char *args_json = "{\"driver\":\"vfio-pci\",\"host\":\"0000:00:02.0\"}";
	struct qmp qmp;
	char *out;

	ready(&qmp);
	is_int(qmp_command(&qmp, "query-pci", NULL, on_done, "a"), 0,
	       "query-pci sent");
	is_int(qmp_command(&qmp, "device_add",
			   json_tokener_parse(args_json), on_done, "b"), 0,
	       "device_add sent");
	is_int(qmp_command(&qmp, "device_del",
			   json_tokener_parse("{\"id\":\"x\"}"), on_done, "c"),
	       0, "device_del sent");
	out = sent(&qmp);
	is_str(out,
	       "{\"execute\":\"query-pci\",\"id\":2}\r\n"
	       "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"vfio-pci\",\"host\":\"0000:00:02.0\"},\"id\":3}\r\n"
	       "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"x\"},\"id\":4}\r\n",
	       "each with its id, one per line");

	/* Out of order, an event between, all in one read. */
	const char *in =
		"{\"return\": {}, \"id\": 3}\r\n"
		"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"x\", \"path\": \"/machine/peripheral/x\"}}\r\n"
		"{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'x' not found\"}, \"id\": 4}\r\n"
		"{\"return\": [{\"bus\": 0, \"devices\": []}], \"id\": 2}\r\n";
	is_int(qmp_input(&qmp, in, strlen(in)), 0, "four messages in one read");
	is_str(heard,
	       "done(b,{});"
	       "event(DEVICE_DELETED,{\"device\":\"x\",\"path\":\"/machine/peripheral/x\"});"
	       "error(c,DeviceNotFound,Device 'x' not found);"
	       "done(a,[{\"bus\":0,\"devices\":[]}]);",
	       "answers matched by id, the event in its place");
	ok(!qmp.pending, "nothing waits any more");

	/* An answer to no command, and one to a cancelled command. */
	heard[0] = '\0';
	qmp_command(&qmp, "query-pci", NULL, on_done, "d");
	qmp_command(&qmp, "query-pci", NULL, on_done, "e");
	qmp_cancel(&qmp, "d");
	in = "{\"return\": 1, \"id\": 5}\r\n{\"return\": 2, \"id\": 99}\r\n"
	     "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error\"}}\r\n"
	     "{\"return\": 3, \"id\": 6}\r\n";
	is_int(qmp_input(&qmp, in, strlen(in)), 0,
	       "answers to cancelled and unknown commands, and to no id");
	is_str(heard, "done(e,3);", "only the command still waiting hears");
	qmp_close(&qmp);
}

static void test_split(void)
{
	const char *in =
		"{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 0}}\r\n"
		"{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": 2}\r\n"
		"{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"}, \"timestamp\": {\"seconds\": 2, \"microseconds\": 5}}\r\n";
	const char *want =
		"event(RESUME,none);"
		"done(a,{\"status\":\"running\",\"singlestep\":false,\"running\":true});"
		"event(SHUTDOWN,{\"guest\":false,\"reason\":\"host-qmp-quit\"});";
	size_t len = strlen(in), i, cut, bad = 0;
	struct qmp qmp;

	/* Every way to cut it in two, then one byte at a time. */
	for (cut = 0; cut <= len; cut++) {
		ready(&qmp);
		qmp_command(&qmp, "query-status", NULL, on_done, "a");
		sent(&qmp);
		if (qmp_input(&qmp, in, cut) ||
		    qmp_input(&qmp, in + cut, len - cut) || strcmp(heard, want))
			bad++;
		qmp_close(&qmp);
	}
	is_int(bad, 0, "cut in two anywhere (%zu ways): the same", len + 1);

	ready(&qmp);
	qmp_command(&qmp, "query-status", NULL, on_done, "a");
	for (i = 0, bad = 0; i < len; i++)
		bad += qmp_input(&qmp, in + i, 1) != 0;
	ok(!bad && !strcmp(heard, want), "one byte at a time: the same");
	qmp_close(&qmp);

	/* Pretty-printed QMP (pretty=on) is JSON too. */
	ready(&qmp);
	qmp_command(&qmp, "query-status", NULL, on_done, "a");
	in = "{\n    \"return\": {\n        \"running\": true\n    },\n    \"id\": 2\n}\n";
	is_int(qmp_input(&qmp, in, strlen(in)), 0, "a pretty-printed answer");
	is_str(heard, "done(a,{\"running\":true});", "read as one message");
	qmp_close(&qmp);
}

static void test_broken(void)
{
	static const struct {
		const char *in;
		const char *why;
	} streams[] = {
		{ "{\"return\": {}, \"id\": 2}\r\n", "QEMU sent no QMP greeting" },
		{ "[1, 2]\r\n", "QEMU sent a JSON value that is not an object" },
		{ "42\r\n", "QEMU sent a JSON value that is not an object" },
		{ "null\r\n", "QEMU sent null" },
		{ "{\"QMP\": {}, }\r\n", "QEMU sent invalid JSON: ..." },
		{ "hello\r\n", "QEMU sent invalid JSON: ..." },
		{ "{\"QMP\": \"\xff\"}\r\n", "QEMU sent invalid JSON: ..." },
		{ "{\"QMP\"\0: {}}\r\n", "QEMU sent a NUL byte" },
	};
	struct qmp qmp;
	size_t i, n;
	char *big;

	for (i = 0; i < ARRAY_SIZE(streams); i++) {
		size_t len = strlen(streams[i].in);

		if (strstr(streams[i].why, "NUL"))
			len = 15;
		qmp_init(&qmp, &handler, "vm");
		qmp_attach(&qmp, open("/dev/null", O_RDONLY | O_CLOEXEC));
		n = strlen(streams[i].why);
		is_int(qmp_input(&qmp, streams[i].in, len), -EPROTO,
		       "broken stream %zu: -EPROTO", i);
		if (n > 3 && !strcmp(streams[i].why + n - 3, "..."))
			ok(!strncmp(qmp.why, streams[i].why, n - 3),
			   "broken stream %zu: %s (%s)", i, streams[i].why,
			   qmp.why);
		else
			is_str(qmp.why, streams[i].why, "broken stream %zu: why",
			       i);
		qmp_close(&qmp);
	}

	/* The capabilities refused. */
	heard[0] = '\0';
	qmp_init(&qmp, &handler, "vm");
	qmp_attach(&qmp, open("/dev/null", O_RDONLY | O_CLOEXEC));
	qmp_input(&qmp, GREETING, strlen(GREETING));
	big = "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"no\"}, \"id\": 1}\r\n";
	is_int(qmp_input(&qmp, big, strlen(big)), -EPROTO,
	       "qmp_capabilities refused: broken");
	is_str(qmp.why, "QEMU refused qmp_capabilities: no", "and why");
	is_str(heard, "", "never ready");
	qmp_close(&qmp);

	/* A greeting twice. */
	ready(&qmp);
	is_int(qmp_input(&qmp, GREETING, strlen(GREETING)), -EPROTO,
	       "a second greeting: broken");
	qmp_close(&qmp);

	/* An oversized message, fed in pieces as recv() would. */
	ready(&qmp);
	qmp_command(&qmp, "query-pci", NULL, on_done, "a");
	n = QMP_MESSAGE_MAX + 4096;
	big = malloc(n);
	memset(big, ' ', n);
	memcpy(big, "{\"return\": \"", 12);
	memset(big + 12, 'x', n - 12);
	for (i = 0; i < n; i += 65536)
		if (qmp_input(&qmp, big + i, n - i < 65536 ? n - i : 65536))
			break;
	ok(i < n, "a message over %d bytes breaks the stream", QMP_MESSAGE_MAX);
	is_str(qmp.why, "a QMP message longer than 4194304 bytes", "and why");
	qmp_close(&qmp);
	is_str(heard, "failed(a,-104);",
	       "the command waiting heard -ECONNRESET at the close");

	/* Just under the limit is fine. */
	ready(&qmp);
	qmp_command(&qmp, "query-pci", NULL, on_done, "a");
	n = QMP_MESSAGE_MAX - 100;
	memset(big, 'x', n);
	memcpy(big, "{\"return\": \"", 12);
	memcpy(big + n - 16, "\", \"id\": 2}\r\n", 13);
	n -= 3;
	for (i = 0; i < n; i += 65536)
		if (qmp_input(&qmp, big + i, n - i < 65536 ? n - i : 65536))
			break;
	ok(i >= n && !strncmp(heard, "done(a,\"xx", 10),
	   "a message of almost %d bytes is read", QMP_MESSAGE_MAX);
	qmp_close(&qmp);
	free(big);
}

static void test_socket(void)
{
	struct qmp qmp;
	char buf[4096];
	int sv[2];
	ssize_t n;

	heard[0] = '\0';
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv)) {
		ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	qmp_init(&qmp, &handler, "vm");
	qmp_attach(&qmp, sv[0]);
	is_int(qmp_receive(&qmp), 0, "nothing to read yet: 0");
	n = write(sv[1], GREETING, strlen(GREETING));
	is_int(qmp_receive(&qmp), 0, "the greeting read");
	is_int(qmp_send(&qmp), 0, "qmp_capabilities sent");
	ok(!qmp_sending(&qmp), "nothing left to send");
	n = read(sv[1], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "{\"execute\":\"qmp_capabilities\",\"id\":1}\r\n",
	       "QEMU got qmp_capabilities");
	n = write(sv[1], CAPS_OK, strlen(CAPS_OK));
	is_int(qmp_receive(&qmp), 0, "its answer read");
	is_str(heard, "ready(vm);", "ready");

	qmp_command(&qmp, "device_del", NULL, on_done, "a");
	qmp_command(&qmp, "query-pci", NULL, on_done, "b");
	qmp_send(&qmp);
	n = write(sv[1], "{\"return\": {}, \"id\": 2}\r\n{\"ret", 30);
	close(sv[1]);
	/* One read a turn: the bytes, then the end. */
	is_int(qmp_receive(&qmp), 0, "what QEMU sent before it closed: 0");
	is_int(qmp_receive(&qmp), -ECONNRESET,
	       "QEMU closed, mid-message: -ECONNRESET");
	is_str(qmp.why, "QEMU closed the connection", "and why");
	qmp_close(&qmp);
	is_str(heard, "ready(vm);done(a,{});failed(b,-104);",
	       "the answered command heard its answer, the other -ECONNRESET");
	is_int(qmp_command(&qmp, "query-pci", NULL, on_done, "c"), -ENOTCONN,
	       "closed: no more commands");
	(void)n;
}

/* A QEMU that floods: each qmp_receive() takes 16 KiB, leaves the rest. */
static void test_flood(void)
{
	static const char event[] = "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}}\r\n";
	size_t sent = 0, len = strlen(event), i;
	static char chunk[32768];
	struct qmp qmp;
	int sv[2], left = 0, rounds = 0;
	ssize_t n;

	heard[0] = '\0';
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv)) {
		ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	qmp_init(&qmp, &handler, "vm");
	qmp_attach(&qmp, sv[0]);
	if (write(sv[1], GREETING, strlen(GREETING)) < 0 ||
	    qmp_receive(&qmp) || qmp_send(&qmp) ||
	    write(sv[1], CAPS_OK, strlen(CAPS_OK)) < 0 || qmp_receive(&qmp))
		ok(0, "the handshake");
	/* In large writes: small ones fill the socket's buffer with overhead. */
	for (i = 0; i + len < sizeof(chunk); i += len)
		memcpy(chunk + i, event, len);
	for (n = 1; sent < 150000 && n > 0; sent += n > 0 ? n : 0)
		n = write(sv[1], chunk, i);
	ok(sent >= 150000, "QEMU sent %zu bytes of events", sent);
	is_int(qmp_receive(&qmp), 0, "one turn: 0");
	ioctl(sv[0], FIONREAD, &left);
	ok(left > 0 && sent - left <= 16384,
	   "it took %zu bytes, at most 16 KiB; %d wait for the next turn",
	   sent - left, left);
	while (left > 0 && rounds++ < 20) {
		qmp_receive(&qmp);
		ioctl(sv[0], FIONREAD, &left);
	}
	is_int(left, 0, "the rest in the next turns (%d)", rounds);
	ok(strstr(heard, "event(RESUME,") != NULL, "its events were heard");
	close(sv[1]);
	qmp_close(&qmp);
}

int main(void)
{
	log_open(false);
	log_started();

	test_handshake();
	test_commands();
	test_split();
	test_broken();
	test_socket();
	test_flood();

	log_close();
	return unit_done();
}
