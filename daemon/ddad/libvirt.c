// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvirt.c: ddad's libvirt guests (see libvirt.h): a worker thread owning
 * the connection and making every call, libvirt's default event loop in a
 * thread of its own, and a pipe to ddad's loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "libvirt.h"

/* Keepalive: a libvirtd silent for 5 s, 3 times over, is closed. */
#define KEEPALIVE_INTERVAL_S	5
#define KEEPALIVE_COUNT		3

enum request_type { REQ_ATTACH, REQ_DETACH, REQ_QUERY, REQ_DOMAINS };

struct request {
	struct request *next;
	enum request_type type;
	uint64_t id;
	char *domain;
	char address[DDA_ADDRESS_LEN + 1];
	unsigned int flags;
};

/* A detach libvirt accepted, waiting for its event. */
struct pending {
	struct pending *next;
	uint64_t id;
	char *domain;
	char alias[LIBVIRT_ALIAS_LEN];
};

struct queued {
	struct queued *next;
	struct libvirt_event ev;
};

struct libvirt {
	char *uri;
	unsigned int retry_ms;
	int pipe[2];
	pthread_t worker, loop;
	atomic_bool loop_stop;

	pthread_mutex_t lock;	/* everything below */
	pthread_cond_t cond;
	bool stop, up, lost, worker_done;
	uint64_t next_id;
	struct request *requests, **requests_tail;
	struct queued *events, **events_tail;
	struct pending *pending;

	/* The worker's alone. */
	virConnectPtr conn;
	int cb[3];

	/* The caller's alone: as of the last event read. */
	bool connected;
};

static pthread_once_t event_impl_once = PTHREAD_ONCE_INIT;
static int event_impl_rc;

static void quiet(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

static void event_impl_register(void)
{
	/* libvirt prints every error on stderr unless told otherwise. */
	virSetErrorFunc(NULL, quiet);
	event_impl_rc = virEventRegisterDefaultImpl();
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static __attribute__((format(printf, 1, 2))) char *fmt(const char *f, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* libvirt's last error of this thread, as one line. */
static const char *lv_error(void)
{
	const char *m = virGetLastErrorMessage();

	return m && *m ? m : "unknown libvirt error";
}

/* Queue ev (taken over) for the caller. Call with lv->lock held. */
static void post_locked(struct libvirt *lv, struct libvirt_event *ev)
{
	struct queued *q = calloc(1, sizeof(*q));
	ssize_t r;

	if (!q) {
		libvirt_event_release(ev);
		return;
	}
	q->ev = *ev;
	*lv->events_tail = q;
	lv->events_tail = &q->next;
	/* The pipe holds a byte whenever events is not empty. */
	r = write(lv->pipe[1], "", 1);
	(void)r;
}

static void post(struct libvirt *lv, struct libvirt_event *ev)
{
	pthread_mutex_lock(&lv->lock);
	post_locked(lv, ev);
	pthread_mutex_unlock(&lv->lock);
}

static void post_done(struct libvirt *lv, uint64_t id, int err,
		      char *message)
{
	struct libvirt_event ev = {
		.type = LIBVIRT_DONE, .id = id, .err = err, .message = message,
	};

	post(lv, &ev);
}

/* End every pending detach matching domain (NULL: all) and alias (NULL:
 * any) with err. Call with lv->lock held. */
static void pending_end_locked(struct libvirt *lv, const char *domain,
			       const char *alias, int err, const char *why)
{
	struct pending **pp = &lv->pending, *p;

	while ((p = *pp)) {
		if ((domain && strcmp(p->domain, domain)) ||
		    (alias && strcmp(p->alias, alias))) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		struct libvirt_event ev = {
			.type = LIBVIRT_DONE, .id = p->id, .err = err,
			.domain = p->domain, .alias = strdup(p->alias),
			.message = err ? fmt("%s: %s %s", p->domain, p->alias, why) : NULL,
		};
		post_locked(lv, &ev);
		free(p);
	}
}

/* --- libvirt's events, in the event loop's thread: no RPC here ------------ */

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event,
			int detail, void *opaque)
{
	struct libvirt *lv = opaque;
	struct libvirt_event ev = { .domain = xstrdup(virDomainGetName(dom)) };

	(void)conn;
	switch (event) {
	case VIR_DOMAIN_EVENT_DEFINED:
		ev.type = LIBVIRT_DEFINED;
		break;
	case VIR_DOMAIN_EVENT_UNDEFINED:
		ev.type = LIBVIRT_UNDEFINED;
		break;
	case VIR_DOMAIN_EVENT_STARTED:
		ev.type = LIBVIRT_STARTED;
		break;
	case VIR_DOMAIN_EVENT_STOPPED:
		ev.type = LIBVIRT_STOPPED;
		switch (detail) {
		case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
			ev.reason = LIBVIRT_STOP_SHUTDOWN;
			break;
		case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
			ev.reason = LIBVIRT_STOP_DESTROYED;
			break;
		case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
		case VIR_DOMAIN_EVENT_STOPPED_FAILED:
			ev.reason = LIBVIRT_STOP_CRASHED;
			break;
		default:
			ev.reason = LIBVIRT_STOP_OTHER;
			break;
		}
		break;
	default:
		free(ev.domain);
		return 0;
	}
	pthread_mutex_lock(&lv->lock);
	/* Its QEMU is gone: so is every device a detach waited for. */
	if (ev.type == LIBVIRT_STOPPED && ev.domain)
		pending_end_locked(lv, ev.domain, NULL, ESRCH,
				   "not removed: the domain stopped first");
	post_locked(lv, &ev);
	pthread_mutex_unlock(&lv->lock);
	return 0;
}

static void on_removed(virConnectPtr conn, virDomainPtr dom,
		       const char *alias, void *opaque)
{
	struct libvirt *lv = opaque;
	struct libvirt_event ev = {
		.type = LIBVIRT_DEVICE_REMOVED,
		.domain = xstrdup(virDomainGetName(dom)),
		.alias = xstrdup(alias),
	};

	(void)conn;
	pthread_mutex_lock(&lv->lock);
	if (ev.domain && ev.alias)
		pending_end_locked(lv, ev.domain, ev.alias, 0, NULL);
	post_locked(lv, &ev);
	pthread_mutex_unlock(&lv->lock);
}

static void on_removal_failed(virConnectPtr conn, virDomainPtr dom,
			      const char *alias, void *opaque)
{
	struct libvirt *lv = opaque;
	const char *name = virDomainGetName(dom);

	(void)conn;
	if (!name || !alias)
		return;
	pthread_mutex_lock(&lv->lock);
	pending_end_locked(lv, name, alias, EBUSY,
			   "not removed: the guest or QEMU refused (DEVICE_REMOVAL_FAILED)");
	pthread_mutex_unlock(&lv->lock);
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct libvirt *lv = opaque;

	(void)conn;
	(void)reason;
	pthread_mutex_lock(&lv->lock);
	lv->lost = true;
	pthread_cond_broadcast(&lv->cond);
	pthread_mutex_unlock(&lv->lock);
}

static void *loop_main(void *arg)
{
	struct libvirt *lv = arg;

	while (!atomic_load(&lv->loop_stop))
		virEventRunDefaultImpl();
	return NULL;
}

static void wake_loop_cb(int timer, void *opaque)
{
	(void)opaque;
	virEventRemoveTimeout(timer);
}

/* --- the worker ------------------------------------------------------------ */

static void disconnect(struct libvirt *lv, char *why)
{
	struct libvirt_event ev = { .type = LIBVIRT_DISCONNECTED, .message = why };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (lv->cb[i] >= 0)
			virConnectDomainEventDeregisterAny(lv->conn, lv->cb[i]);
		lv->cb[i] = -1;
	}
	virConnectUnregisterCloseCallback(lv->conn, on_close);
	virConnectClose(lv->conn);
	lv->conn = NULL;
	pthread_mutex_lock(&lv->lock);
	lv->up = false;
	lv->lost = false;
	pending_end_locked(lv, NULL, NULL, ECONNRESET,
			   "unknown: the connection to libvirtd closed before its removal");
	post_locked(lv, &ev);
	pthread_mutex_unlock(&lv->lock);
}

/* One attempt; true when connected. said: whether this failure was told. */
static bool try_connect(struct libvirt *lv, bool *said)
{
	struct libvirt_event ev = { 0 };
	virConnectPtr conn;

	conn = virConnectOpen(lv->uri);
	if (!conn) {
		if (!*said) {
			ev.type = LIBVIRT_DISCONNECTED;
			ev.message = fmt("cannot connect to %s: %s; retrying",
					 lv->uri, lv_error());
			post(lv, &ev);
			*said = true;
		}
		return false;
	}
	lv->conn = conn;
	virConnectRegisterCloseCallback(conn, on_close, lv, NULL);
	/* 1: the driver needs none (local); -1: libvirtd too old. */
	virConnectSetKeepAlive(conn, KEEPALIVE_INTERVAL_S, KEEPALIVE_COUNT);
	lv->cb[0] = virConnectDomainEventRegisterAny(conn, NULL,
		VIR_DOMAIN_EVENT_ID_LIFECYCLE,
		VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), lv, NULL);
	lv->cb[1] = virConnectDomainEventRegisterAny(conn, NULL,
		VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
		VIR_DOMAIN_EVENT_CALLBACK(on_removed), lv, NULL);
	lv->cb[2] = virConnectDomainEventRegisterAny(conn, NULL,
		VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED,
		VIR_DOMAIN_EVENT_CALLBACK(on_removal_failed), lv, NULL);
	if (lv->cb[0] < 0 || lv->cb[1] < 0 || lv->cb[2] < 0) {
		/* Without its events a guest's end would go unseen. */
		char *why = fmt("%s gives no domain events: %s; retrying",
				lv->uri, lv_error());

		pthread_mutex_lock(&lv->lock);
		lv->up = true;
		pthread_mutex_unlock(&lv->lock);
		disconnect(lv, why);
		*said = true;
		return false;
	}
	*said = false;
	pthread_mutex_lock(&lv->lock);
	lv->up = true;
	ev.type = LIBVIRT_CONNECTED;
	ev.message = strdup(lv->uri);
	post_locked(lv, &ev);
	pthread_mutex_unlock(&lv->lock);
	return true;
}

/* The domain, or NULL with *err and *msg set. */
static virDomainPtr lookup(struct libvirt *lv, const char *name, int *err,
			   char **msg)
{
	virDomainPtr dom = virDomainLookupByName(lv->conn, name);
	virErrorPtr e;

	if (dom)
		return dom;
	e = virGetLastError();
	*err = e && e->code == VIR_ERR_NO_DOMAIN ? ENOENT : EIO;
	*msg = *err == ENOENT ? fmt("libvirt has no domain '%s'", name) :
		fmt("cannot look up domain '%s': %s", name, lv_error());
	return NULL;
}

/* The PCI devices of dom's live XML; -1 with *msg. */
static int live_hostdevs(virDomainPtr dom, const char *name,
			 struct libvirt_hostdev **out, char **msg)
{
	char err[256], *xml = virDomainGetXMLDesc(dom, 0);
	int n;

	if (!xml) {
		*msg = fmt("cannot read domain '%s''s XML: %s", name, lv_error());
		return -1;
	}
	n = libvirt_hostdevs(xml, strlen(xml), out, err, sizeof(err));
	free(xml);
	if (n < 0)
		*msg = fmt("domain '%s''s XML: %s", name, err);
	return n;
}

static const struct libvirt_hostdev *find_alias(const struct libvirt_hostdev *hd,
						int n, const char *alias)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(hd[i].alias, alias))
			return &hd[i];
	return NULL;
}

static unsigned int affect(unsigned int flags)
{
	return VIR_DOMAIN_AFFECT_LIVE |
		(flags & LIBVIRT_PERSISTENT ? VIR_DOMAIN_AFFECT_CONFIG : 0);
}

static void do_attach(struct libvirt *lv, struct request *r)
{
	struct libvirt_hostdev *hd = NULL;
	const struct libvirt_hostdev *found;
	char alias[LIBVIRT_ALIAS_LEN], *xml, *msg = NULL;
	virDomainPtr dom;
	int err = 0, n;

	dom = lookup(lv, r->domain, &err, &msg);
	if (!dom)
		goto out;
	libvirt_alias(r->address, alias);
	n = live_hostdevs(dom, r->domain, &hd, &msg);
	if (n < 0) {
		err = EIO;
		goto out;
	}
	if (find_alias(hd, n, alias)) {
		err = EEXIST;
		msg = fmt("domain '%s' has %s already", r->domain, alias);
		goto out;
	}
	free(hd);
	hd = NULL;
	xml = libvirt_hostdev_xml(r->address);
	if (!xml || virDomainAttachDeviceFlags(dom, xml, affect(r->flags)) < 0) {
		err = xml ? EIO : ENOMEM;
		msg = fmt("cannot attach %s to domain '%s': %s", r->address,
			  r->domain, xml ? lv_error() : "out of memory");
		free(xml);
		goto out;
	}
	free(xml);
	/* Proof, not libvirt's word: the live XML has it, at its address. */
	n = live_hostdevs(dom, r->domain, &hd, &msg);
	found = n > 0 ? find_alias(hd, n, alias) : NULL;
	if (!found || strcmp(found->address, r->address) || found->managed) {
		err = EIO;
		free(msg);
		msg = fmt("libvirt attached %s to domain '%s', but its live XML has no managed='no' hostdev %s of it",
			  r->address, r->domain, alias);
	}
out:
	free(hd);
	if (dom)
		virDomainFree(dom);
	struct libvirt_event ev = {
		.type = LIBVIRT_DONE, .id = r->id, .err = err, .message = msg,
		.domain = strdup(r->domain),
	};
	post(lv, &ev);
}

static void do_detach(struct libvirt *lv, struct request *r)
{
	struct pending *p = calloc(1, sizeof(*p));
	char *msg = NULL;
	virDomainPtr dom;
	int err = 0;

	dom = lookup(lv, r->domain, &err, &msg);
	if (!p || !dom) {
		if (!p) {
			err = ENOMEM;
			msg = NULL;
		}
		free(p);
		if (dom)
			virDomainFree(dom);
		post_done(lv, r->id, err, msg);
		return;
	}
	p->id = r->id;
	p->domain = strdup(r->domain);
	libvirt_alias(r->address, p->alias);
	/* Waiting before asking: the event may come before the answer. */
	pthread_mutex_lock(&lv->lock);
	p->next = lv->pending;
	lv->pending = p;
	pthread_mutex_unlock(&lv->lock);
	if (virDomainDetachDeviceAlias(dom, p->alias, affect(r->flags)) < 0) {
		virErrorPtr e = virGetLastError();
		char *why = fmt("cannot be detached: %s", lv_error());
		struct pending **pp;

		err = e && e->code == VIR_ERR_DEVICE_MISSING ? ENOENT : EIO;
		pthread_mutex_lock(&lv->lock);
		/* Still waiting (no event came meanwhile): it ends here. */
		for (pp = &lv->pending; *pp; pp = &(*pp)->next) {
			if ((*pp)->id == r->id) {
				pending_end_locked(lv, r->domain, p->alias, err,
						   why ? why : "cannot be detached");
				break;
			}
		}
		pthread_mutex_unlock(&lv->lock);
		free(why);
	}
	virDomainFree(dom);
}

static pid_t qemu_pid(struct libvirt *lv, const char *name)
{
	char path[4096], buf[32];
	ssize_t n;
	long pid;
	int fd;

	/* libvirtd's own pid file: only the system instance's path is known. */
	if (strcmp(lv->uri, "qemu:///system") || strchr(name, '/'))
		return 0;
	if (snprintf(path, sizeof(path), "/run/libvirt/qemu/%s.pid", name) >= (int)sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	pid = strtol(buf, NULL, 10);
	return pid > 1 ? (pid_t)pid : 0;
}

static void do_query(struct libvirt *lv, struct request *r)
{
	struct libvirt_event ev = { .type = LIBVIRT_DONE, .id = r->id };
	virDomainPtr dom;
	int n;

	ev.domain = strdup(r->domain);
	dom = lookup(lv, r->domain, &ev.err, &ev.message);
	if (!dom) {
		post(lv, &ev);
		return;
	}
	n = virDomainIsActive(dom);
	if (n < 0) {
		ev.err = EIO;
		ev.message = fmt("cannot tell whether domain '%s' runs: %s",
				 r->domain, lv_error());
	} else {
		ev.running = n;
		n = live_hostdevs(dom, r->domain, &ev.hostdevs, &ev.message);
		if (n < 0)
			ev.err = EIO;
		else
			ev.n_hostdevs = n;
		if (ev.running)
			ev.pid = qemu_pid(lv, r->domain);
	}
	virDomainFree(dom);
	post(lv, &ev);
}

static void do_domains(struct libvirt *lv, struct request *r)
{
	struct libvirt_event ev = { .type = LIBVIRT_DONE, .id = r->id };
	virDomainPtr *doms = NULL;
	int n, i;

	n = virConnectListAllDomains(lv->conn, &doms, 0);
	if (n < 0) {
		ev.err = EIO;
		ev.message = fmt("cannot list libvirt's domains: %s", lv_error());
	} else {
		ev.names = calloc(n ? n : 1, sizeof(*ev.names));
		for (i = 0; i < n; i++) {
			if (ev.names)
				ev.names[ev.n_names++] = xstrdup(virDomainGetName(doms[i]));
			virDomainFree(doms[i]);
		}
		free(doms);
		if (!ev.names) {
			ev.err = ENOMEM;
			ev.n_names = 0;
		}
	}
	post(lv, &ev);
}

static void request_free(struct request *r)
{
	free(r->domain);
	free(r);
}

static void *worker_main(void *arg)
{
	struct libvirt *lv = arg;
	bool said = false;
	struct request *r;
	struct timespec ts;

	pthread_mutex_lock(&lv->lock);
	while (!lv->stop) {
		if (!lv->up) {
			pthread_mutex_unlock(&lv->lock);
			try_connect(lv, &said);
			pthread_mutex_lock(&lv->lock);
			if (lv->up || lv->stop)
				continue;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += lv->retry_ms / 1000;
			ts.tv_nsec += (long)(lv->retry_ms % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&lv->cond, &lv->lock, &ts);
			continue;
		}
		if (lv->lost) {
			pthread_mutex_unlock(&lv->lock);
			disconnect(lv, fmt("the connection to %s closed; reconnecting", lv->uri));
			said = true;
			pthread_mutex_lock(&lv->lock);
			continue;
		}
		r = lv->requests;
		if (!r) {
			pthread_cond_wait(&lv->cond, &lv->lock);
			continue;
		}
		lv->requests = r->next;
		if (!lv->requests)
			lv->requests_tail = &lv->requests;
		pthread_mutex_unlock(&lv->lock);
		switch (r->type) {
		case REQ_ATTACH:
			do_attach(lv, r);
			break;
		case REQ_DETACH:
			do_detach(lv, r);
			break;
		case REQ_QUERY:
			do_query(lv, r);
			break;
		case REQ_DOMAINS:
			do_domains(lv, r);
			break;
		}
		request_free(r);
		pthread_mutex_lock(&lv->lock);
	}
	pthread_mutex_unlock(&lv->lock);
	if (lv->conn)
		disconnect(lv, NULL);
	pthread_mutex_lock(&lv->lock);
	lv->worker_done = true;
	pthread_cond_broadcast(&lv->cond);
	pthread_mutex_unlock(&lv->lock);
	return NULL;
}

/* --- the caller's side ------------------------------------------------------ */

struct libvirt *libvirt_open(const char *uri, unsigned int retry_ms)
{
	struct libvirt *lv = calloc(1, sizeof(*lv));
	int err;

	if (!lv)
		return NULL;
	pthread_once(&event_impl_once, event_impl_register);
	if (event_impl_rc < 0) {
		free(lv);
		errno = EIO;
		return NULL;
	}
	lv->uri = strdup(uri ? uri : LIBVIRT_URI_DEFAULT);
	lv->retry_ms = retry_ms ? retry_ms : 1000;
	lv->requests_tail = &lv->requests;
	lv->events_tail = &lv->events;
	lv->next_id = 1;
	lv->cb[0] = lv->cb[1] = lv->cb[2] = -1;
	pthread_mutex_init(&lv->lock, NULL);
	pthread_cond_init(&lv->cond, NULL);
	if (!lv->uri || pipe2(lv->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		err = lv->uri ? errno : ENOMEM;
		free(lv->uri);
		free(lv);
		errno = err;
		return NULL;
	}
	err = pthread_create(&lv->loop, NULL, loop_main, lv);
	if (err)
		goto fail;
	err = pthread_create(&lv->worker, NULL, worker_main, lv);
	if (err) {
		atomic_store(&lv->loop_stop, true);
		virEventAddTimeout(0, wake_loop_cb, NULL, NULL);
		pthread_join(lv->loop, NULL);
		goto fail;
	}
	return lv;
fail:
	close(lv->pipe[0]);
	close(lv->pipe[1]);
	free(lv->uri);
	free(lv);
	errno = err;
	return NULL;
}

int libvirt_fd(const struct libvirt *lv)
{
	return lv->pipe[0];
}

bool libvirt_connected(const struct libvirt *lv)
{
	return lv->connected;
}

int libvirt_next(struct libvirt *lv, struct libvirt_event *ev)
{
	struct queued *q;
	char buf[256];

	pthread_mutex_lock(&lv->lock);
	q = lv->events;
	if (!q) {
		/* Empty: the pipe's bytes are all stale. */
		while (read(lv->pipe[0], buf, sizeof(buf)) > 0)
			;
		pthread_mutex_unlock(&lv->lock);
		return 0;
	}
	lv->events = q->next;
	if (!lv->events)
		lv->events_tail = &lv->events;
	pthread_mutex_unlock(&lv->lock);
	*ev = q->ev;
	free(q);
	if (ev->type == LIBVIRT_CONNECTED)
		lv->connected = true;
	else if (ev->type == LIBVIRT_DISCONNECTED)
		lv->connected = false;
	return 1;
}

void libvirt_event_release(struct libvirt_event *ev)
{
	size_t i;

	free(ev->message);
	free(ev->domain);
	free(ev->alias);
	free(ev->hostdevs);
	for (i = 0; i < ev->n_names; i++)
		free(ev->names[i]);
	free(ev->names);
	memset(ev, 0, sizeof(*ev));
}

static uint64_t request(struct libvirt *lv, enum request_type type,
			const char *domain, const char *address,
			unsigned int flags)
{
	struct request *r;
	uint64_t id;

	if (address && dda_address_parse(address, (char[DDA_ADDRESS_LEN + 1]){ 0 }) < 0) {
		errno = EINVAL;
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r || (domain && !(r->domain = strdup(domain)))) {
		free(r);
		errno = ENOMEM;
		return 0;
	}
	r->type = type;
	r->flags = flags;
	if (address)
		dda_address_parse(address, r->address);
	pthread_mutex_lock(&lv->lock);
	id = r->id = lv->next_id++;
	if (!lv->up) {
		struct libvirt_event ev = {
			.type = LIBVIRT_DONE, .id = id, .err = ENOTCONN,
			.domain = xstrdup(domain),
			.message = fmt("libvirtd is not reachable at %s", lv->uri),
		};

		post_locked(lv, &ev);
		pthread_mutex_unlock(&lv->lock);
		request_free(r);
		return id;
	}
	*lv->requests_tail = r;
	lv->requests_tail = &r->next;
	pthread_cond_broadcast(&lv->cond);
	pthread_mutex_unlock(&lv->lock);
	return id;
}

uint64_t libvirt_attach(struct libvirt *lv, const char *domain,
			const char *address, unsigned int flags)
{
	if (!domain || !address) {
		errno = EINVAL;
		return 0;
	}
	return request(lv, REQ_ATTACH, domain, address, flags);
}

uint64_t libvirt_detach(struct libvirt *lv, const char *domain,
			const char *address, unsigned int flags)
{
	if (!domain || !address) {
		errno = EINVAL;
		return 0;
	}
	return request(lv, REQ_DETACH, domain, address, flags);
}

uint64_t libvirt_query(struct libvirt *lv, const char *domain)
{
	if (!domain) {
		errno = EINVAL;
		return 0;
	}
	return request(lv, REQ_QUERY, domain, NULL, 0);
}

uint64_t libvirt_domains(struct libvirt *lv)
{
	return request(lv, REQ_DOMAINS, NULL, NULL, 0);
}

bool libvirt_close(struct libvirt *lv)
{
	struct libvirt_event ev;
	struct request *r;
	struct pending *p;
	struct timespec ts;
	bool done;

	if (!lv)
		return true;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += LIBVIRT_CLOSE_WAIT_S;
	pthread_mutex_lock(&lv->lock);
	lv->stop = true;
	pthread_cond_broadcast(&lv->cond);
	while (!lv->worker_done &&
	       pthread_cond_timedwait(&lv->cond, &lv->lock, &ts) != ETIMEDOUT)
		;
	done = lv->worker_done;
	pthread_mutex_unlock(&lv->lock);
	if (!done) {
		/* Stuck in a call to a hung libvirtd: leave it (and lv) be. */
		pthread_detach(lv->worker);
		pthread_detach(lv->loop);
		return false;
	}
	pthread_join(lv->worker, NULL);
	atomic_store(&lv->loop_stop, true);
	virEventAddTimeout(0, wake_loop_cb, NULL, NULL);
	pthread_join(lv->loop, NULL);

	while ((r = lv->requests)) {
		lv->requests = r->next;
		request_free(r);
	}
	while ((p = lv->pending)) {
		lv->pending = p->next;
		free(p->domain);
		free(p);
	}
	while (libvirt_next(lv, &ev))
		libvirt_event_release(&ev);
	close(lv->pipe[0]);
	close(lv->pipe[1]);
	pthread_mutex_destroy(&lv->lock);
	pthread_cond_destroy(&lv->cond);
	free(lv->uri);
	free(lv);
	return true;
}
