// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who may do what. Every request is judged by the credentials its peer had
 * when it connected: anyone may read, and changing a device's state takes
 * root or the group given with --group.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "ddad.h"

int peer_from_socket(int fd, struct peer *peer)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t *groups = NULL, *bigger;
	size_t n = 16;
	int err;

	*peer = (struct peer){ .pid = -1, .uid = -1, .gid = -1 };
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	peer->pid = cred.pid;
	peer->uid = cred.uid;
	peer->gid = cred.gid;

	/* SO_PEERGROUPS says how much room it needs with ERANGE. */
	for (;;) {
		bigger = realloc(groups, n * sizeof(*groups));
		if (!bigger) {
			free(groups);
			return -ENOMEM;
		}
		groups = bigger;
		len = n * sizeof(*groups);
		if (!getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
			break;
		err = errno;
		if (err != ERANGE || len <= n * sizeof(*groups) ||
		    len > NGROUPS_MAX * sizeof(*groups)) {
			free(groups);
			return err == ERANGE ? -EPROTO : -err;
		}
		n = len / sizeof(*groups);
	}
	peer->groups = groups;
	peer->ngroups = len / sizeof(*groups);
	return 0;
}

void peer_release(struct peer *peer)
{
	free(peer->groups);
	peer->groups = NULL;
	peer->ngroups = 0;
}

bool peer_may(const struct peer *peer, const struct op *op,
	      const struct ddad_config *config)
{
	size_t i;

	if (!op->changes_state || peer->uid == 0)
		return true;
	if (!config->group_name)
		return false;
	if (peer->gid == config->group)
		return true;
	for (i = 0; i < peer->ngroups; i++)
		if (peer->groups[i] == config->group)
			return true;
	return false;
}

int permission_message(char *buf, size_t size, const struct op *op,
		       const struct ddad_config *config)
{
	if (config->group_name)
		return snprintf(buf, size, "%s needs root or group %s",
				op->name, config->group_name);
	return snprintf(buf, size, "%s needs root", op->name);
}
