// SPDX-License-Identifier: GPL-2.0-only
/*
 * The server: a UNIX stream socket, its clients, and the poll(2) loop that
 * serves them, the guests' QMP connections and dda.ko's threads until
 * SIGTERM or SIGINT.
 *
 * Every socket is non-blocking and one poll() waits for all of them, until
 * the next timer is due: idle, ddad sleeps. A client's requests are
 * answered in order; while more than OUT_MAX bytes of answers wait for it
 * to read them, or while it waits for the answer of a request that takes
 * long (an assign), ddad reads no more of its requests. Other clients are
 * served meanwhile.
 *
 * No user locks root out: root and the --group are always accepted; any
 * other uid may hold CLIENTS_PER_USER connections, and all of them
 * together CLIENTS_MAX; more are closed at once. A client with nothing
 * under way for IDLE_MS is dropped. Each wake-up accepts at most
 * ACCEPT_BATCH clients and answers at most REQUESTS_BATCH requests of
 * each (a QMP peer: QMP_TURN_SIZE bytes, qmp.c); the rest waits for the
 * next turn, after everyone else's.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>
#include <json-c/json.h>

#include "config.h"
#include "ddad.h"
#include "fs.h"
#include "guest.h"
#include "guest_libvirt.h"
#include "job.h"
#include "kernel.h"
#include "kernel_view.h"
#include "log.h"
#include "ops.h"
#include "permission.h"
#include "protocol.h"
#include "reconcile.h"
#include "server.h"
#include "state.h"
#include "timer.h"

#define CLIENTS_MAX		512	/* of uids other than root, --group */
#define CLIENTS_PER_USER	16	/* of each such uid */
#define ACCEPT_BATCH		64	/* accepted per wake-up */
#define REQUESTS_BATCH		8	/* answered per client per wake-up */
#define IDLE_MS			30000	/* nothing under way: dropped */
#define OUT_MAX			(1 << 20)
#define OUT_LIMIT		(16 << 20)	/* queued for one client, at most */
#define IN_START		4096
#define IN_MAX			(DDAD_LINE_MAX + 1)	/* with the newline */

#define NOMEM_LINE \
	"{\"id\":null,\"ok\":false,\"error\":{\"code\":\"ENOMEM\",\"message\":\"out of memory\"}}"

struct client {
	int fd;
	struct peer peer;
	char *in;		/* requests read, not yet answered */
	size_t in_len, in_size;
	char *out;		/* answers not yet sent */
	size_t out_len, out_sent, out_size;
	struct call *waiting;	/* a request whose answer comes later */
	bool privileged;	/* root or --group: never capped */
	bool more;		/* requests left for the next turn */
	uint64_t active;	/* now_ms() it last sent or was answered */
	bool eof;		/* the peer will send no more */
	bool closing;		/* send what is queued, then close */
	bool dead;		/* close now */
};

/*
 * The first entries of the poll set; the guests, the QEMU processes
 * holding devices (their pidfds), then the clients follow.
 */
enum {
	POLL_SIGNAL,
	POLL_LISTEN,
	POLL_KERNEL,
	POLL_LIBVIRT,
	POLL_EVENTS,
	POLL_FIXED,
};

struct server {
	struct ddad *ddad;
	int listen_fd;
	int signal_fd;
	struct client **clients;
	size_t count;
	size_t unprivileged;	/* clients that are not root or --group */
	struct guest **guests;	/* the guests polled, in the poll set's order */
	size_t guest_count;
	size_t holder_count;	/* the pidfds polled after them */
	struct pollfd *fds;
	bool accept_paused;	/* out of file descriptors */
	dev_t sock_dev;		/* the socket file we made */
	ino_t sock_ino;
};

/* The socket file at path: stale, or another server's? */
static int socket_in_use(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	ret = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	ret = !ret || errno == EAGAIN;
	close(fd);
	return ret;
}

int server_listen(const struct ddad_config *config)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *path = config->socket_path;
	char *dir, *slash;
	mode_t old_mask;
	struct stat st;
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		log_msg(LOG_ERR, "socket path %s is longer than %zu bytes",
			path, sizeof(addr.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);

	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	err = 0;
	if (slash && slash != dir) {
		*slash = '\0';
		err = mkdir_parents(dir, 0755);
		if (err)
			log_msg(LOG_ERR, "cannot create %s: %s", dir,
				strerror(-err));
	}
	free(dir);
	if (err)
		return err;

	/* We hold the instance lock: a socket left there is stale. */
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			log_msg(LOG_ERR, "%s exists and is not a socket", path);
			return -EEXIST;
		}
		if (socket_in_use(path) > 0) {
			log_msg(LOG_ERR, "%s is in use by another server",
				path);
			return -EADDRINUSE;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			err = -errno;
			log_msg(LOG_ERR, "cannot remove the stale socket %s: %m",
				path);
			return err;
		}
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		log_msg(LOG_ERR, "cannot create a socket: %m");
		return err;
	}
	/*
	 * Anyone may connect; each request is judged by its peer's uid. The
	 * mode comes with the socket file as bind() makes it: no chmod()
	 * of a path that could be a symbolic link by then.
	 */
	old_mask = umask(0111);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -errno : 0;
	umask(old_mask);
	if (err) {
		log_msg(LOG_ERR, "cannot bind to %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	if (listen(fd, SOMAXCONN) < 0) {
		err = -errno;
		log_msg(LOG_ERR, "cannot listen on %s: %m", path);
		unlink(path);
		close(fd);
		return err;
	}
	return fd;
}

static size_t client_pending(const struct client *c)
{
	return c->out_len - c->out_sent;
}

static bool client_wants_input(const struct client *c)
{
	return !c->eof && !c->closing && !c->dead &&
	       client_pending(c) < OUT_MAX;
}

static void client_free(struct client *c)
{
	/* What it waits for goes on; its answer goes nowhere. */
	if (c->waiting)
		call_detach(c->waiting);
	close(c->fd);
	peer_release(&c->peer);
	free(c->in);
	free(c->out);
	free(c);
}

/* Queues a line of text and its newline. */
static void client_queue(struct client *c, const char *text, size_t len)
{
	char *out;

	if (c->out_sent) {
		memmove(c->out, c->out + c->out_sent, client_pending(c));
		c->out_len -= c->out_sent;
		c->out_sent = 0;
	}
	/* A client that does not read what it asked for goes. */
	if (c->out_len + len + 1 > OUT_LIMIT) {
		c->dead = true;
		return;
	}
	c->active = now_ms();
	if (c->out_len + len + 1 > c->out_size) {
		size_t size = c->out_size ? c->out_size : 4096;

		while (size < c->out_len + len + 1)
			size *= 2;
		out = realloc(c->out, size);
		if (!out) {
			c->dead = true;
			return;
		}
		c->out = out;
		c->out_size = size;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
}

/* Queues a reply and releases it; NULL stands for out of memory. */
static void client_reply(struct client *c, struct json_object *reply)
{
	const int flags = JSON_C_TO_STRING_PLAIN |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text = NULL;
	size_t len;

	if (reply)
		text = json_object_to_json_string_length(reply, flags, &len);
	if (!text) {
		text = NOMEM_LINE;
		len = strlen(NOMEM_LINE);
	}
	client_queue(c, text, len);
	json_object_put(reply);
}

static void client_flush(struct client *c)
{
	ssize_t n;

	while (!c->dead && client_pending(c)) {
		n = send(c->fd, c->out + c->out_sent, client_pending(c),
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->dead = true;
			return;
		}
		c->out_sent += n;
	}
	c->out_len = c->out_sent = 0;
}

static void client_read(struct client *c)
{
	ssize_t n;
	char *in;

	if (c->in_len == c->in_size) {
		size_t size = c->in_size ? 2 * c->in_size : IN_START;

		if (size > IN_MAX)
			size = IN_MAX;
		if (size == c->in_size)
			return;		/* full: client_process() acts */
		in = realloc(c->in, size);
		if (!in) {
			c->dead = true;
			return;
		}
		c->in = in;
		c->in_size = size;
	}
	n = recv(c->fd, c->in + c->in_len, c->in_size - c->in_len,
		 MSG_DONTWAIT);
	if (n > 0) {
		c->in_len += n;
		c->active = now_ms();
	}
	else if (!n)
		c->eof = true;
	else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		c->dead = true;
}

static bool line_is_blank(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
		    line[i] != '\n')
			return false;
	return true;
}

/* A deferred answer. */
static void client_answer(void *sink, struct json_object *reply)
{
	struct client *c = sink;

	c->waiting = NULL;
	client_reply(c, reply);
}

/* Answers the complete lines read, while the client keeps up. */
static void client_process(struct server *srv, struct client *c)
{
	struct json_object *reply;
	struct call *call;
	size_t start = 0, len;
	unsigned int answered = 0;
	char *nl;

	c->more = false;
	while (!c->closing && !c->dead && !c->waiting && c->in_len > start &&
	       client_pending(c) < OUT_MAX) {
		if (answered == REQUESTS_BATCH) {
			c->more = true;		/* the rest next turn */
			break;
		}
		nl = memchr(c->in + start, '\n', c->in_len - start);
		if (!nl && c->in_len - start > DDAD_LINE_MAX) {
			client_reply(c, protocol_error(-E2BIG,
				"request longer than 65536 bytes"));
			c->closing = true;
			start = c->in_len;
			break;
		}
		if (nl)
			len = nl - (c->in + start) + 1;
		else if (c->eof && c->in_len > start)
			len = c->in_len - start;  /* the last, without newline */
		else
			break;
		if (!line_is_blank(c->in + start, len)) {
			answered++;
			reply = protocol_handle(srv->ddad, &c->peer,
						c->in + start, len, &call);
			if (call) {
				/* Answered now if it ended already. */
				c->waiting = call;
				call_bind(call, client_answer, c);
			} else {
				client_reply(c, reply);
			}
		}
		start += len;
	}
	if (start) {
		memmove(c->in, c->in + start, c->in_len - start);
		c->in_len -= start;
	}
}

static void client_service(struct server *srv, struct client *c,
			   short revents)
{
	if (revents & POLLOUT)
		client_flush(c);
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && client_wants_input(c))
		client_read(c);
	client_process(srv, c);
	client_flush(c);

	if (client_pending(c) || c->dead || c->waiting)
		return;
	/* Everything answered: close if nothing more can come. */
	if (c->closing || (c->eof && !c->in_len))
		c->dead = true;
}

/* How many clients uid has. */
static size_t clients_of(const struct server *srv, uid_t uid)
{
	size_t i, n = 0;

	for (i = 0; i < srv->count; i++)
		if (srv->clients[i]->peer.uid == uid)
			n++;
	return n;
}

/* Whether a client of peer's may be taken; logs why not. */
static bool server_admits(struct server *srv, const struct peer *peer)
{
	static uint64_t said;
	uint64_t now = now_ms();
	char why[64];

	if (peer_privileged(peer, &srv->ddad->config))
		return true;
	if (clients_of(srv, peer->uid) >= CLIENTS_PER_USER)
		snprintf(why, sizeof(why), "it has %d already",
			 CLIENTS_PER_USER);
	else if (srv->unprivileged >= CLIENTS_MAX)
		snprintf(why, sizeof(why), "users other than root have %d already",
			 CLIENTS_MAX);
	else
		return true;
	/* Said once a minute at most: a flood of them is one line. */
	if (!said || now - said >= 60000) {
		log_msg(LOG_WARNING, "a connection of uid %u (pid %d) refused: %s",
			(unsigned int)peer->uid, (int)peer->pid, why);
		said = now;
	}
	return false;
}

static void server_accept(struct server *srv)
{
	struct client **clients, *c;
	unsigned int accepted;
	int fd, err;

	for (accepted = 0; accepted < ACCEPT_BATCH; accepted++) {
		fd = accept4(srv->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			log_msg(LOG_ERR, "cannot accept a client: %m");
			/* EMFILE and the like: wait for a client to leave. */
			srv->accept_paused = true;
			return;
		}
		c = calloc(1, sizeof(*c));
		clients = reallocarray(srv->clients, srv->count + 1,
				       sizeof(*clients));
		if (clients)
			srv->clients = clients;
		if (!c || !clients) {
			log_msg(LOG_ERR, "cannot take a client: out of memory");
			free(c);
			close(fd);
			return;
		}
		c->fd = fd;
		err = peer_from_socket(fd, &c->peer);
		if (err) {
			log_msg(LOG_ERR, "cannot read a client's credentials: %s",
				strerror(-err));
			free(c);
			close(fd);
			continue;
		}
		if (!server_admits(srv, &c->peer)) {
			peer_release(&c->peer);
			free(c);
			close(fd);
			continue;
		}
		c->privileged = peer_privileged(&c->peer, &srv->ddad->config);
		c->active = now_ms();
		if (!c->privileged)
			srv->unprivileged++;
		srv->clients[srv->count++] = c;
	}
}

/* Drops the clients idle too long; the ms until the next one would be. */
static int server_idle(struct server *srv)
{
	uint64_t now = now_ms(), next = UINT64_MAX;
	size_t i;

	for (i = 0; i < srv->count; i++) {
		struct client *c = srv->clients[i];

		if (c->waiting || c->in_len || client_pending(c))
			continue;
		if (!c->dead && now - c->active >= IDLE_MS)
			c->dead = true;
		/* The dead go at the end of this turn: no sleeping first. */
		if (c->dead)
			next = now;
		else if (c->active + IDLE_MS < next)
			next = c->active + IDLE_MS;
	}
	return next == UINT64_MAX ? -1 : (int)(next - now);
}

/* Frees the clients that are done with. */
static void server_reap(struct server *srv)
{
	size_t i, kept = 0;

	for (i = 0; i < srv->count; i++) {
		if (srv->clients[i]->dead) {
			if (!srv->clients[i]->privileged)
				srv->unprivileged--;
			client_free(srv->clients[i]);
			srv->accept_paused = false;
		} else {
			srv->clients[kept++] = srv->clients[i];
		}
	}
	srv->count = kept;
}

/*
 * Fills srv->fds: the signals, the listening socket, dda.ko's threads and
 * its events, the guests, the clients.
 */
static int server_poll_set(struct server *srv, nfds_t *nfds)
{
	struct ddad *ddad = srv->ddad;
	size_t i, first_client;
	struct pollfd *fds;
	struct guest **guests;

	/* The processes of the devices given since: watched too. */
	if (holders_sync(ddad))
		return -ENOMEM;
	first_client = POLL_FIXED + ddad->guest_count + ddad->holder_count;
	fds = reallocarray(srv->fds, first_client + srv->count, sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	srv->fds = fds;
	guests = reallocarray(srv->guests, ddad->guest_count + 1,
			      sizeof(*guests));
	if (!guests)
		return -ENOMEM;
	srv->guests = guests;

	fds[POLL_SIGNAL] = (struct pollfd){ .fd = srv->signal_fd,
					    .events = POLLIN };
	fds[POLL_LISTEN] = (struct pollfd){ .fd = srv->listen_fd,
					    .events = POLLIN };
	/* Always listening: root gets in whoever else waits. */
	if (srv->accept_paused)
		fds[POLL_LISTEN].fd = -1;
	fds[POLL_KERNEL] = (struct pollfd){ .fd = kernel_fd(ddad),
					    .events = POLLIN };
	fds[POLL_LIBVIRT] = (struct pollfd){ .fd = libvirt_guests_fd(ddad),
					     .events = POLLIN };
	fds[POLL_EVENTS] = (struct pollfd){ .fd = kernel_view_fd(ddad),
					    .events = POLLIN };
	for (i = 0; i < ddad->guest_count; i++) {
		struct guest *guest = ddad->guests[i];

		guests[i] = guest;
		fds[POLL_FIXED + i].fd = guest->ops->poll_fd(guest,
						&fds[POLL_FIXED + i].events);
	}
	srv->guest_count = ddad->guest_count;
	for (i = 0; i < ddad->holder_count; i++)
		fds[POLL_FIXED + ddad->guest_count + i] = (struct pollfd){
			.fd = ddad->holders[i].exited ? -1 :
			      ddad->holders[i].proc.pidfd,
			.events = POLLIN };
	srv->holder_count = ddad->holder_count;
	for (i = 0; i < srv->count; i++) {
		struct client *c = srv->clients[i];

		fds[first_client + i] = (struct pollfd){ .fd = c->fd };
		if (client_wants_input(c))
			fds[first_client + i].events |= POLLIN;
		if (client_pending(c))
			fds[first_client + i].events |= POLLOUT;
	}
	*nfds = first_client + srv->count;
	return 0;
}

/* Whether guest is still one of the guests (serving others may remove one). */
static bool guest_alive(const struct ddad *ddad, const struct guest *guest)
{
	size_t i;

	for (i = 0; i < ddad->guest_count; i++)
		if (ddad->guests[i] == guest)
			return true;
	return false;
}

/* Removes the socket file, if it is still the one we made. */
static void server_unlink(struct server *srv)
{
	const char *path = srv->ddad->config.socket_path;
	struct stat st;

	if (!lstat(path, &st) && st.st_dev == srv->sock_dev &&
	    st.st_ino == srv->sock_ino)
		unlink(path);
}

static void server_release(struct server *srv)
{
	size_t i;

	server_unlink(srv);
	for (i = 0; i < srv->count; i++)
		client_free(srv->clients[i]);
	free(srv->clients);
	free(srv->fds);
	free(srv->guests);
	close(srv->listen_fd);
}

/*
 * ddad stops: what waits on a guest or dda.ko is answered ESHUTDOWN (the
 * state file keeps what was under way), and the answers go out as far as
 * the clients take them now.
 */
static void server_stop_calls(struct server *srv)
{
	struct ddad *ddad = srv->ddad;
	size_t i;

	jobs_release(ddad);
	kernel_view_release(ddad);
	for (i = ddad->guest_count; i > 0; i--)
		if (ddad->guests[i - 1]->adding)
			guest_destroy(ddad->guests[i - 1]);
	for (i = 0; i < srv->count; i++)
		client_flush(srv->clients[i]);
}

int server_run(struct ddad *ddad, int listen_fd, int signal_fd)
{
	struct server srv = { .ddad = ddad, .listen_fd = listen_fd,
			      .signal_fd = signal_fd };
	struct signalfd_siginfo info;
	struct stat st;
	size_t i, polled, first_client;
	nfds_t nfds;
	int err = 0, n, timeout, idle;
	bool more;

	if (!stat(ddad->config.socket_path, &st)) {
		srv.sock_dev = st.st_dev;
		srv.sock_ino = st.st_ino;
	}
	for (;;) {
		err = server_poll_set(&srv, &nfds);
		if (err) {
			log_msg(LOG_ERR, "out of memory");
			break;
		}
		/* Out of descriptors with no client to wait for: retry. */
		timeout = timers_timeout(ddad);
		if (srv.accept_paused && !srv.count &&
		    (timeout < 0 || timeout > 1000))
			timeout = 1000;
		idle = server_idle(&srv);
		if (idle >= 0 && (timeout < 0 || idle < timeout))
			timeout = idle;
		/* Requests left from the last turn: no waiting. */
		for (i = 0, more = false; i < srv.count; i++)
			more = more || srv.clients[i]->more;
		if (more)
			timeout = 0;
		n = poll(srv.fds, nfds, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			log_msg(LOG_ERR, "poll: %m");
			break;
		}
		if (!n)
			srv.accept_paused = false;
		if (srv.fds[POLL_SIGNAL].revents) {
			if (read(srv.signal_fd, &info, sizeof(info)) ==
			    sizeof(info)) {
				log_msg(LOG_INFO, "SIG%s: exiting",
					sigabbrev_np(info.ssi_signo));
				server_stop_calls(&srv);
				break;
			}
		}

		/* dda.ko's news first: what follows reads the view. */
		if (srv.fds[POLL_EVENTS].revents)
			kernel_view_read(ddad);
		if (srv.fds[POLL_KERNEL].revents)
			kernel_reap(ddad);
		if (srv.fds[POLL_LIBVIRT].revents)
			libvirt_guests_service(ddad);
		for (i = 0; i < srv.guest_count; i++)
			if (srv.fds[POLL_FIXED + i].revents &&
			    guest_alive(ddad, srv.guests[i]))
				srv.guests[i]->ops->service(srv.guests[i],
					srv.fds[POLL_FIXED + i].revents);

		for (i = 0; i < srv.holder_count; i++)
			if (srv.fds[POLL_FIXED + srv.guest_count + i].revents) {
				holders_check(ddad);
				break;
			}

		first_client = POLL_FIXED + srv.guest_count + srv.holder_count;
		polled = srv.count;
		for (i = 0; i < polled; i++)
			if (srv.fds[first_client + i].revents)
				client_service(&srv, srv.clients[i],
					       srv.fds[first_client + i].revents);
		timers_run(ddad);
		jobs_reap(ddad);
		/* Answers that came from the guests or dda.ko, and what follows. */
		for (i = 0; i < srv.count; i++)
			client_service(&srv, srv.clients[i], 0);
		/* Commands the steps queued go out now. */
		for (i = 0; i < ddad->guest_count; i++) {
			struct guest *guest = ddad->guests[i];
			short events;

			if (guest->ops->poll_fd(guest, &events) >= 0 &&
			    (events & POLLOUT))
				guest->ops->service(guest, 0);
		}
		state_save(&ddad->state);
		server_reap(&srv);
		if (srv.fds[POLL_LISTEN].revents)
			server_accept(&srv);
	}

	server_release(&srv);
	return err;
}
