// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events for people and for scripts, one line each: what `ddactl events`
 * prints as they come.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>

#include "event_print.h"
#include "print.h"
#include "util.h"

/* Adds member to obj as key; on failure frees member and says so. */
static bool add(struct json_object *obj, const char *key,
		struct json_object *member)
{
	if (member && !json_object_object_add(obj, key, member))
		return true;
	json_object_put(member);
	return false;
}

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
	struct json_object *obj;
	size_t i;

	obj = json_object_new_object();
	if (!obj)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(members); i++)
		if (!add(obj, members[i].key,
			 json_object_new_string(members[i].value)))
			goto err;
	/* Only when the change reset the device. */
	if (event->reset &&
	    (!add(obj, "reset_method",
		  json_object_new_string(dda_reset_name(event->reset_method))) ||
	     !add(obj, "reset_usec", json_object_new_int64(event->reset_usec)) ||
	     !add(obj, "health",
		  json_object_new_string(dda_health_name(event->health)))))
		goto err;
	return obj;
err:
	json_object_put(obj);
	return NULL;
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
	fprintf(f, "%s %s -> %s (%s", event->address,
		dda_state_name(event->old_state), dda_state_name(event->state),
		dda_reason_name(event->reason));
	if (event->reset && event->reset_method == DDA_RESET_NONE)
		fprintf(f, ", no reset method");
	else if (event->reset)
		fprintf(f, ", reset by %s in %" PRIu32 " us",
			dda_reset_name(event->reset_method), event->reset_usec);
	if (event->reset && event->health != DDA_HEALTH_OK)
		fprintf(f, ", unhealthy: %s", dda_health_name(event->health));
	fprintf(f, ")\n");
	return ferror(f) ? -EIO : 0;
}
