/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * state_sync.h: the records brought in line with what dda.ko reports
 * (state_sync.c).
 */
#ifndef DDAD_STATE_SYNC_H
#define DDAD_STATE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct dda_device;
struct state;

/*
 * Brings state in line with what dda.ko reports of devs[count]: every
 * quarantined or assigned device has an entry, whose "since" is now when
 * it is new or its state changed (its vm and port are then forgotten);
 * entries of other devices go. Entries with an operation in progress are
 * the operation's to change, and left alone. Returns whether anything
 * changed (and marks it dirty).
 */
bool state_sync(struct state *state, const struct dda_device *devs,
		size_t count, time_t now);

#endif /* DDAD_STATE_SYNC_H */
