// SPDX-License-Identifier: GPL-2.0-only
/*
 * The clients' side of ddad's socket: which one, and a connection to it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ddad_socket.h"

const char *ddad_socket_path(const char *given)
{
	const char *env = getenv("DDA_SOCKET");

	if (given)
		return given;
	return env && *env ? env : DDAD_SOCKET;
}

int ddad_socket_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
