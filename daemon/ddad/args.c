// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arguments of requests, checked: each problem answered with EINVAL
 * and a message that names the argument.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "args.h"
#include "libdda.h"
#include "protocol.h"
#include "state.h"

#define TIMEOUT_MAX		3600	/* seconds */

const char *json_kind(struct json_object *obj)
{
	switch (json_object_get_type(obj)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
	case json_type_int:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "unknown";
}

int arg_string(struct json_object *request, const char *op, const char *key,
	       bool required, const char **out, struct reply *reply)
{
	struct json_object *value;
	const char *text;

	*out = NULL;
	if (!json_object_object_get_ex(request, key, &value)) {
		if (!required)
			return 0;
		return reply_error(reply, -EINVAL, "%s needs \"%s\"", op, key);
	}
	if (!json_object_is_type(value, json_type_string))
		return reply_error(reply, -EINVAL,
				   "\"%s\" must be a string, not %s", key,
				   json_kind(value));
	text = json_object_get_string(value);
	if ((size_t)json_object_get_string_len(value) != strlen(text))
		return reply_error(reply, -EINVAL,
				   "\"%s\" has a NUL character", key);
	*out = text;
	return 0;
}

int arg_address(struct json_object *request, const char *op,
		char out[DDA_ADDRESS_LEN + 1], struct reply *reply)
{
	const char *text;
	int err;

	err = arg_string(request, op, "address", true, &text, reply);
	if (err)
		return err;
	if (dda_address_parse(text, out))
		return reply_error(reply, -EINVAL,
				   "\"%.64s\" is not a PCI address (DDDD:BB:DD.F or BB:DD.F)",
				   text);
	return 0;
}

int arg_vm(struct json_object *request, const char *op, const char **out,
	   struct reply *reply)
{
	int err;

	err = arg_string(request, op, "vm", true, out, reply);
	if (err)
		return err;
	if (!vm_name_valid(*out))
		return reply_error(reply, -EINVAL,
				   "\"%.64s\" is not a vm name (1 to 64 letters, digits, '.', '_', '-', the first a letter or a digit)",
				   *out);
	return 0;
}

int arg_timeout(struct json_object *request, const char *op,
		unsigned int def, unsigned int *out, struct reply *reply)
{
	struct json_object *value;
	double seconds, ms;

	(void)op;
	*out = def;
	if (!json_object_object_get_ex(request, "timeout", &value))
		return 0;
	if (!json_object_is_type(value, json_type_int) &&
	    !json_object_is_type(value, json_type_double))
		return reply_error(reply, -EINVAL,
				   "\"timeout\" must be a number, not %s",
				   json_kind(value));
	seconds = json_object_get_double(value);
	if (!isfinite(seconds) || seconds <= 0 || seconds > TIMEOUT_MAX)
		return reply_error(reply, -EINVAL,
				   "\"timeout\" must be more than 0 and at most %d seconds",
				   TIMEOUT_MAX);
	ms = seconds * 1000;
	*out = (unsigned int)ms;
	if (*out < ms)
		(*out)++;	/* a part of a millisecond is one */
	return 0;
}

/* One hostdev of arg_hostdevs(): the n-th (from 1) of the array. */
static int arg_hostdev(struct json_object *obj, size_t n, struct hostdev *out,
		       struct reply *reply)
{
	struct json_object *address, *managed;
	const char *text;

	if (!json_object_is_type(obj, json_type_object))
		return reply_error(reply, -EINVAL,
				   "hostdev %zu must be an object, not %s", n,
				   json_kind(obj));
	json_object_object_foreach(obj, key, value) {
		(void)value;
		if (strcmp(key, "address") && strcmp(key, "managed"))
			return reply_error(reply, -EINVAL,
					   "hostdev %zu: unknown key \"%.32s\" (it takes address and managed)",
					   n, key);
	}
	if (!json_object_object_get_ex(obj, "address", &address) ||
	    !json_object_object_get_ex(obj, "managed", &managed))
		return reply_error(reply, -EINVAL,
				   "hostdev %zu needs \"address\" and \"managed\"",
				   n);
	if (!json_object_is_type(address, json_type_string))
		return reply_error(reply, -EINVAL,
				   "hostdev %zu: \"address\" must be a string, not %s",
				   n, json_kind(address));
	text = json_object_get_string(address);
	if ((size_t)json_object_get_string_len(address) != strlen(text) ||
	    dda_address_parse(text, out->address))
		return reply_error(reply, -EINVAL,
				   "hostdev %zu: \"%.64s\" is not a PCI address (DDDD:BB:DD.F or BB:DD.F)",
				   n, text);
	if (!json_object_is_type(managed, json_type_boolean))
		return reply_error(reply, -EINVAL,
				   "hostdev %zu: \"managed\" must be a boolean, not %s",
				   n, json_kind(managed));
	out->managed = json_object_get_boolean(managed);
	return 0;
}

int arg_hostdevs(struct json_object *request, const char *op,
		 struct hostdev **out, size_t *count, struct reply *reply)
{
	struct json_object *list;
	size_t i, n;
	int err;

	*out = NULL;
	*count = 0;
	if (!json_object_object_get_ex(request, "hostdevs", &list))
		return reply_error(reply, -EINVAL, "%s needs \"hostdevs\"", op);
	if (!json_object_is_type(list, json_type_array))
		return reply_error(reply, -EINVAL,
				   "\"hostdevs\" must be an array, not %s",
				   json_kind(list));
	n = json_object_array_length(list);
	if (n > HOSTDEVS_MAX)
		return reply_error(reply, -E2BIG,
				   "\"hostdevs\" has %zu entries, more than %d",
				   n, HOSTDEVS_MAX);
	if (!n)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return reply_error(reply, -ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		err = arg_hostdev(json_object_array_get_idx(list, i), i + 1,
				  &(*out)[i], reply);
		if (err) {
			free(*out);
			*out = NULL;
			return err;
		}
	}
	*count = n;
	return 0;
}

int arg_bool(struct json_object *request, const char *op, const char *key,
	     bool *out, struct reply *reply)
{
	struct json_object *value;

	(void)op;
	*out = false;
	if (!json_object_object_get_ex(request, key, &value))
		return 0;
	if (!json_object_is_type(value, json_type_boolean))
		return reply_error(reply, -EINVAL,
				   "\"%s\" must be true or false, not %s", key,
				   json_kind(value));
	*out = json_object_get_boolean(value);
	return 0;
}
