// SPDX-License-Identifier: GPL-2.0-only
/*
 * qemu_hook.c: dda's libvirt qemu hook, installed as
 * /etc/libvirt/hooks/qemu.d/dda. libvirtd runs it as
 *
 *	dda DOMAIN OP SUBOP EXTRA  <domain XML on stdin
 *
 * and a failure of "prepare begin" aborts the domain's start, with what the
 * hook printed on stderr in libvirt's error. For the PCI devices a domain's
 * XML names (hostdevs written by virt-manager, Nova or by hand, cold-plug):
 *
 *   prepare begin   ddad's libvirt_prepare: ddad lends every managed='no'
 *                   device dda holds in quarantine to the domain (hands it
 *                   over to vfio-pci), or refuses the start: a managed='yes'
 *                   hostdev of a quarantined device, an IOMMU group not
 *                   wholly quarantined
 *   release end     ddad's libvirt_release: the domain's devices go back to
 *                   quarantine
 *
 * Every other call, and a domain without PCI devices, returns at once
 * without a word to ddad. The hook talks only to ddad's socket
 * (PROTOCOL.md), never to libvirt: libvirtd waits for its hooks, and a hook
 * calling back into libvirt can deadlock it. ddad not running: at prepare,
 * the start is refused when dda.ko is loaded (a quarantined device could
 * be given away unchecked), allowed when it is not; at release, nothing to
 * do (ddad reconciles when it starts).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ddad_socket.h"
#include "libvirt_xml.h"

/* The most domain XML read from stdin. */
#define HOOK_XML_MAX		(16 << 20)
/* How long ddad may take to answer (a handover resets devices). */
#define HOOK_TIMEOUT_S		120

enum hook_action { HOOK_NOTHING, HOOK_ASK, HOOK_FAIL };

/*
 * What the hook does for "DOMAIN OP SUBOP" and its XML: nothing, ask ddad
 * the request in *request, or fail with the message in err.
 */
static enum hook_action hook_request(const char *domain, const char *op,
				     const char *subop, const char *xml,
				     size_t len, struct json_object **request,
				     char *err, size_t errlen)
{
	struct libvirt_hostdev *hd;
	struct json_object *list;
	bool prepare;
	int n, i;

	*request = NULL;
	prepare = !strcmp(op, "prepare") && !strcmp(subop, "begin");
	if (!prepare && !(!strcmp(op, "release") && !strcmp(subop, "end")))
		return HOOK_NOTHING;
	n = libvirt_hostdevs(xml, len, &hd, err, errlen);
	if (n < 0) {
		/* At release the domain is gone: nothing to stop. */
		return prepare ? HOOK_FAIL : HOOK_NOTHING;
	}
	if (n == 0)
		return HOOK_NOTHING;
	*request = json_object_new_object();
	json_object_object_add(*request, "id", json_object_new_int(1));
	json_object_object_add(*request, "op", json_object_new_string(
		prepare ? "libvirt_prepare" : "libvirt_release"));
	json_object_object_add(*request, "domain", json_object_new_string(domain));
	if (prepare) {
		list = json_object_new_array();
		for (i = 0; i < n; i++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "address",
					       json_object_new_string(hd[i].address));
			json_object_object_add(o, "managed",
					       json_object_new_boolean(hd[i].managed));
			json_object_array_add(list, o);
		}
		json_object_object_add(*request, "hostdevs", list);
	}
	free(hd);
	return HOOK_ASK;
}

/*
 * What ddad's reply line means: 0, or -1 with its message in err.
 */
static int hook_reply(const char *line, char *err, size_t errlen)
{
	struct json_object *reply, *v, *e, *m;
	int rc = -1;

	reply = json_tokener_parse(line);
	if (!reply || !json_object_is_type(reply, json_type_object)) {
		snprintf(err, errlen, "ddad's answer is not a JSON object");
	} else if (json_object_object_get_ex(reply, "ok", &v) &&
		   json_object_get_boolean(v)) {
		rc = 0;
	} else if (json_object_object_get_ex(reply, "error", &e) &&
		   json_object_object_get_ex(e, "code", &m) &&
		   !strcmp(json_object_get_string(m), "EOPNOTSUPP")) {
		/* Never let a device by unchecked: refuse, and say what to do. */
		snprintf(err, errlen, "ddad does not know the hook's requests (%s): it is older than this hook; update ddad, or remove the hook",
			 json_object_object_get_ex(e, "message", &m) ?
			 json_object_get_string(m) : "EOPNOTSUPP");
	} else if (json_object_object_get_ex(reply, "error", &e) &&
		   json_object_object_get_ex(e, "message", &m)) {
		snprintf(err, errlen, "%s", json_object_get_string(m));
	} else {
		snprintf(err, errlen, "ddad refused, without saying why");
	}
	json_object_put(reply);
	return rc;
}

#ifndef QEMU_HOOK_NO_MAIN

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap + 1), *grown;

	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= HOOK_XML_MAX) {
				free(buf);
				return NULL;
			}
			cap *= 2;
			grown = realloc(buf, cap + 1);
			if (!grown)
				free(buf);
			buf = grown;
		}
	}
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

/* Connect to ddad; -errno. */
/* Send line, read one line back into buf within the timeout. */
static int exchange(int fd, const char *line, char *buf, size_t size)
{
	size_t len = strlen(line), n = 0;
	time_t deadline = time(NULL) + HOOK_TIMEOUT_S;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;

	while (n < len) {
		r = send(fd, line + n, len - n, MSG_NOSIGNAL);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			n += r;
	}
	n = 0;
	while (n + 1 < size) {
		int left = (int)(deadline - time(NULL));

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left * 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		r = read(fd, buf + n, size - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		n += r;
		buf[n] = 0;
		if (memchr(buf, '\n', n))
			return 0;
	}
	return -EMSGSIZE;
}

int main(int argc, char **argv)
{
	const char *socket_path = ddad_socket_path(NULL);
	struct json_object *request;
	char err[1024] = "", reply[65536], *xml, *line;
	enum hook_action action;
	struct stat st;
	size_t len;
	int fd, rc;

	if (argc < 4) {
		fprintf(stderr, "dda hook: usage: %s DOMAIN OP SUBOP [EXTRA] <XML\n", argv[0]);
		return 2;
	}
	/* Read stdin whole whatever the call: libvirtd writes it all. */
	xml = read_all(stdin, &len);
	if (!xml) {
		fprintf(stderr, "dda hook: %s: the domain XML on stdin is larger than %d bytes or unreadable\n",
			argv[1], HOOK_XML_MAX);
		return 1;
	}
	action = hook_request(argv[1], argv[2], argv[3], xml, len, &request,
			      err, sizeof(err));
	free(xml);
	if (action == HOOK_NOTHING)
		return 0;
	if (action == HOOK_FAIL) {
		fprintf(stderr, "dda hook: domain %s: %s\n", argv[1], err);
		return 1;
	}
	fd = ddad_socket_connect(socket_path);
	if (fd < 0) {
		json_object_put(request);
		if (strcmp(argv[2], "prepare"))
			return 0;
		if (stat("/sys/module/dda", &st) < 0)
			return 0;
		fprintf(stderr, "dda hook: domain %s has PCI hostdevs and dda.ko is loaded, but ddad does not answer at %s (%s): start ddad, so that it checks them against dda's quarantine\n",
			argv[1], socket_path, strerror(-fd));
		return 1;
	}
	line = NULL;
	if (asprintf(&line, "%s\n", json_object_to_json_string_ext(
			request, JSON_C_TO_STRING_PLAIN)) < 0) {
		json_object_put(request);
		close(fd);
		return 1;
	}
	json_object_put(request);
	rc = exchange(fd, line, reply, sizeof(reply));
	free(line);
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "dda hook: domain %s: no answer from ddad at %s: %s\n",
			argv[1], socket_path, strerror(-rc));
		return strcmp(argv[2], "prepare") ? 0 : 1;
	}
	if (hook_reply(reply, err, sizeof(err)) < 0) {
		fprintf(stderr, "dda hook: domain %s: %s\n", argv[1], err);
		/* At release the domain is gone whatever ddad says. */
		return strcmp(argv[2], "prepare") ? 0 : 1;
	}
	return 0;
}

#endif /* QEMU_HOOK_NO_MAIN */
