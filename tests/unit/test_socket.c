// SPDX-License-Identifier: GPL-2.0-only
/*
 * The clients' side of ddad's socket (daemon/common/ddad_socket.c), which
 * ddactl and the libvirt hook share: which socket, on a table of cases, and
 * a connection to it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ddad_socket.h"
#include "unit.h"
#include "util.h"

static const struct {
	const char *given;	/* --socket, or NULL */
	const char *env;	/* $DDA_SOCKET, or NULL: unset */
	const char *want;
} paths[] = {
	{ NULL, NULL, DDAD_SOCKET },
	{ NULL, "", DDAD_SOCKET },
	{ NULL, "/tmp/e.sock", "/tmp/e.sock" },
	{ "/tmp/g.sock", "/tmp/e.sock", "/tmp/g.sock" },
	{ "/tmp/g.sock", NULL, "/tmp/g.sock" },
	{ "", "/tmp/e.sock", "" },	/* --socket= is asked, and fails */
};

static void test_path(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		if (paths[i].env)
			setenv("DDA_SOCKET", paths[i].env, 1);
		else
			unsetenv("DDA_SOCKET");
		is_str(ddad_socket_path(paths[i].given), paths[i].want,
		       "given %s, $DDA_SOCKET %s: %s",
		       paths[i].given ? paths[i].given : "none",
		       paths[i].env ? paths[i].env : "unset", paths[i].want);
	}
	unsetenv("DDA_SOCKET");
}

static void test_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/dda-socket-XXXXXX", path[64], *long_path;
	int listener, fd;

	if (!ok(mkdtemp(dir), "a directory for the socket"))
		return;
	snprintf(path, sizeof(path), "%s/ddad.sock", dir);
	is_int(ddad_socket_connect(path), -ENOENT, "no socket: -ENOENT");

	long_path = calloc(1, sizeof(addr.sun_path) + 1);
	memset(long_path, 'x', sizeof(addr.sun_path));
	is_int(ddad_socket_connect(long_path), -ENAMETOOLONG,
	       "a path longer than sun_path: -ENAMETOOLONG");
	free(long_path);

	listener = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	ok(listener >= 0 && !bind(listener, (struct sockaddr *)&addr,
				  sizeof(addr)) && !listen(listener, 1),
	   "a listening socket");
	fd = ddad_socket_connect(path);
	ok(fd >= 0, "a listening socket: connected");
	if (fd >= 0)
		close(fd);
	if (listener >= 0)
		close(listener);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_path();
	test_connect();
	return unit_done();
}
