/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * view.h: dda.ko's devices as ddad knows them: a dump, then dda's events
 * applied as they come (view.c; kernel_view.c reads both).
 */
#ifndef DDAD_VIEW_H
#define DDAD_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "libdda.h"

struct view {
	struct dda_device *devs;	/* sorted by address */
	size_t count, size;
};

/* The device at address (canonical), or NULL. */
const struct dda_device *view_find(const struct view *view,
				   const char *address);

/* The view becomes devs[count], a dump. 0 or -ENOMEM (then as it was). */
int view_replace(struct view *view, const struct dda_device *devs,
		 size_t count);

/*
 * Applies an event: the device's state, health, reset and drivers follow
 * it; one that left the bus leaves the view. A device the view did not
 * know comes in with its address and state, *unknown set: the rest of it
 * is to be asked of dda.ko (view_describe()). 0 or -ENOMEM.
 */
int view_apply(struct view *view, const struct dda_event *event,
	       bool *unknown);

/*
 * Fills in what no event carries (its ids, class, IOMMU group, physical
 * function, original driver) from fresh, dda.ko's description of a device
 * in the view; its state and health stay the events'.
 */
void view_describe(struct view *view, const struct dda_device *fresh);

void view_release(struct view *view);

#endif /* DDAD_VIEW_H */
