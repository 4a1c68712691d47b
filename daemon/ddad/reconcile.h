/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * reconcile.h: state.json, dda.ko and the guests brought in line; what to
 * do with each device, reconcile_decide(), is in rules.h (reconcile.c).
 */
#ifndef DDAD_RECONCILE_H
#define DDAD_RECONCILE_H

#include <stdbool.h>

#include "process.h"
#include "rules.h"

struct ddad;
struct state_device;

/* A QEMU process that holds devices, watched. */
struct holder {
	struct process proc;
	bool exited;
};

/*
 * The processes holding devices: each assigned record's QEMU process,
 * watched by its pidfd. Brought in line with the records; 0 or -ENOMEM.
 */
int holders_sync(struct ddad *ddad);
void holders_release(struct ddad *ddad);

/* What the kernel says of the process of a record. */
enum holder_view holder_view_of(struct ddad *ddad,
				const struct state_device *rec);

/* A pidfd readable: holders that exited have their devices reclaimed. */
void holders_check(struct ddad *ddad);

/*
 * Brings the records without a job in line with dda.ko and the guests:
 * at start, when a guest's devices become known, when one is gone.
 */
void reconcile(struct ddad *ddad);

#endif /* DDAD_RECONCILE_H */
