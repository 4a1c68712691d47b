/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvirt.h: ddad's libvirt guests, one connection to libvirtd
 * (qemu:///system unless told otherwise) kept open, reopened while libvirtd
 * is down.
 *
 * Requests (attach, detach, query a domain, list domains) are queued and
 * answered later as LIBVIRT_DONE events, with the request's id; libvirt's
 * own events (a domain stopped or started, a device removed) and the
 * connection's state come the same way. Everything arrives through one file
 * descriptor, libvirt_fd(): readable when libvirt_next() has something.
 *
 * Why threads, and not libvirt's event loop hooked into ddad's poll()
 * (virEventRegisterImpl with ddad's fds and timers): that would keep
 * libvirt's events in ddad's loop, but every libvirt call is a synchronous
 * RPC to libvirtd (virConnectOpen, virDomainAttachDeviceFlags,
 * virDomainGetXMLDesc...). A libvirtd that hangs, or is slow to start, would
 * freeze ddad's loop in such a call, however the events are dispatched.
 * So the connection belongs to a worker thread that makes every call, one
 * at a time, and libvirt's default event loop (virEventRegisterDefaultImpl)
 * runs in a thread of its own, for the domain events and the keepalive
 * that closes a connection to a libvirtd that stopped answering (so that a
 * hung call ends). ddad's loop only reads the pipe: nothing libvirtd does
 * can block it. The event callbacks make no RPC.
 *
 * A detach is asynchronous in libvirt (virDomainDetachDeviceAlias returns
 * once QEMU was asked): its LIBVIRT_DONE comes with the DEVICE_REMOVED event
 * of its alias (err 0), or DEVICE_REMOVAL_FAILED (EBUSY), or the domain
 * stopping (ESRCH), or the connection closing (ECONNRESET): then what the
 * domain holds must be asked again (libvirt_query) once reconnected.
 */
#ifndef DDAD_LIBVIRT_H
#define DDAD_LIBVIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libvirt_xml.h"

#define LIBVIRT_URI_DEFAULT	"qemu:///system"

struct libvirt;

enum libvirt_event_type {
	LIBVIRT_CONNECTED,	/* message: the URI */
	LIBVIRT_DISCONNECTED,	/* message: why; retrying */
	LIBVIRT_DONE,		/* a request ended: id, err, message */
	LIBVIRT_STARTED,	/* domain started (or resumed after a restore) */
	LIBVIRT_STOPPED,	/* domain stopped; reason */
	LIBVIRT_DEVICE_REMOVED,	/* domain, alias: any device, not only ours */
	LIBVIRT_DEFINED,	/* domain defined, or its config changed */
	LIBVIRT_UNDEFINED,	/* domain undefined (a running one stays) */
};

enum libvirt_stop_reason {
	LIBVIRT_STOP_SHUTDOWN,	/* the guest shut down, or libvirt stopped it */
	LIBVIRT_STOP_DESTROYED,	/* virsh destroy */
	LIBVIRT_STOP_CRASHED,	/* QEMU died, or the guest crashed */
	LIBVIRT_STOP_OTHER,	/* migrated, saved, failed to start... */
};

struct libvirt_event {
	enum libvirt_event_type type;
	uint64_t id;		/* LIBVIRT_DONE: the request's */
	int err;		/* LIBVIRT_DONE: 0 or a positive errno */
	char *message;		/* why it failed; the URI of CONNECTED */
	char *domain;		/* the domain's name */
	char *alias;		/* DEVICE_REMOVED, DONE of a detach */
	enum libvirt_stop_reason reason;	/* STOPPED */
	/* DONE of libvirt_query(): */
	bool running;
	pid_t pid;		/* its QEMU, 0 when unknown (see libvirt_query) */
	struct libvirt_hostdev *hostdevs;	/* its PCI devices, live XML */
	size_t n_hostdevs;
	/* DONE of libvirt_domains(): every domain's name */
	char **names;
	size_t n_names;
};

/*
 * Starts the threads and the first connection attempt to uri (NULL:
 * LIBVIRT_URI_DEFAULT); a failed one is retried every retry_ms
 * (0: 1000 ms) until libvirt_close(). NULL with errno when the threads
 * cannot be had. libvirt's default event loop is process-wide: one struct
 * libvirt at a time.
 */
struct libvirt *libvirt_open(const char *uri, unsigned int retry_ms);

/* Readable when libvirt_next() has an event; never to be read otherwise. */
int libvirt_fd(const struct libvirt *lv);

/*
 * The next event into *ev (to be released with libvirt_event_release()): 1,
 * or 0 when there is none now. Once libvirt_fd() is readable, read until 0:
 * one wake-up may stand for many events.
 */
int libvirt_next(struct libvirt *lv, struct libvirt_event *ev);

void libvirt_event_release(struct libvirt_event *ev);

/* Whether the connection is up (as of the last event read). */
bool libvirt_connected(const struct libvirt *lv);

#define LIBVIRT_PERSISTENT	(1u << 0)	/* also the domain's config */

/*
 * Requests; each returns its id (never 0), answered by a LIBVIRT_DONE.
 * While disconnected they are answered at once, ENOTCONN. 0 with errno
 * EINVAL for a bad address, ENOMEM.
 *
 * attach: the managed='no' hostdev of the device at address (on vfio-pci
 *   already), alias libvirt_alias(), live (and with LIBVIRT_PERSISTENT, in
 *   the domain's config), then checked in the live XML; EEXIST when the
 *   domain has that alias already.
 * detach: by alias; done when the device is gone (see above).
 * query: whether domain runs, its QEMU's pid (from libvirtd's pid file
 *   /run/libvirt/qemu/NAME.pid, for qemu:///system only: libvirt's API has
 *   none), and its PCI devices from the live XML. ENOENT: no such domain.
 * domains: every domain's name, running or not.
 */
uint64_t libvirt_attach(struct libvirt *lv, const char *domain,
			const char *address, unsigned int flags);
uint64_t libvirt_detach(struct libvirt *lv, const char *domain,
			const char *address, unsigned int flags);
uint64_t libvirt_query(struct libvirt *lv, const char *domain);
uint64_t libvirt_domains(struct libvirt *lv);

/*
 * Stops the threads and closes the connection. A worker stuck in a call to
 * a hung libvirtd is waited for at most LIBVIRT_CLOSE_WAIT_S, then left
 * behind (its memory too: ddad is exiting): false then.
 */
#define LIBVIRT_CLOSE_WAIT_S	10
bool libvirt_close(struct libvirt *lv);

#endif /* DDAD_LIBVIRT_H */
