// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events for people and for scripts, one line each: what `ddactl events`
 * prints as they come.
 */
#include <errno.h>
#include <json-c/json.h>

#include "event_print.h"
#include "print.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct json_object *event_json(const struct dda_event *event)
{
	const struct {
		const char *key;
		const char *value;
	} members[] = {
		{ "address", event->address },
		{ "old_state", dda_state_name(event->old_state) },
		{ "state", dda_state_name(event->state) },
		{ "reason", dda_reason_name(event->reason) },
	};
	struct json_object *obj, *member;
	size_t i;

	obj = json_object_new_object();
	if (!obj)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(members); i++) {
		member = json_object_new_string(members[i].value);
		if (!member ||
		    json_object_object_add(obj, members[i].key, member)) {
			json_object_put(member);
			json_object_put(obj);
			return NULL;
		}
	}
	return obj;
}

int event_print(FILE *f, const struct dda_event *event, bool json)
{
	struct json_object *obj;
	int err;

	if (json) {
		obj = event_json(event);
		if (!obj)
			return -ENOMEM;
		err = print_json_line(f, obj);
		json_object_put(obj);
		return err;
	}
	fprintf(f, "%s %s -> %s (%s)\n", event->address,
		dda_state_name(event->old_state), dda_state_name(event->state),
		dda_reason_name(event->reason));
	return ferror(f) ? -EIO : 0;
}
