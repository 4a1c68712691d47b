/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * state_json.h: the JSON of the records, as state.json and the replies
 * write it (state_json.c).
 */
#ifndef DDAD_STATE_JSON_H
#define DDAD_STATE_JSON_H

#include <stdbool.h>

struct json_object;
struct state_device;

/*
 * A device's JSON object: {"state", "vm", "since"}, "address" first with
 * with_address, "port" and "operation" last with with_operation; NULL
 * when out of memory.
 */
struct json_object *state_device_json(const struct state_device *dev,
				      bool with_address, bool with_operation);

#endif /* DDAD_STATE_JSON_H */
