/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where ddad listens and its clients (ddactl, the libvirt hook) ask
 * (daemon/ddad/PROTOCOL.md), unless told otherwise: ddad --socket, ddactl
 * --socket or $DDA_SOCKET; and a client's connection to it.
 */
#ifndef DDAD_SOCKET_H
#define DDAD_SOCKET_H

#define DDAD_SOCKET		"/run/dda/ddad.sock"

/*
 * The socket a client asks: given (when not NULL), else $DDA_SOCKET when
 * set and not empty, else DDAD_SOCKET.
 */
const char *ddad_socket_path(const char *given);

/* Connects to ddad's socket at path: the descriptor, or -errno. */
int ddad_socket_connect(const char *path);

#endif /* DDAD_SOCKET_H */
