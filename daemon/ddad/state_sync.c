// SPDX-License-Identifier: GPL-2.0-only
/*
 * The records brought in line with what dda.ko reports.
 */
#include <string.h>

#include "libdda.h"
#include "operation.h"
#include "state.h"
#include "state_sync.h"

static bool is_held(enum dda_state st)
{
	return st == DDA_STATE_QUARANTINED || st == DDA_STATE_ASSIGNED;
}

bool state_sync(struct state *state, const struct dda_device *devs,
		size_t count, time_t now)
{
	struct state_device *entry;
	bool changed = false;
	size_t i, j;

	/* Entries of devices that left quarantine and assignment go. */
	for (i = state->count; i > 0; i--) {
		entry = &state->devices[i - 1];
		if (entry->operation != OPERATION_NONE)
			continue;
		for (j = 0; j < count; j++)
			if (!strcmp(devs[j].address, entry->address))
				break;
		if (j == count || !is_held(devs[j].state)) {
			state_forget(state, entry);
			changed = true;
		}
	}

	for (j = 0; j < count; j++) {
		if (!is_held(devs[j].state))
			continue;
		entry = state_find(state, devs[j].address);
		if (!entry) {
			/* Out of memory: it is seen anew next time. */
			if (!state_add(state, devs[j].address, devs[j].state,
				       NULL, now, NULL, OPERATION_NONE))
				changed = true;
		} else if (entry->operation == OPERATION_NONE &&
			   entry->state != devs[j].state) {
			/* It moved without us: its guest is not known. */
			entry->state = devs[j].state;
			state_set(state, entry, devs[j].state, NULL, NULL,
				  OPERATION_NONE, now);
			entry->since = now;
			changed = true;
		}
	}
	if (changed)
		state->dirty = true;
	return changed;
}
