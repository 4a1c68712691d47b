/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * json_add.h: the one JSON helper ddad's files share.
 */
#ifndef DDAD_JSON_ADD_H
#define DDAD_JSON_ADD_H

#include <stdbool.h>
#include <json-c/json_object.h>

/*
 * Adds key: value to obj, taking value over; false when value is NULL (as
 * when making it ran out of memory) or when adding failed.
 */
static inline bool json_add(struct json_object *obj, const char *key,
			    struct json_object *value)
{
	if (!value)
		return false;
	if (json_object_object_add(obj, key, value)) {
		json_object_put(value);
		return false;
	}
	return true;
}

#endif /* DDAD_JSON_ADD_H */
