/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kernel_view.h: ddad's view of dda.ko's devices (view.h), kept from dda's
 * events group (kernel_view.c): a dump when it opens (at start, when
 * dda.ko is loaded again) and again only when events were lost; the dumps
 * and the descriptions of devices the events name but the view does not
 * know run in kernel_start()'s threads, and the events are read without
 * waiting. Nothing here waits on dda.ko.
 */
#ifndef DDAD_KERNEL_VIEW_H
#define DDAD_KERNEL_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "view.h"

struct dda;
struct dda_event;
struct ddad;

enum kernel_view_link {
	KERNEL_VIEW_CLOSED,	/* not open: why says why */
	KERNEL_VIEW_SYNCING,	/* a dump under way, events queued */
	KERNEL_VIEW_READY,
};

typedef void kernel_view_fn(struct ddad *ddad, void *ctx, int err,
			    const char *why);

struct kernel_view_waiter {
	kernel_view_fn *fn;
	void *ctx;
};

struct kernel_view {
	struct view view;
	enum kernel_view_link link;
	struct dda *events;		/* the events handle, or NULL */
	unsigned long long module;	/* /sys/module/dda's inode, 0: none */
	struct dda_event *queue;	/* read while a dump is under way */
	size_t queued, queue_size;
	bool lost;			/* lost again during that dump */
	unsigned int describing;	/* devices being described */
	struct kernel_view_waiter *waiters;	/* until it is ready */
	size_t nwaiters;
	int err;			/* why it is closed: -errno, */
	char why[256];			/* ... and in words */
	unsigned int dumps;		/* asked since ddad started */
};

/*
 * Brings the view up to date without waiting: opens it (dda.ko loaded, or
 * loaded again since), starting a dump, and applies the events pending.
 * 0 when it is ready; -EINPROGRESS while a dump, or the description of a
 * device an event named that the view did not know, is under way
 * (kernel_view_wait()); another -errno when dda.ko cannot be reached,
 * with kernel_view_why() saying why.
 */
int kernel_view_update(struct ddad *ddad);
const char *kernel_view_why(const struct ddad *ddad);

/*
 * fn(ddad, ctx, err, why) once what is under way ends: err 0 when the
 * view is ready. 0 or -ENOMEM.
 */
int kernel_view_wait(struct ddad *ddad, kernel_view_fn *fn, void *ctx);

/* The events socket to poll for POLLIN (-1: none): kernel_view_read(). */
int kernel_view_fd(const struct ddad *ddad);
void kernel_view_read(struct ddad *ddad);

/* Ends the waiters (-ESHUTDOWN) and closes the view. */
void kernel_view_release(struct ddad *ddad);

#endif /* DDAD_KERNEL_VIEW_H */
