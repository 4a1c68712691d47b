/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kernel.h: dda.ko, through libdda (kernel.c).
 */
#ifndef DDAD_KERNEL_H
#define DDAD_KERNEL_H

#include <stddef.h>

#include "libdda.h"

struct ddad;

/*
 * A handover or a reclaim, which can take long (a reclaim waits until QEMU
 * let go of the device, then resets it): each runs in a thread of its own
 * with a dda handle of its own, and ends in ddad's loop with done().
 */
enum kernel_change {
	KERNEL_HANDOVER,
	KERNEL_RECLAIM,
	KERNEL_HANDOVER_HOLD,	/* dda keeps the group's DMA until RELEASE */
	KERNEL_RELEASE,		/* just before the guest opens it */
	KERNEL_DESCRIBE,	/* one device, as dda.ko says now */
	KERNEL_LIST,		/* every device: a dump (address "") */
};

struct kernel_result {
	int err;		/* 0 or a negative errno */
	char message[256];	/* why it failed: dda.ko's reason */
	struct dda_device dev;	/* the device after, on success */
	struct dda_device *devs;	/* KERNEL_LIST's; freed after done() */
	size_t count;
};

typedef void kernel_done_fn(struct ddad *ddad, void *ctx,
			    const struct kernel_result *result);

/* Sets up the loop's end of the threads' reports: 0 or -errno. */
int kernel_init(struct ddad *ddad);
void kernel_release(struct ddad *ddad);

/* The file descriptor to poll for POLLIN: kernel_reap() then. */
int kernel_fd(const struct ddad *ddad);

/* Starts a change of address; done() follows. 0 or -errno. */
int kernel_start(struct ddad *ddad, enum kernel_change change,
		 const char *address, kernel_done_fn *done, void *ctx);

/* Calls done() of every change that ended. */
void kernel_reap(struct ddad *ddad);

/* How many changes are under way. */
unsigned int kernel_busy(const struct ddad *ddad);

/*
 * The device at address (first) and the other devices of its IOMMU group,
 * as dda.ko says now (dda_group_list(): a dump of that group only, not of
 * every PCI device of the host, which grows with the host): what an assign
 * or an unassign checks. 0 with *devs (to free()) and *count, *count 0
 * when no PCI device has that address; else a negative errno with message
 * saying why.
 */
int kernel_group(const char *address, struct dda_device **devs,
		 size_t *count, char *message, size_t size);

#endif /* DDAD_KERNEL_H */
