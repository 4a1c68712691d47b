// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad's view of dda.ko's devices, kept from dda's events group. The view
 * opens with a dump of every device and then follows the events; it dumps
 * again only when events were lost (the events socket says ENOBUFS; a dump
 * that devices came or went during is asked again by libdda) or when dda.ko
 * was loaded again (/sys/module/dda is another directory then). Dumps, and
 * the description of a device an event names but the view does not know,
 * run in kernel_start()'s threads; the loop only reads the events socket,
 * which never waits. Until they end the view is not whole: status and an
 * assign from a VF pool wait for it, reconciling runs once it is. No
 * request makes ddad dump the host's devices.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "ddad.h"
#include "kernel.h"
#include "kernel_view.h"
#include "libdda.h"
#include "log.h"
#include "reconcile.h"
#include "view.h"

/* Events taken per turn of the loop: dda.ko sends few. */
#define KERNEL_VIEW_BATCH	1024

/* /sys/module/dda's inode: which dda.ko is loaded; 0 for none. */
static unsigned long long module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/dda", &st) ? 0 : st.st_ino;
}

const char *kernel_view_why(const struct ddad *ddad)
{
	return ddad->devices.why;
}

int kernel_view_fd(const struct ddad *ddad)
{
	const struct kernel_view *kv = &ddad->devices;

	return kv->events ? dda_events_fd(kv->events) : -1;
}

int kernel_view_wait(struct ddad *ddad, kernel_view_fn *fn, void *ctx)
{
	struct kernel_view *kv = &ddad->devices;
	struct kernel_view_waiter *more;

	more = reallocarray(kv->waiters, kv->nwaiters + 1, sizeof(*more));
	if (!more)
		return -ENOMEM;
	kv->waiters = more;
	kv->waiters[kv->nwaiters++] = (struct kernel_view_waiter){ fn, ctx };
	return 0;
}

/* Tells the waiters how the dump ended. */
static void kernel_view_notify(struct ddad *ddad, int err, const char *why)
{
	struct kernel_view *kv = &ddad->devices;
	struct kernel_view_waiter *waiters = kv->waiters;
	size_t i, n = kv->nwaiters;

	kv->waiters = NULL;
	kv->nwaiters = 0;
	for (i = 0; i < n; i++)
		waiters[i].fn(ddad, waiters[i].ctx, err, why);
	free(waiters);
}

static void kernel_view_close(struct ddad *ddad, int err, const char *fmt,
			      ...) __attribute__((format(printf, 3, 4)));

static void kernel_view_close(struct ddad *ddad, int err, const char *fmt,
			      ...)
{
	struct kernel_view *kv = &ddad->devices;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kv->why, sizeof(kv->why), fmt, ap);
	va_end(ap);
	kv->err = err;
	if (kv->events)
		dda_close(kv->events);
	kv->events = NULL;
	kv->link = KERNEL_VIEW_CLOSED;
	kv->queued = 0;
	kv->lost = false;
	kv->module = 0;
	view_release(&kv->view);
	/* Descriptions under way still end: kernel_view_described(). */
	kernel_view_notify(ddad, err, kv->why);
}

static void kernel_view_dumped(struct ddad *ddad, void *ctx,
			       const struct kernel_result *result);

/* Asks dda.ko for every device; the events meanwhile are queued. */
static void kernel_view_dump(struct ddad *ddad)
{
	struct kernel_view *kv = &ddad->devices;
	int err;

	kv->link = KERNEL_VIEW_SYNCING;
	kv->queued = 0;
	kv->lost = false;
	kv->dumps++;
	/* Its number goes along: only the last one asked counts. */
	err = kernel_start(ddad, KERNEL_LIST, "", kernel_view_dumped,
			   (void *)(uintptr_t)kv->dumps);
	if (err)
		kernel_view_close(ddad, err, "cannot list dda.ko's devices: %s",
				  strerror(-err));
}

/*
 * The view is whole: no dump and no description under way. Those who
 * waited are told, and what moved meanwhile is settled.
 */
static void kernel_view_whole(struct ddad *ddad)
{
	kernel_view_notify(ddad, 0, "");
	reconcile(ddad);
}

static void kernel_view_described(struct ddad *ddad, void *ctx,
				  const struct kernel_result *result)
{
	struct kernel_view *kv = &ddad->devices;

	(void)ctx;
	kv->describing--;
	/* Gone meanwhile: its event says so, or said so already. */
	if (!result->err && kv->link != KERNEL_VIEW_CLOSED)
		view_describe(&kv->view, &result->dev);
	if (!kv->describing && kv->link == KERNEL_VIEW_READY)
		kernel_view_whole(ddad);
}

/* Applies an event to the view; an unknown device is asked for. */
static int kernel_view_apply(struct ddad *ddad, const struct dda_event *ev)
{
	struct kernel_view *kv = &ddad->devices;
	bool unknown;
	int err;

	err = view_apply(&kv->view, ev, &unknown);
	if (!err && unknown)
		err = kernel_start(ddad, KERNEL_DESCRIBE, ev->address,
				   kernel_view_described, NULL);
	if (!err && unknown)
		kv->describing++;
	return err;
}

static void kernel_view_dumped(struct ddad *ddad, void *ctx,
			       const struct kernel_result *result)
{
	struct kernel_view *kv = &ddad->devices;
	size_t i;
	int err = result->err;

	/* Closed meanwhile, or another dump asked since. */
	if (kv->link != KERNEL_VIEW_SYNCING ||
	    (uintptr_t)ctx != (uintptr_t)kv->dumps)
		return;
	if (err) {
		kernel_view_close(ddad, err, "cannot list dda.ko's devices: %s",
				  result->message);
		log_msg(LOG_WARNING, "%s", kv->why);
		return;
	}
	if (kv->lost) {		/* lost again: this dump is not enough */
		kernel_view_dump(ddad);
		return;
	}
	err = view_replace(&kv->view, result->devs, result->count);
	for (i = 0; !err && i < kv->queued; i++)
		err = kernel_view_apply(ddad, &kv->queue[i]);
	kv->queued = 0;
	if (err) {
		kernel_view_close(ddad, err, "out of memory");
		return;
	}
	kv->link = KERNEL_VIEW_READY;
	log_msg(LOG_DEBUG, "dda.ko's devices known: %zu (dump %u)",
		kv->view.count, kv->dumps);
	if (!kv->describing)
		kernel_view_whole(ddad);
}

/* Keeps an event read during a dump, for after it. */
static int kernel_view_queue(struct kernel_view *kv,
			     const struct dda_event *ev)
{
	if (kv->queued == kv->queue_size) {
		size_t size = kv->queue_size ? 2 * kv->queue_size : 16;
		struct dda_event *more;

		more = reallocarray(kv->queue, size, sizeof(*more));
		if (!more)
			return -ENOMEM;
		kv->queue = more;
		kv->queue_size = size;
	}
	kv->queue[kv->queued++] = *ev;
	return 0;
}

/*
 * Events were lost: those still on the socket came before the loss (the
 * kernel says ENOBUFS before it hands out what it had queued), so older
 * than the dump that follows, and a gap lies after them. Dropped: the
 * events read from here on follow one another without a gap, and applied
 * after the dump, each device ends as its last one says.
 */
static void kernel_view_drop(struct kernel_view *kv)
{
	struct dda_event ev;
	unsigned int n;

	for (n = 0; n < KERNEL_VIEW_BATCH; n++)
		if (dda_event_read(kv->events, &ev) == -EAGAIN)
			return;
}

void kernel_view_read(struct ddad *ddad)
{
	struct kernel_view *kv = &ddad->devices;
	struct dda_event ev;
	unsigned int n;
	int err;

	for (n = 0; kv->events && n < KERNEL_VIEW_BATCH; n++) {
		err = dda_event_read(kv->events, &ev);
		if (err == -EAGAIN)
			return;
		if (err == -EBADMSG) {
			log_msg(LOG_WARNING, "%s", dda_error(kv->events));
			continue;
		}
		if (err == -ENOBUFS) {
			log_msg(LOG_NOTICE, "events of dda.ko were lost: asking for its devices again");
			kernel_view_drop(kv);
			if (kv->link == KERNEL_VIEW_SYNCING)
				kv->lost = true;
			else
				kernel_view_dump(ddad);
			continue;
		}
		if (err) {
			kernel_view_close(ddad, err, "%s",
					  dda_error(kv->events));
			log_msg(LOG_WARNING, "%s", kv->why);
			return;
		}
		if (kv->link == KERNEL_VIEW_SYNCING)
			err = kernel_view_queue(kv, &ev);
		else
			err = kernel_view_apply(ddad, &ev);
		if (err) {
			/* An event not applied: the view is not to be trusted. */
			log_msg(LOG_WARNING, "cannot follow dda.ko's events: %s",
				strerror(-err));
			if (kv->link == KERNEL_VIEW_SYNCING)
				kv->lost = true;
			else
				kernel_view_dump(ddad);
		}
	}
}

/* Opens the events socket and starts the first dump. */
static int kernel_view_open(struct ddad *ddad, unsigned long long module)
{
	struct kernel_view *kv = &ddad->devices;
	int size = ddad->config.events_buffer;
	int err;

	err = dda_events_open(&kv->events);
	if (err) {
		kv->err = err;
		/* -ENOENT: "the dda kernel module is not loaded". */
		if (*dda_error(NULL))
			snprintf(kv->why, sizeof(kv->why), "%s",
				 dda_error(NULL));
		else
			snprintf(kv->why, sizeof(kv->why),
				 "cannot connect to dda.ko: %s", strerror(-err));
		return err;
	}
	if (size && setsockopt(dda_events_fd(kv->events), SOL_SOCKET,
			       SO_RCVBUF, &size, sizeof(size)) < 0)
		log_msg(LOG_WARNING, "cannot set the events socket's buffer: %m");
	kv->module = module;
	kernel_view_dump(ddad);
	return kv->link == KERNEL_VIEW_CLOSED ? kv->err : 0;
}

int kernel_view_update(struct ddad *ddad)
{
	struct kernel_view *kv = &ddad->devices;
	unsigned long long module = module_loaded();

	/* dda.ko unloaded, or another one loaded: what was known is not. */
	if (kv->link != KERNEL_VIEW_CLOSED && module != kv->module) {
		kernel_view_close(ddad, -ENOENT, "the dda kernel module is not loaded");
		log_msg(LOG_NOTICE, "dda.ko was %s", module ? "loaded again" :
			"unloaded");
	}
	if (kv->link == KERNEL_VIEW_CLOSED && kernel_view_open(ddad, module))
		return kv->err;
	kernel_view_read(ddad);
	switch (kv->link) {
	case KERNEL_VIEW_READY:
		return kv->describing ? -EINPROGRESS : 0;
	case KERNEL_VIEW_SYNCING:
		return -EINPROGRESS;
	default:
		return kv->err;
	}
}

void kernel_view_release(struct ddad *ddad)
{
	struct kernel_view *kv = &ddad->devices;

	kernel_view_close(ddad, -ESHUTDOWN, "ddad is stopping");
	free(kv->queue);
	kv->queue = NULL;
	kv->queue_size = 0;
}
