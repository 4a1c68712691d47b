// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad's view of dda.ko's devices: a dump of every PCI device, then dda's
 * events applied to it as they come. Pure bookkeeping: kernel.c reads the
 * dumps and the events and brings them here.
 *
 * A dump is a snapshot; the events read while it was under way may be
 * older or newer than it. They are applied after it, in order: the last
 * event of a device is its latest change, so whatever the snapshot said of
 * it, the device ends as that event says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libdda.h"
#include "view.h"

static int view_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dda_device *)a)->address,
		      ((const struct dda_device *)b)->address);
}

/* The index where address is, or would go; *found says which. */
static size_t view_index(const struct view *view, const char *address,
			 bool *found)
{
	size_t lo = 0, hi = view->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(view->devs[mid].address, address);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct dda_device *view_find(const struct view *view,
				   const char *address)
{
	bool found;
	size_t i = view_index(view, address, &found);

	return found ? &view->devs[i] : NULL;
}

int view_replace(struct view *view, const struct dda_device *devs,
		 size_t count)
{
	struct dda_device *copy = NULL;

	if (count) {
		copy = malloc(count * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, devs, count * sizeof(*copy));
		qsort(copy, count, sizeof(*copy), view_cmp);
	}
	free(view->devs);
	view->devs = copy;
	view->count = count;
	view->size = count;
	return 0;
}

/* The drivers of a device that goes to state for reason. */
static void view_driver(struct dda_device *dev, enum dda_state state,
			enum dda_reason reason)
{
	/* Dismounted: the driver it had is the one it goes back to. */
	if (dev->state == DDA_STATE_HOST && state != DDA_STATE_HOST)
		memcpy(dev->original_driver, dev->driver,
		       sizeof(dev->original_driver));
	if (state == DDA_STATE_QUARANTINED)
		snprintf(dev->driver, sizeof(dev->driver), "dda");
	else if (state == DDA_STATE_ASSIGNED)
		snprintf(dev->driver, sizeof(dev->driver), "vfio-pci");
	else if (reason == DDA_REASON_MOUNT || reason == DDA_REASON_UNLOAD)
		memcpy(dev->driver, dev->original_driver, sizeof(dev->driver));
	else
		dev->driver[0] = '\0';
	if (state == DDA_STATE_HOST)
		dev->original_driver[0] = '\0';
}

int view_apply(struct view *view, const struct dda_event *event,
	       bool *unknown)
{
	struct dda_device *dev;
	bool found;
	size_t i = view_index(view, event->address, &found);

	*unknown = false;
	if (event->reason == DDA_REASON_REMOVED &&
	    event->state == DDA_STATE_HOST) {
		if (found) {
			memmove(&view->devs[i], &view->devs[i + 1],
				(view->count - i - 1) * sizeof(*view->devs));
			view->count--;
		}
		return 0;
	}
	if (!found) {
		/* With the host and not known: nothing to know of it. */
		if (event->state == DDA_STATE_HOST)
			return 0;
		if (view->count == view->size) {
			size_t size = view->size ? 2 * view->size : 16;
			struct dda_device *more;

			more = reallocarray(view->devs, size, sizeof(*more));
			if (!more)
				return -ENOMEM;
			view->devs = more;
			view->size = size;
		}
		memmove(&view->devs[i + 1], &view->devs[i],
			(view->count - i) * sizeof(*view->devs));
		view->count++;
		view->devs[i] = (struct dda_device){ .iommu_group = -1 };
		memcpy(view->devs[i].address, event->address,
		       sizeof(view->devs[i].address));
		*unknown = true;
	}
	dev = &view->devs[i];
	view_driver(dev, event->state, event->reason);
	dev->state = event->state;
	/* dda.ko tells the health with every event; the reset, if one ran. */
	dev->health = event->health;
	if (event->reset) {
		dev->reset_method = event->reset_method;
		dev->reset_usec = event->reset_usec;
	}
	/* A window ended: the group has an owner again. */
	if (event->window_usec) {
		dev->window_usec = event->window_usec;
		dev->unowned_usec = 0;
	}
	return 0;
}

void view_describe(struct view *view, const struct dda_device *fresh)
{
	struct dda_device *dev;
	bool found;
	size_t i = view_index(view, fresh->address, &found);

	if (!found)
		return;
	/* What no event carries; the state and health are the events'. */
	dev = &view->devs[i];
	dev->vendor = fresh->vendor;
	dev->device = fresh->device;
	dev->subsys_vendor = fresh->subsys_vendor;
	dev->subsys_device = fresh->subsys_device;
	dev->class_code = fresh->class_code;
	dev->iommu_group = fresh->iommu_group;
	memcpy(dev->physfn, fresh->physfn, sizeof(dev->physfn));
	memcpy(dev->original_driver, fresh->original_driver,
	       sizeof(dev->original_driver));
	if (fresh->state == dev->state)
		memcpy(dev->driver, fresh->driver, sizeof(dev->driver));
}

void view_release(struct view *view)
{
	free(view->devs);
	view->devs = NULL;
	view->count = view->size = 0;
}
