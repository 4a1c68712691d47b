/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * permission.h: the peers of ddad's socket, and what they may do
 * (permission.c).
 */
#ifndef DDAD_PERMISSION_H
#define DDAD_PERMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A peer of the socket, as SO_PEERCRED and SO_PEERGROUPS saw it at connect. */
struct peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	gid_t *groups;		/* supplementary groups */
	size_t ngroups;
};

struct ddad_config;
struct op;
struct stat;

/*
 * Reads the credentials of the peer of a connected UNIX socket. 0 or a
 * negative errno; release with peer_release().
 */
int peer_from_socket(int fd, struct peer *peer);
void peer_release(struct peer *peer);

/* Whether peer is root, or has config's group (primary or not). */
bool peer_privileged(const struct peer *peer,
		     const struct ddad_config *config);

/*
 * Whether peer may run op: anyone may run read-only ops; state-changing
 * ones need peer_privileged().
 */
bool peer_may(const struct peer *peer, const struct op *op,
	      const struct ddad_config *config);

/*
 * Whether st's mode, owner and group grant peer every bit of mask
 * (S_IROTH, S_IWOTH, S_IXOTH), as the kernel judges (root: always).
 */
bool peer_mode_allows(const struct peer *peer, const struct stat *st,
		      mode_t mask);

/*
 * Whether peer could connect to the UNIX socket at path itself: search
 * permission on every directory on the way, write permission on the
 * socket. 0, or a negative errno with why saying what stops it.
 */
int peer_may_connect(const struct peer *peer, const char *path, char *why,
		     size_t size);

/* Why peer_may() said no: "OP needs root or group NAME". */
int permission_message(char *buf, size_t size, const struct op *op,
		       const struct ddad_config *config);

#endif /* DDAD_PERMISSION_H */
