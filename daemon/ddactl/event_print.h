/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events for people and for scripts, one line each.
 *
 * JSON object of an event, every key always there:
 *
 *	address		string "dddd:bb:dd.f"
 *	old_state	"host", "quarantined" or "assigned": before
 *	state		the same: after
 *	reason		"dismount", "mount", "handover", "reclaim",
 *			"selected", "removed" or "unload"
 *
 * A value from a newer dda.ko that this version has no name for is
 * "unknown".
 */
#ifndef DDA_EVENT_PRINT_H
#define DDA_EVENT_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "libdda.h"

struct json_object;

/* The JSON object of an event, or NULL when out of memory. */
struct json_object *event_json(const struct dda_event *event);

/*
 * Prints an event on one line: "ADDRESS OLD -> NEW (REASON)", or its JSON
 * object. Returns 0, -ENOMEM or -EIO.
 */
int event_print(FILE *f, const struct dda_event *event, bool json);

#endif /* DDA_EVENT_PRINT_H */
