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
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "config.h"
#include "permission.h"
#include "protocol.h"

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

bool peer_privileged(const struct peer *peer,
		     const struct ddad_config *config)
{
	size_t i;

	if (peer->uid == 0)
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

bool peer_may(const struct peer *peer, const struct op *op,
	      const struct ddad_config *config)
{
	return !op->changes_state || peer_privileged(peer, config);
}

int permission_message(char *buf, size_t size, const struct op *op,
		       const struct ddad_config *config)
{
	if (config->group_name)
		return snprintf(buf, size, "%s needs root or group %s",
				op->name, config->group_name);
	return snprintf(buf, size, "%s needs root", op->name);
}

/* Whether the mode, owner and group of st grant peer the access bits of
 * mask (a combination of S_IROTH, S_IWOTH, S_IXOTH), as the kernel would. */
bool peer_mode_allows(const struct peer *peer, const struct stat *st,
		      mode_t mask)
{
	size_t i;

	if (peer->uid == 0)
		return true;
	if (st->st_uid == peer->uid)
		return ((st->st_mode >> 6) & mask) == mask;
	if (st->st_gid == peer->gid)
		return ((st->st_mode >> 3) & mask) == mask;
	for (i = 0; i < peer->ngroups; i++)
		if (st->st_gid == peer->groups[i])
			return ((st->st_mode >> 3) & mask) == mask;
	return (st->st_mode & mask) == mask;
}

int peer_may_connect(const struct peer *peer, const char *path, char *why,
		     size_t size)
{
	char part[PATH_MAX];
	struct stat st;
	size_t len;
	const char *p;

	if (strlen(path) >= sizeof(part) || path[0] != '/') {
		snprintf(why, size, "not an absolute path");
		return -EINVAL;
	}
	/* Every directory on the way: search permission. */
	for (p = strchr(path + 1, '/'); ; p = strchr(p + 1, '/')) {
		len = p ? (size_t)(p - path) : 1;
		if (!p)
			break;
		memcpy(part, path, len);
		part[len] = '\0';
		if (stat(part, &st) < 0) {
			snprintf(why, size, "cannot look at a directory on its way: %s",
				 strerror(errno));
			return -errno;
		}
		if (!peer_mode_allows(peer, &st, S_IXOTH)) {
			snprintf(why, size, "uid %u may not search a directory on its way",
				 (unsigned int)peer->uid);
			return -EACCES;
		}
	}
	if (stat("/", &st) == 0 && !peer_mode_allows(peer, &st, S_IXOTH)) {
		snprintf(why, size, "uid %u may not search /",
			 (unsigned int)peer->uid);
		return -EACCES;
	}
	/* Connecting to a socket takes write permission on it. */
	if (stat(path, &st) < 0) {
		snprintf(why, size, "%s", strerror(errno));
		return -errno;
	}
	if (!peer_mode_allows(peer, &st, S_IWOTH)) {
		snprintf(why, size, "uid %u may not write to it",
			 (unsigned int)peer->uid);
		return -EACCES;
	}
	return 0;
}
