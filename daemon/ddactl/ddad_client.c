// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl as a client of ddad: one request on ddad's socket, one reply
 * (PROTOCOL.md). The socket is --socket PATH, else $DDA_SOCKET, else
 * DDAD_SOCKET. The commands that need ddad say so when it is not
 * running; list and show ask it quietly for the guests, and do without.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "ddactl.h"
#include "ddad_socket.h"
#include "device_print.h"
#include "print.h"

#define REPLY_MAX		(16 << 20)

const char *ddactl_socket;

const char *ddad_socket(void)
{
	return ddad_socket_path(ddactl_socket);
}

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int send_all(int fd, const char *text, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, text, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		text += n;
		len -= n;
	}
	return 0;
}

/* Reads one line, until deadline: 0 with *line (to free()), or -errno. */
static int read_line(int fd, long long deadline, char **line)
{
	size_t len = 0, size = 0;
	char *buf = NULL, *more;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int left;

	for (;;) {
		if (len == size) {
			size = size ? 2 * size : 4096;
			if (size > REPLY_MAX) {
				free(buf);
				return -E2BIG;
			}
			more = realloc(buf, size);
			if (!more) {
				free(buf);
				return -ENOMEM;
			}
			buf = more;
		}
		left = deadline - ms_now();
		if (left <= 0 || !poll(&pfd, 1, left)) {
			free(buf);
			return -ETIMEDOUT;
		}
		n = recv(fd, buf + len, size - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return n < 0 ? -errno : -ECONNRESET;
		}
		more = memchr(buf + len, '\n', n);
		len += n;
		if (more) {
			*more = '\0';
			*line = buf;
			return 0;
		}
	}
}

int ddad_ask(struct json_object *request, int timeout_ms,
	     struct json_object **reply)
{
	const char *text;
	char *line = NULL;
	size_t len;
	int fd, err;

	*reply = NULL;
	text = json_object_to_json_string_length(request,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (!text)
		return -ENOMEM;
	fd = ddad_socket_connect(ddad_socket());
	if (fd < 0)
		return fd;
	err = send_all(fd, text, len);
	if (!err)
		err = send_all(fd, "\n", 1);
	if (!err)
		err = read_line(fd, ms_now() + timeout_ms, &line);
	close(fd);
	if (err)
		return err;
	*reply = json_tokener_parse(line);
	free(line);
	return *reply ? 0 : -EBADMSG;
}

static struct json_object *member(struct json_object *obj, const char *key)
{
	struct json_object *value = NULL;

	json_object_object_get_ex(obj, key, &value);
	return value;
}

int ddad_call(struct json_object *request, int timeout_ms,
	      struct json_object **result)
{
	struct json_object *reply, *error;
	const char *op = json_object_get_string(member(request, "op"));
	const char *path = ddad_socket();
	int err;

	*result = NULL;
	err = ddad_ask(request, timeout_ms, &reply);
	json_object_put(request);
	if (err == -ENOENT || err == -ECONNREFUSED) {
		warnx("ddad is not running (socket %s): start it with 'systemctl start ddad', or run ddad%s%s",
		      path, ddactl_socket || getenv("DDA_SOCKET") ?
		      " --socket " : "",
		      ddactl_socket || getenv("DDA_SOCKET") ? path : "");
		return DDACTL_FAILED;
	}
	if (err == -ETIMEDOUT) {
		warnx("ddad (socket %s) did not answer %s within %d s", path,
		      op, timeout_ms / 1000);
		return DDACTL_FAILED;
	}
	if (err) {
		warnx("cannot talk to ddad (socket %s): %s", path,
		      strerror(-err));
		return DDACTL_FAILED;
	}
	if (json_object_get_boolean(member(reply, "ok"))) {
		*result = json_object_get(member(reply, "result"));
		json_object_put(reply);
		return DDACTL_OK;
	}
	error = member(reply, "error");
	warnx("%s", json_object_get_string(member(error, "message")));
	json_object_put(reply);
	return DDACTL_FAILED;
}

struct json_object *ddad_request(const char *op)
{
	struct json_object *request = json_object_new_object();

	if (request &&
	    json_object_object_add(request, "op", json_object_new_string(op))) {
		json_object_put(request);
		return NULL;
	}
	return request;
}

bool ddad_request_add(struct json_object *request, const char *key,
		      struct json_object *value)
{
	if (!request || !value)
		goto fail;
	if (json_object_object_add(request, key, value))
		goto fail;
	return true;
fail:
	json_object_put(value);
	return false;
}

static const char *text_of(struct json_object *obj, const char *key)
{
	struct json_object *value = member(obj, key);

	return json_object_is_type(value, json_type_string) ?
	       json_object_get_string(value) : "";
}

struct json_object *ddad_vms(struct device_view *views, size_t count)
{
	struct json_object *request, *reply, *result, *dev, *vm;
	size_t i, j, n;

	request = ddad_request("status");
	if (!request)
		return NULL;
	/* Quick, and quiet: without ddad, no guest is named. */
	if (ddad_ask(request, 2000, &reply)) {
		json_object_put(request);
		return NULL;
	}
	json_object_put(request);
	result = member(reply, "result");
	if (!json_object_get_boolean(member(reply, "ok")) ||
	    !json_object_is_type(result, json_type_array))
		return reply;
	n = json_object_array_length(result);
	for (i = 0; i < n; i++) {
		dev = json_object_array_get_idx(result, i);
		vm = member(dev, "vm");
		/* Only where it is: not a guest an assign is on its way to. */
		if (!json_object_is_type(vm, json_type_string) ||
		    strcmp(text_of(dev, "state"), "assigned"))
			continue;
		for (j = 0; j < count; j++)
			if (!strcmp(views[j].dev->address,
				    text_of(dev, "address")))
				views[j].vm = json_object_get_string(vm);
	}
	return reply;
}

int ddad_print_list(const struct command *cmd, const char *op, bool json,
		    const struct json_column *columns, size_t n,
		    const char *empty)
{
	struct json_object *result;
	int ret, err;

	ret = ddad_call(ddad_request(op), DDAD_TIMEOUT_MS, &result);
	if (ret)
		return ret;
	if (!json_object_is_type(result, json_type_array)) {
		err = -EBADMSG;
	} else {
		print_start(stdout, json ? PRINT_FORMAT_JSON :
					   PRINT_FORMAT_TEXT);
		print_json_table(NULL, result, columns, n, empty);
		err = print_end();
	}
	json_object_put(result);
	return err ? command_failed(NULL, err, cmd->name) : DDACTL_OK;
}
