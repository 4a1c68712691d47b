// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ops anyone may run: version, ping, status.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "ddad.h"

#ifndef DDA_VERSION
#define DDA_VERSION "unknown"
#endif

int op_version(struct ddad *ddad, struct json_object *request,
	       struct reply *reply)
{
	struct json_object *result;

	(void)ddad;
	(void)request;
	result = json_object_new_object();
	if (!result ||
	    !json_add(result, "version", json_object_new_string(DDA_VERSION)) ||
	    !json_add(result, "protocol", json_object_new_int(DDAD_PROTOCOL))) {
		json_object_put(result);
		return reply_error(reply, -ENOMEM, "out of memory");
	}
	reply->result = result;
	return 0;
}

int op_ping(struct ddad *ddad, struct json_object *request,
	    struct reply *reply)
{
	(void)ddad;
	(void)request;
	reply->result = json_object_new_object();
	if (!reply->result)
		return reply_error(reply, -ENOMEM, "out of memory");
	return 0;
}

/*
 * Every device dda.ko reports quarantined or assigned, with what the state
 * file knows of it; a device seen for the first time in its state is
 * recorded with "since" now. One with a job under way is as its record
 * says: the job's latest step.
 */
int op_status(struct ddad *ddad, struct json_object *request,
	      struct reply *reply)
{
	struct state *state = &ddad->state;
	struct json_object *result;
	struct dda_device *devs;
	char message[256];
	size_t count, i;
	int err;

	(void)request;
	err = kernel_devices(&devs, &count, message, sizeof(message));
	if (err)
		return reply_error(reply, err, "%s", message);
	state_sync(state, devs, count, time(NULL));
	free(devs);

	result = json_object_new_array_ext(state->count);
	if (!result)
		return reply_error(reply, -ENOMEM, "out of memory");
	for (i = 0; i < state->count; i++) {
		struct json_object *dev;

		dev = state_device_json(&state->devices[i], true, false);
		if (!dev || json_object_array_add(result, dev)) {
			json_object_put(dev);
			json_object_put(result);
			return reply_error(reply, -ENOMEM, "out of memory");
		}
	}
	reply->result = result;
	return 0;
}
