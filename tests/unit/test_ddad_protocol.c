// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad, the real binary, over its socket: its options, the single-instance
 * lock, the protocol's replies and errors, oversized and pipelined
 * requests, many clients at once, a client that does not read, a corrupt
 * state file, and SIGTERM; requests whose answer waits on a guest (a fake
 * QEMU's QMP socket): the client waits, in order, others are served, a
 * client that leaves meanwhile, SIGTERM meanwhile.
 *
 * The daemon is DDA_DDAD, else ../bin/ddad next to this test
 * (build/san/bin/ddad, built with ASan and UBSan); it runs on a socket and
 * a state directory of its own under a temporary directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "libdda.h"
#include "unit.h"

#ifndef DDA_VERSION
#define DDA_VERSION "unknown"
#endif

#define TIMEOUT_MS	10000
#define LINE_MAX_LEN	65536	/* the protocol's longest request line */

static char ddad[PATH_MAX];		/* the binary */
static char top[PATH_MAX];		/* the temporary directory */
static char sock_path[PATH_MAX], state_dir[PATH_MAX], log_path[PATH_MAX];

/* A connection to ddad, and what it sent that is not read yet. */
struct conn {
	int fd;
	size_t len;
	char buf[4 * LINE_MAX_LEN];
};

static void path_of(char *out, const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		ok(0, "a path too long: %s/%s", dir, name);
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* Reads a small file whole into buf; "" if it cannot. */
static void file_read(const char *path, char *buf, size_t size)
{
	ssize_t n = -1;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

/* Shows a daemon's log, as TAP comments. */
static void log_show(const char *path)
{
	static char buf[1 << 16];
	char *line, *save;

	file_read(path, buf, sizeof(buf));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("#   log: %s\n", line);
}

static bool ddad_find(void)
{
	const char *env = getenv("DDA_DDAD");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(ddad, sizeof(ddad), "%s", env);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return false;
		self[n] = '\0';
		/* build/san/tests/test_ddad_protocol -> build/san/bin/ddad */
		snprintf(ddad, sizeof(ddad), "%s/../bin/ddad", dirname(self));
	}
	return access(ddad, X_OK) == 0;
}

/* Starts ddad with args (NULL-terminated), its output going to out. */
static pid_t ddad_spawn(const char *const *args, const char *out)
{
	const char *argv[16] = { ddad };
	pid_t pid;
	int i, fd;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	fflush(stdout);
	pid = fork();
	if (pid)
		return pid;
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	execv(ddad, (char *const *)argv);
	_exit(127);
}

/* Its wait status once it exits, or -1 if it did not within ms (killed). */
static int ddad_wait(pid_t pid, int ms)
{
	int i, status;

	for (i = 0; i < ms / 5; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(5000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* Runs ddad to its end: its exit code (-1 if killed), its output in out. */
static int ddad_exec(const char *const *args, char *out, size_t size)
{
	char path[PATH_MAX];
	int status;

	path_of(path, top, "exec.out");
	status = ddad_wait(ddad_spawn(args, path), TIMEOUT_MS);
	file_read(path, out, size);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int sock_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Starts ddad on sock and state and waits until it accepts; -1 if not. */
static pid_t ddad_start(const char *sock, const char *state, const char *out,
			const char *extra)
{
	const char *args[] = { "--foreground", "--socket", sock,
			       "--state-dir", state, extra, NULL };
	int i, fd, status;
	pid_t pid;

	pid = ddad_spawn(args, out);
	for (i = 0; i < TIMEOUT_MS / 5; i++) {
		fd = sock_connect(sock);
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		usleep(5000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static struct conn *conn_open(void)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = sock_connect(sock_path);
	if (c->fd < 0) {
		free(c);
		return NULL;
	}
	return c;
}

static void conn_close(struct conn *c)
{
	if (c) {
		close(c->fd);
		free(c);
	}
}

static bool conn_write(struct conn *c, const char *text, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(c->fd, text, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		text += n;
		len -= n;
	}
	return true;
}

static bool conn_send(struct conn *c, const char *text)
{
	return conn_write(c, text, strlen(text));
}

/* A complete line already read, without its newline; else NULL. */
static char *conn_take(struct conn *c)
{
	char *nl, *line;
	size_t n;

	nl = memchr(c->buf, '\n', c->len);
	if (!nl)
		return NULL;
	n = nl - c->buf;
	line = strndup(c->buf, n);
	memmove(c->buf, nl + 1, c->len - n - 1);
	c->len -= n + 1;
	return line;
}

/* The next line, to free(); NULL at the end (errno 0) or on an error. */
static char *conn_line(struct conn *c)
{
	char *line;
	ssize_t n;

	for (;;) {
		line = conn_take(c);
		if (line)
			return line;
		if (c->len == sizeof(c->buf)) {
			errno = EOVERFLOW;
			return NULL;
		}
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = 0;
			return NULL;
		}
		c->len += n;
	}
}

/* Whether ddad closed c: the end, or a reset for what it did not read. */
static bool conn_closed(struct conn *c)
{
	char *line = conn_line(c);

	free(line);
	return !line && (errno == 0 || errno == ECONNRESET);
}

/* Sends len bytes as they are (a newline included) and reads one reply. */
static struct json_object *conn_ask_len(struct conn *c, const char *text,
					size_t len)
{
	struct json_object *reply;
	char *line;

	if (!conn_write(c, text, len))
		return NULL;
	line = conn_line(c);
	if (!line)
		return NULL;
	reply = json_tokener_parse(line);
	if (!reply)
		printf("#   not JSON: %s\n", line);
	free(line);
	return reply;
}

/* Sends a request line, adding its newline, and reads the reply. */
static struct json_object *conn_ask(struct conn *c, const char *request)
{
	struct json_object *reply;
	char *text;

	if (asprintf(&text, "%s\n", request) < 0)
		return NULL;
	reply = conn_ask_len(c, text, strlen(text));
	free(text);
	return reply;
}

static const char *json_text(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
}

static struct json_object *member(struct json_object *obj, const char *key)
{
	struct json_object *value = NULL;

	json_object_object_get_ex(obj, key, &value);
	return value;
}

/* Whether reply has exactly keys id, ok and third, id's JSON being id. */
static bool reply_shape(struct json_object *reply, const char *id,
			bool success, const char *third)
{
	return reply && json_object_object_length(reply) == 3 &&
	       !strcmp(json_text(member(reply, "id")), id) &&
	       json_object_is_type(member(reply, "ok"), json_type_boolean) &&
	       json_object_get_boolean(member(reply, "ok")) == success &&
	       json_object_object_get_ex(reply, third, NULL);
}

/*
 * Checks that reply is {"id": id, "ok": true, "result": ...}, id being the
 * JSON text of the id. Returns the result, owned by reply.
 */
static struct json_object *is_ok_reply(struct json_object *reply,
				       const char *id, const char *what)
{
	if (!ok(reply_shape(reply, id, true, "result"),
		"%s: ok, id %s", what, id))
		printf("#   got %s\n", reply ? json_text(reply) : "nothing");
	return member(reply, "result");
}

/*
 * Checks that reply is {"id": id, "ok": false, "error": {"code": code,
 * "message": message}}; a message ending in "..." need only begin the
 * same. Releases reply.
 */
static void is_error_reply(struct json_object *reply, const char *id,
			   const char *code, const char *message,
			   const char *what)
{
	struct json_object *error = member(reply, "error");
	size_t n = strlen(message);
	const char *got;

	if (!ok(reply_shape(reply, id, false, "error") &&
		json_object_object_length(error) == 2,
		"%s: an error, id %s", what, id)) {
		printf("#   got %s\n", reply ? json_text(reply) : "nothing");
		json_object_put(reply);
		return;
	}
	is_str(json_object_get_string(member(error, "code")), code,
	       "%s: %s", what, code);
	got = json_object_get_string(member(error, "message"));
	if (n > 3 && !strcmp(message + n - 3, "...")) {
		if (!ok(got && !strncmp(got, message, n - 3),
			"%s: \"%s\"", what, message))
			printf("#   got \"%s\"\n", got);
	} else {
		is_str(got, message, "%s: \"%s\"", what, message);
	}
	json_object_put(reply);
}

static void test_options(void)
{
	char out[4096];
	int rc;

	rc = ddad_exec((const char *[]){ "--help", NULL }, out, sizeof(out));
	is_int(rc, 0, "--help exits 0");
	ok(!strncmp(out, "Usage: ddad ", 12), "--help shows the usage");
	ok(strstr(out, "--state-dir DIR"), "--help names --state-dir");

	rc = ddad_exec((const char *[]){ "--version", NULL }, out,
		       sizeof(out));
	is_int(rc, 0, "--version exits 0");
	is_str(out, "ddad " DDA_VERSION "\n", "--version shows the version");

	rc = ddad_exec((const char *[]){ "--bogus", NULL }, out, sizeof(out));
	is_int(rc, 2, "an unknown option exits 2");
	is_str(out, "ddad: unknown option '--bogus'\nTry 'ddad --help'.\n",
	       "an unknown option is named");

	rc = ddad_exec((const char *[]){ "-x", NULL }, out, sizeof(out));
	is_int(rc, 2, "an unknown short option exits 2");
	ok(strstr(out, "unknown option '-x'"), "an unknown short option is named");

	rc = ddad_exec((const char *[]){ "--socket", NULL }, out, sizeof(out));
	is_int(rc, 2, "--socket without a path exits 2");
	ok(strstr(out, "option '--socket' needs an argument"),
	   "--socket without a path says so");

	rc = ddad_exec((const char *[]){ "--foreground=yes", NULL }, out,
		       sizeof(out));
	is_int(rc, 2, "--foreground=yes exits 2");
	ok(strstr(out, "option '--foreground=yes' takes no argument"),
	   "--foreground=yes says it takes none");

	rc = ddad_exec((const char *[]){ "--state-dir", "", NULL }, out,
		       sizeof(out));
	is_int(rc, 2, "an empty --state-dir exits 2");

	rc = ddad_exec((const char *[]){ "extra", NULL }, out, sizeof(out));
	is_int(rc, 2, "an operand exits 2");
	ok(strstr(out, "unexpected argument 'extra'"), "the operand is named");

	rc = ddad_exec((const char *[]){ "--group", "no-such-group-dda", NULL },
		       out, sizeof(out));
	is_int(rc, 2, "an unknown --group exits 2");
	ok(strstr(out, "no group named 'no-such-group-dda'"),
	   "the unknown group is named");
}

/* A socket file no one listens on, as a killed ddad leaves. */
static void stale_socket(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path) >=
	    (int)sizeof(addr.sun_path))
		ok(0, "a socket path too long: %s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		ok(0, "making a stale socket: %s", strerror(errno));
	close(fd);
}

static void test_version_ping(void)
{
	struct conn *c = conn_open();
	struct json_object *reply, *result;
	struct stat st;

	ok(!stat(sock_path, &st) && S_ISSOCK(st.st_mode) &&
	   (st.st_mode & 0777) == 0666, "the socket has mode 0666");

	reply = c ? conn_ask(c, "{\"id\":1,\"op\":\"version\"}") : NULL;
	result = is_ok_reply(reply, "1", "version");
	is_str(json_text(result),
	       "{\"version\":\"" DDA_VERSION "\",\"protocol\":1}",
	       "version: its result");
	json_object_put(reply);

	reply = c ? conn_ask(c, "{\"op\":\"ping\",\"id\":\"a b\"}") : NULL;
	result = is_ok_reply(reply, "\"a b\"", "ping");
	is_str(json_text(result), "{}", "ping: result {}");
	json_object_put(reply);

	reply = c ? conn_ask(c, "{\"op\":\"ping\"}") : NULL;
	is_ok_reply(reply, "null", "ping without an id: id null");
	json_object_put(reply);

	reply = c ? conn_ask(c,
		"{\"id\":{\"n\":[1,true,null,\"x\"]},\"op\":\"ping\"}") : NULL;
	is_ok_reply(reply, "{\"n\":[1,true,null,\"x\"]}",
		    "ping: any JSON id comes back");
	json_object_put(reply);
	conn_close(c);
}

static void test_errors(void)
{
	struct conn *c = conn_open();
	struct json_object *reply;

	if (!ok(c, "connecting"))
		return;
	is_error_reply(conn_ask(c, "{\"id\":1,\"op\":"), "null", "EINVAL",
		       "request is not valid JSON: ...", "truncated JSON");
	is_error_reply(conn_ask(c, "{bad}"), "null", "EINVAL",
		       "request is not valid JSON: ...", "malformed JSON");
	is_error_reply(conn_ask(c, "{\"op\":\"ping\"} {}"), "null", "EINVAL",
		       "request is not valid JSON: ...", "trailing characters");
	is_error_reply(conn_ask(c, "\"\xff\xfe\""), "null", "EINVAL",
		       "request is not valid JSON: ...", "invalid UTF-8");
	is_error_reply(conn_ask_len(c, "{\"op\":\"ping\"\0}\n",
					    sizeof("{\"op\":\"ping\"\0}\n") - 1), "null",
		       "EINVAL", "request is not valid JSON: ...",
		       "a NUL character");
	is_error_reply(conn_ask(c, "[{\"op\":\"ping\"}]"), "null", "EINVAL",
		       "request must be a JSON object, not an array",
		       "an array");
	is_error_reply(conn_ask(c, "\"ping\""), "null", "EINVAL",
		       "request must be a JSON object, not a string",
		       "a string");
	is_error_reply(conn_ask(c, "42"), "null", "EINVAL",
		       "request must be a JSON object, not a number",
		       "a number");
	is_error_reply(conn_ask(c, "null"), "null", "EINVAL",
		       "request must be a JSON object, not null", "null");
	is_error_reply(conn_ask(c, "{\"id\":7}"), "7", "EINVAL",
		       "request has no \"op\"", "no op");
	is_error_reply(conn_ask(c, "{\"id\":8,\"op\":3}"), "8", "EINVAL",
		       "\"op\" must be a string, not a number",
		       "op a number");
	is_error_reply(conn_ask(c, "{\"id\":9,\"op\":null}"), "9", "EINVAL",
		       "\"op\" must be a string, not null", "op null");
	is_error_reply(conn_ask(c, "{\"id\":10,\"op\":[\"ping\"]}"), "10",
		       "EINVAL", "\"op\" must be a string, not an array",
		       "op an array");
	is_error_reply(conn_ask(c, "{\"id\":11,\"op\":\"frobnicate\"}"),
		       "11", "EOPNOTSUPP", "unknown op \"frobnicate\"",
		       "an unknown op");
	is_error_reply(conn_ask(c, "{\"id\":14,\"op\":\"ping\\u0000x\"}"),
		       "14", "EOPNOTSUPP", "unknown op \"ping\"",
		       "an op with a NUL character in it");
	is_error_reply(conn_ask(c, "{\"id\":12,\"op\":\"ping\",\"vm\":\"x\"}"),
		       "12", "EINVAL", "ping takes no argument \"vm\"",
		       "an argument the op does not take");

	/* Blank lines are skipped; the connection serves on after errors. */
	reply = conn_ask(c, "\r\n\n  \n{\"id\":13,\"op\":\"ping\"}\r");
	is_ok_reply(reply, "13", "after the errors, on the same connection");
	json_object_put(reply);
	conn_close(c);
}

static void test_oversized(void)
{
	struct json_object *reply;
	struct conn *c;
	char *big;
	size_t n;

	/* Exactly the longest: a request and blanks, 65536 bytes. */
	big = malloc(LINE_MAX_LEN + 16);
	n = snprintf(big, LINE_MAX_LEN, "{\"id\":1,\"op\":\"ping\"}");
	memset(big + n, ' ', LINE_MAX_LEN - n);
	big[LINE_MAX_LEN] = '\n';
	big[LINE_MAX_LEN + 1] = '\0';
	c = conn_open();
	reply = c ? conn_ask_len(c, big, LINE_MAX_LEN + 1) : NULL;
	is_ok_reply(reply, "1", "a line of 65536 bytes is served");
	json_object_put(reply);

	/* One more, and no newline yet: refused before its end comes. */
	big[LINE_MAX_LEN] = ' ';
	big[LINE_MAX_LEN + 1] = '\0';
	reply = c ? conn_ask_len(c, big, LINE_MAX_LEN + 1) : NULL;
	is_error_reply(reply, "null", "E2BIG",
		       "request longer than 65536 bytes",
		       "a line of 65537 bytes");
	ok(c && conn_closed(c), "the connection is then closed");
	conn_close(c);
	free(big);

	c = conn_open();
	reply = c ? conn_ask(c, "{\"id\":2,\"op\":\"ping\"}") : NULL;
	is_ok_reply(reply, "2", "a new client is served after that");
	json_object_put(reply);
	conn_close(c);
}

static void test_pipelined(void)
{
	enum { N = 1000 };
	struct conn *c = conn_open();
	char *text, *line, want[128];
	size_t len = 0, size = N * 64;
	int i, good = 0;

	text = malloc(size);
	for (i = 0; i < N; i++)
		len += snprintf(text + len, size - len,
				i % 3 == 2 ? "{\"id\":%d,\"op\":\"nope\"}\n" :
				i % 3 ? "{\"id\":%d,\"op\":\"version\"}\n" :
				"{\"op\":\"ping\",\"id\":%d}\n", i);
	ok(c && conn_write(c, text, len), "%d requests sent in one go", N);
	for (i = 0; c && i < N; i++) {
		line = conn_line(c);
		if (!line)
			break;
		snprintf(want, sizeof(want), "{\"id\":%d,\"ok\":%s", i,
			 i % 3 == 2 ? "false" : "true");
		if (!strncmp(line, want, strlen(want)))
			good++;
		else if (good == i)
			printf("#   reply %d: %s\n", i, line);
		free(line);
	}
	is_int(good, N, "%d replies, in order", N);
	conn_close(c);
	free(text);
}

/*
 * A client that sends without reading: ddad stops reading it once its
 * replies pile up, serves the others meanwhile, and answers every request
 * once the client reads.
 */
static void test_slow_reader(void)
{
	enum { N = 50000 };
	struct conn *c = conn_open(), *other = conn_open();
	size_t len = 0, size = N * 40, sent = 0;
	struct json_object *reply;
	struct pollfd pfd;
	char *text, *line, want[64];
	int i, got = 0, good = 0;
	ssize_t n;

	if (!ok(c && other, "two connections"))
		goto out;
	text = malloc(size);
	for (i = 0; i < N; i++)
		len += snprintf(text + len, size - len,
				"{\"id\":%d,\"op\":\"version\"}\n", i);

	while (sent < len) {
		n = send(c->fd, text + sent, len - sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			break;
		sent += n;
	}
	usleep(200000);
	while (sent < len) {
		n = send(c->fd, text + sent, len - sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			break;
		sent += n;
	}
	ok(sent < len, "ddad stops reading a client that does not read (%zu of %zu bytes taken)",
	   sent, len);

	reply = conn_ask(other, "{\"id\":\"other\",\"op\":\"ping\"}");
	is_ok_reply(reply, "\"other\"", "another client is served meanwhile");
	json_object_put(reply);

	while (got < N) {
		pfd = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		if (sent < len)
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, TIMEOUT_MS) <= 0)
			break;
		if (pfd.revents & POLLOUT) {
			n = send(c->fd, text + sent, len - sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				sent += n;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len,
			 MSG_DONTWAIT);
		if (n <= 0)
			break;
		c->len += n;
		while ((line = conn_take(c))) {
			snprintf(want, sizeof(want), "{\"id\":%d,\"ok\":true,",
				 got);
			if (!strncmp(line, want, strlen(want)))
				good++;
			got++;
			free(line);
		}
	}
	is_int(good, N, "then all %d requests are answered, in order", N);
	free(text);
out:
	conn_close(c);
	conn_close(other);
}

static void test_two_clients(void)
{
	struct conn *a = conn_open(), *b = conn_open();
	struct json_object *reply;
	char *line;

	if (!ok(a && b, "two clients connect"))
		goto out;
	/* a sends half a request: b must not wait for the rest. */
	ok(conn_send(a, "{\"id\":\"a\",\"op\":\"pi"), "a sends half");
	reply = conn_ask(b, "{\"id\":\"b\",\"op\":\"ping\"}");
	is_ok_reply(reply, "\"b\"", "b is answered while a is halfway");
	json_object_put(reply);

	reply = conn_ask(a, "ng\"}");
	is_ok_reply(reply, "\"a\"", "a is answered when its line ends");
	json_object_put(reply);

	/* Both send, then both read: each gets its own replies. */
	ok(conn_send(a, "{\"id\":1,\"op\":\"ping\"}\n{\"id\":2,\"op\":\"ping\"}\n") &&
	   conn_send(b, "{\"id\":3,\"op\":\"ping\"}\n"), "both send");
	line = conn_line(b);
	ok(line && !strncmp(line, "{\"id\":3,", 8), "b gets id 3");
	free(line);
	line = conn_line(a);
	ok(line && !strncmp(line, "{\"id\":1,", 8), "a gets id 1");
	free(line);
	line = conn_line(a);
	ok(line && !strncmp(line, "{\"id\":2,", 8), "a gets id 2");
	free(line);

	/* The last request of a client that shuts down writing is answered. */
	ok(conn_send(b, "{\"id\":4,\"op\":\"ping\"}") &&
	   !shutdown(b->fd, SHUT_WR), "b sends a request without a newline, then its end");
	line = conn_line(b);
	ok(line && !strncmp(line, "{\"id\":4,\"ok\":true", 17),
	   "b gets its answer");
	free(line);
	ok(conn_closed(b), "then ddad closes b");
out:
	conn_close(a);
	conn_close(b);
}

/* A user other than root may run the ops that change nothing. */
static void test_unprivileged(void)
{
	struct json_object *reply;
	struct conn *c;
	pid_t pid;
	int status;

	if (geteuid()) {
		ok(1, "# SKIP not root: cannot become another user");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (!pid) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		c = conn_open();
		reply = c ? conn_ask(c, "{\"id\":1,\"op\":\"version\"}") : NULL;
		_exit(reply && json_object_get_boolean(member(reply, "ok")) ?
		      0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "uid 65534 may ask for the version");
}

static void test_status(void)
{
	struct conn *c = conn_open();
	struct json_object *reply, *result;
	char path[PATH_MAX];
	struct dda *dda;
	int err;

	err = dda_open(&dda);
	reply = c ? conn_ask(c, "{\"id\":\"s\",\"op\":\"status\"}") : NULL;
	if (err == -ENOENT) {
		is_error_reply(reply, "\"s\"", "ENOENT",
			       "the dda kernel module is not loaded",
			       "status without dda.ko");
		path_of(path, state_dir, "state.json");
		ok(!exists(path), "nothing changed: no state.json written");
	} else {
		result = is_ok_reply(reply, "\"s\"", "status with dda.ko");
		ok(json_object_is_type(result, json_type_array),
		   "status: an array");
		json_object_put(reply);
		dda_close(dda);
	}
	is_error_reply(c ? conn_ask(c, "{\"id\":1,\"op\":\"status\",\"all\":true}") : NULL,
		       "1", "EINVAL", "status takes no argument \"all\"",
		       "status with an argument");
	conn_close(c);
}

/* A fake QEMU: a QMP socket that greets and answers when the test says. */
struct fake {
	char path[PATH_MAX];
	int listen_fd, fd;
};

static bool fake_listen(struct fake *f, const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	path_of(f->path, top, name);
	f->fd = -1;
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (strlen(f->path) >= sizeof(addr.sun_path))
		return false;
	memcpy(addr.sun_path, f->path, strlen(f->path) + 1);
	return f->listen_fd >= 0 &&
	       !bind(f->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) &&
	       !listen(f->listen_fd, 4);
}

/* Waits for ddad to connect. */
static bool fake_accept(struct fake *f)
{
	struct pollfd pfd = { .fd = f->listen_fd, .events = POLLIN };
	struct timeval tv = { .tv_sec = TIMEOUT_MS / 1000 };

	if (poll(&pfd, 1, TIMEOUT_MS) != 1)
		return false;
	f->fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return f->fd >= 0;
}

/* Reads one command of ddad's; its id, or -1. */
static int fake_command(struct fake *f, const char *name)
{
	char buf[4096], want[128];
	size_t len = 0;
	ssize_t n;
	char *id;

	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len)) {
		n = recv(f->fd, buf + len, 1, 0);
		if (n <= 0)
			return -1;
		len += n;
	}
	buf[len] = '\0';
	snprintf(want, sizeof(want), "{\"execute\":\"%s\"", name);
	id = strstr(buf, "\"id\":");
	if (strncmp(buf, want, strlen(want)) || !id)
		return -1;
	return atoi(id + 5);
}

static bool fake_send(struct fake *f, const char *text)
{
	return send(f->fd, text, strlen(text), MSG_NOSIGNAL) ==
	       (ssize_t)strlen(text);
}

/* Greets, and answers the capabilities and the first query-pci. */
static bool fake_greet(struct fake *f)
{
	char line[256];
	int id;

	if (!fake_send(f, "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\r\n"))
		return false;
	id = fake_command(f, "qmp_capabilities");
	snprintf(line, sizeof(line), "{\"return\": {}, \"id\": %d}\r\n", id);
	if (id < 0 || !fake_send(f, line))
		return false;
	id = fake_command(f, "query-pci");
	snprintf(line, sizeof(line),
		 "{\"return\": [{\"bus\": 0, \"devices\": []}], \"id\": %d}\r\n",
		 id);
	return id >= 0 && fake_send(f, line);
}

static void fake_close(struct fake *f)
{
	if (f->fd >= 0)
		close(f->fd);
	close(f->listen_fd);
	unlink(f->path);
}

/* Reads the next reply, sending nothing. */
static struct json_object *conn_reply(struct conn *c)
{
	struct json_object *reply;
	char *line = conn_line(c);

	if (!line)
		return NULL;
	reply = json_tokener_parse(line);
	free(line);
	return reply;
}

/* Whether ddad closes the fake QEMU's connection soon. */
static bool conn_closed_by_peer_soon(struct fake *f)
{
	char buf[256];
	ssize_t n;

	do
		n = recv(f->fd, buf, sizeof(buf), 0);
	while (n > 0);
	return n == 0;
}

/* Whether c has something to read within ms. */
static bool conn_readable(struct conn *c, int ms)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };

	return c->len || poll(&pfd, 1, ms) == 1;
}

static void test_deferred(void)
{
	struct conn *a = conn_open(), *b = conn_open(), *c = conn_open();
	struct json_object *reply;
	struct fake f1, f2;
	char request[2 * PATH_MAX];
	int i;

	if (!ok(a && b && c && fake_listen(&f1, "g1.qmp") &&
		fake_listen(&f2, "g2.qmp"), "three clients, two fake QEMUs"))
		goto out;
	snprintf(request, sizeof(request),
		 "{\"id\":\"add\",\"op\":\"vm_add\",\"vm\":\"g1\",\"qmp\":\"%s\"}\n"
		 "{\"id\":\"p\",\"op\":\"ping\"}\n", f1.path);
	ok(conn_send(a, request), "vm_add g1, and a ping after it");
	ok(fake_accept(&f1), "ddad connects to g1's QMP socket");

	reply = conn_ask(b, "{\"id\":\"b\",\"op\":\"ping\"}");
	is_ok_reply(reply, "\"b\"",
		    "another client is served while vm_add waits on QEMU");
	json_object_put(reply);
	ok(!conn_readable(a, 200),
	   "the first client waits: no answer to vm_add, nor to its ping");

	ok(fake_greet(&f1), "g1 greets, and answers qmp_capabilities, query-pci");
	reply = conn_reply(a);
	is_ok_reply(reply, "\"add\"", "then vm_add is answered");
	json_object_put(reply);
	reply = conn_reply(a);
	is_ok_reply(reply, "\"p\"", "then the ping after it, in order");
	json_object_put(reply);

	/* A client that leaves before its answer: the op goes on. */
	snprintf(request, sizeof(request),
		 "{\"id\":1,\"op\":\"vm_add\",\"vm\":\"g2\",\"qmp\":\"%s\"}\n",
		 f2.path);
	conn_send(c, request);
	ok(fake_accept(&f2), "vm_add g2: ddad connects");
	conn_close(c);
	c = NULL;
	ok(fake_greet(&f2), "the client gone, g2 greets");
	for (i = 0; i < 100; i++) {
		reply = conn_ask(b, "{\"id\":2,\"op\":\"vm_list\"}");
		if (reply && strstr(json_text(reply), "\"vm\":\"g2\""))
			break;
		json_object_put(reply);
		reply = NULL;
		usleep(20000);
	}
	ok(reply, "g2 is added all the same");
	json_object_put(reply);

	reply = conn_ask(b, "{\"id\":3,\"op\":\"vm_remove\",\"vm\":\"g1\"}");
	is_ok_reply(reply, "3", "vm_remove g1");
	json_object_put(reply);
	reply = conn_ask(b, "{\"id\":4,\"op\":\"vm_remove\",\"vm\":\"g2\"}");
	is_ok_reply(reply, "4", "vm_remove g2");
	json_object_put(reply);
	ok(conn_closed_by_peer_soon(&f1) && conn_closed_by_peer_soon(&f2),
	   "ddad let go of both QMP sockets");
out:
	fake_close(&f1);
	fake_close(&f2);
	conn_close(a);
	conn_close(b);
	conn_close(c);
}

/* SIGTERM while a request waits on a guest: answered, then the end. */
static void test_sigterm_deferred(void)
{
	char sock[PATH_MAX], state[PATH_MAX], out[PATH_MAX];
	char request[2 * PATH_MAX];
	struct json_object *reply;
	struct fake f;
	struct conn *c;
	pid_t pid;
	int status;

	path_of(sock, top, "stop.sock");
	path_of(state, top, "stop-state");
	path_of(out, top, "stop.log");
	mkdir(state, 0755);
	pid = ddad_start(sock, state, out, NULL);
	if (!ok(pid > 0 && fake_listen(&f, "g3.qmp"),
		"a second ddad, a fake QEMU"))
		return;
	c = calloc(1, sizeof(*c));
	c->fd = sock_connect(sock);
	snprintf(request, sizeof(request),
		 "{\"id\":9,\"op\":\"vm_add\",\"vm\":\"g3\",\"qmp\":\"%s\"}\n",
		 f.path);
	conn_send(c, request);
	ok(fake_accept(&f), "vm_add: ddad connects, QEMU says nothing");
	kill(pid, SIGTERM);
	reply = conn_reply(c);
	is_error_reply(reply, "9", "ESHUTDOWN", "ddad is stopping",
		       "SIGTERM: the waiting vm_add is answered");
	status = ddad_wait(pid, TIMEOUT_MS);
	ok(WIFEXITED(status) && !WEXITSTATUS(status),
	   "then ddad exits 0 (status %#x)", status);
	conn_close(c);
	fake_close(&f);
}

static void test_second_instance(pid_t pid)
{
	char out[4096], want[128], other_sock[PATH_MAX], other_state[PATH_MAX];
	struct json_object *reply;
	struct conn *c;
	int rc;

	path_of(other_sock, top, "other.sock");
	rc = ddad_exec((const char *[]){ "--socket", other_sock, "--state-dir",
					 state_dir, NULL }, out, sizeof(out));
	is_int(rc, 1, "a second ddad on the same state directory exits 1");
	snprintf(want, sizeof(want), "ddad: already running (pid %d)\n",
		 (int)pid);
	is_str(out, want, "it says who runs");
	ok(!exists(other_sock), "it made no socket");

	path_of(other_state, top, "other-state");
	rc = ddad_exec((const char *[]){ "--socket", sock_path, "--state-dir",
					 other_state, NULL }, out, sizeof(out));
	is_int(rc, 1, "a second ddad on the same socket exits 1");
	ok(strstr(out, "is in use by another server"), "it says why");

	c = conn_open();
	reply = c ? conn_ask(c, "{\"id\":1,\"op\":\"ping\"}") : NULL;
	is_ok_reply(reply, "1", "the first ddad serves on");
	json_object_put(reply);
	conn_close(c);
}

/* Idle, ddad sleeps in poll(): it uses no CPU time. */
static void test_idle(pid_t pid)
{
	unsigned long before[2], after[2];
	char path[64], buf[1024], *p;
	char state = '?';

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	file_read(path, buf, sizeof(buf));
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &before[0], &before[1]) != 2) {
		ok(0, "reading %s", path);
		return;
	}
	usleep(500000);
	file_read(path, buf, sizeof(buf));
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &state, &after[0], &after[1]) != 3) {
		ok(0, "reading %s", path);
		return;
	}
	is_int(state, 'S', "idle, ddad sleeps");
	ok(after[0] + after[1] - before[0] - before[1] <= 2,
	   "idle, ddad uses no CPU (%lu ticks in 0.5 s)",
	   after[0] + after[1] - before[0] - before[1]);
}

static void test_sigterm(pid_t pid)
{
	char path[PATH_MAX], buf[8192];
	int status;

	kill(pid, SIGTERM);
	status = ddad_wait(pid, TIMEOUT_MS);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "SIGTERM: ddad exits 0 (status %#x)", status);
	ok(!exists(sock_path), "SIGTERM: the socket is gone");
	path_of(path, state_dir, "ddad.lock");
	ok(exists(path), "SIGTERM: the lock file stays, unlocked");
	file_read(log_path, buf, sizeof(buf));
	ok(strstr(buf, "ddad: SIGTERM: exiting\n"), "SIGTERM: logged");
	ok(!strstr(buf, "ERROR: AddressSanitizer") &&
	   !strstr(buf, "runtime error:"), "no sanitizer report");
}

/* A corrupt state.json is moved aside, and ddad starts empty. */
static void test_corrupt_state(void)
{
	char dir[PATH_MAX], sock[PATH_MAX], path[PATH_MAX], out[PATH_MAX];
	char buf[8192];
	struct dirent *entry;
	int fd, status, aside = 0;
	pid_t pid;
	DIR *d;

	path_of(dir, top, "corrupt");
	path_of(sock, top, "corrupt-run/a/b/ddad.sock");
	path_of(out, top, "corrupt.log");
	mkdir(dir, 0755);
	path_of(path, dir, "state.json");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "{\"version\":1,\"devices\":", 23) != 23)
		ok(0, "writing a corrupt state.json");
	close(fd);

	pid = ddad_start(sock, dir, out, NULL);
	if (!ok(pid > 0, "ddad starts over a corrupt state.json")) {
		log_show(out);
		return;
	}
	ok(exists(sock), "it made the socket's directories");
	ok(!exists(path), "state.json is gone");
	d = opendir(dir);
	while (d && (entry = readdir(d)))
		if (!strncmp(entry->d_name, "state.json.corrupt-", 19))
			aside++;
	if (d)
		closedir(d);
	is_int(aside, 1, "it is moved aside to state.json.corrupt-TIME");

	kill(pid, SIGINT);
	status = ddad_wait(pid, TIMEOUT_MS);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "SIGINT: ddad exits 0");
	ok(!exists(sock), "SIGINT: the socket is gone");
	file_read(out, buf, sizeof(buf));
	ok(strstr(buf, "is corrupt (not JSON: it ends too soon): moved aside to state.json.corrupt-"),
	   "the log says what and where");
	if (!ok(!strstr(buf, "Sanitizer") && !strstr(buf, "runtime error:"),
		"no sanitizer report"))
		log_show(out);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	unsigned int failed_before;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	if (!ok(ddad_find(), "ddad binary at %s (DDA_DDAD overrides)", ddad))
		return unit_done();
	snprintf(top, sizeof(top), "%s/ddad-test-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!ok(mkdtemp(top), "a temporary directory"))
		return unit_done();
	chmod(top, 0755);	/* for the user of test_unprivileged() */
	/* The socket's directory does not exist yet: ddad makes it. */
	path_of(sock_path, top, "run/dda/ddad.sock");
	path_of(state_dir, top, "state");
	path_of(log_path, top, "ddad.log");

	test_options();

	mkdir(state_dir, 0755);
	{
		char run[PATH_MAX];

		path_of(run, top, "run");
		mkdir(run, 0755);
		path_of(run, top, "run/dda");
		mkdir(run, 0755);
		stale_socket(sock_path);
	}
	pid = ddad_start(sock_path, state_dir, log_path, NULL);
	if (!ok(pid > 0, "ddad starts, over a stale socket")) {
		log_show(log_path);
		return unit_done();
	}
	failed_before = unit_failed;

	test_version_ping();
	test_errors();
	test_oversized();
	test_pipelined();
	test_slow_reader();
	test_two_clients();
	test_unprivileged();
	test_status();
	test_deferred();
	test_second_instance(pid);
	test_idle(pid);
	test_sigterm(pid);
	if (unit_failed != failed_before)
		log_show(log_path);

	test_corrupt_state();
	test_sigterm_deferred();

	nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return unit_done();
}
