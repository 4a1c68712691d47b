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

/* Asks dda.ko for every device; the error goes to reply. */
static int devices_get(struct dda_device **devs, size_t *count,
		       struct reply *reply)
{
	struct dda *dda;
	int err;

	err = dda_open(&dda);
	if (err) {
		/* -ENOENT: "the dda kernel module is not loaded". */
		if (*dda_error(NULL))
			return reply_error(reply, err, "%s", dda_error(NULL));
		return reply_error(reply, err, "cannot connect to dda.ko: %s",
				   strerror(-err));
	}
	err = dda_device_list(dda, devs, count);
	if (err) {
		if (*dda_error(dda))
			reply_error(reply, err, "cannot list the devices: %s",
				    dda_error(dda));
		else
			reply_error(reply, err, "cannot list the devices: %s",
				    strerror(-err));
	}
	dda_close(dda);
	return err;
}

/*
 * Every device dda.ko reports quarantined or assigned, with what the state
 * file knows of it; a device seen for the first time in its state is
 * recorded with "since" now.
 */
int op_status(struct ddad *ddad, struct json_object *request,
	      struct reply *reply)
{
	struct state *state = &ddad->state;
	struct json_object *result;
	struct dda_device *devs;
	size_t count, i;
	int err;

	(void)request;
	err = devices_get(&devs, &count, reply);
	if (err)
		return err;
	state_sync(state, devs, count, time(NULL));
	free(devs);

	result = json_object_new_array_ext(state->count);
	if (!result)
		return reply_error(reply, -ENOMEM, "out of memory");
	for (i = 0; i < state->count; i++) {
		struct json_object *dev;

		dev = state_device_json(&state->devices[i], true);
		if (!dev || json_object_array_add(result, dev)) {
			json_object_put(dev);
			json_object_put(result);
			return reply_error(reply, -ENOMEM, "out of memory");
		}
	}
	reply->result = result;
	return 0;
}
