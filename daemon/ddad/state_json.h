/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * state_json.h: the JSON of the records, as state.json and the replies
 * have it (state_json.c).
 */
#ifndef DDAD_STATE_JSON_H
#define DDAD_STATE_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct state;
struct state_device;

/* Bytes for why a state file is not understood, with its NUL. */
#define STATE_WHY_SIZE		256

/*
 * Fills an empty state from the text of a state file, len bytes: 0, or
 * -EINVAL with why, or -ENOMEM (why "out of memory"), which says nothing
 * of the file: state_load() then fails rather than set it aside.
 */
int state_parse(struct state *state, const char *text, size_t len,
		char why[STATE_WHY_SIZE]);

/* The JSON of a state, as state.json has it; NULL when out of memory. */
struct json_object *state_json(const struct state *state);

/*
 * A device's JSON object: {"state", "vm", "since"}, "address" first with
 * with_address, "port" and "operation" last with with_operation; NULL
 * when out of memory.
 */
struct json_object *state_device_json(const struct state_device *dev,
				      bool with_address, bool with_operation);

#endif /* DDAD_STATE_JSON_H */
