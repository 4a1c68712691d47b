/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * server.h: ddad's socket and its loop (server.c).
 */
#ifndef DDAD_SERVER_H
#define DDAD_SERVER_H

struct ddad;
struct ddad_config;

/*
 * Listens on config's socket path, mode 0666, replacing a stale socket
 * there (call it holding the instance lock). Returns the socket, or a
 * negative errno after logging why.
 */
int server_listen(const struct ddad_config *config);

/*
 * Serves clients on the listening socket, the guests and dda.ko until
 * signal_fd, a signalfd of SIGTERM and SIGINT, reports one. Closes
 * listen_fd and removes the socket file. 0, or a negative errno after
 * logging why.
 */
int server_run(struct ddad *ddad, int listen_fd, int signal_fd);

#endif /* DDAD_SERVER_H */
