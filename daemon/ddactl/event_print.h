/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events for people and for scripts, one line each.
 *
 * JSON object of an event:
 *
 *	address		string "dddd:bb:dd.f"
 *	old_state	"host", "quarantined" or "assigned": before
 *	state		the same: after
 *	reason		"dismount", "mount", "handover", "reclaim",
 *			"selected", "removed", "unload", "reset",
 *			"owned" (vfio's user claimed the group's DMA) or
 *			"release" (dda let go of the DMA of a group it
 *			held since a handover with hold) or "hold" (the
 *			user of a group so released let go of it: dda
 *			holds its DMA again)
 *
 * and, only when the change ended a window between owners (reclaim,
 * owned, hold):
 *
 *	window_usec	integer: that window, in microseconds (an upper
 *			bound)
 *
 * and, only when the change reset the device:
 *
 *	reset_method	the PCI core's method, "none" when it has none
 *	reset_usec	integer: how long the reset took
 *	health		"ok", "reset_failed" or "no_answer"
 *
 * A value from a newer dda.ko that this version has no name for is
 * "unknown".
 */
#ifndef DDA_EVENT_PRINT_H
#define DDA_EVENT_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "libdda.h"

/*
 * Prints an event on one line: "ADDRESS OLD -> NEW (REASON[, RESET])", or
 * its JSON object. Returns 0, -ENOMEM or -EIO.
 */
int event_print(FILE *f, const struct dda_event *event, bool json);

#endif /* DDA_EVENT_PRINT_H */
