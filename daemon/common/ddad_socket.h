/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where ddad listens and ddactl asks (daemon/ddad/PROTOCOL.md), unless
 * told otherwise: ddad --socket, ddactl --socket or $DDA_SOCKET.
 */
#ifndef DDAD_SOCKET_H
#define DDAD_SOCKET_H

#define DDAD_SOCKET		"/run/dda/ddad.sock"

#endif /* DDAD_SOCKET_H */
