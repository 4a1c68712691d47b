// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ops anyone may run: version, ping, status.
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "ddad.h"
#include "json_add.h"
#include "kernel_view.h"
#include "libdda.h"
#include "ops.h"
#include "protocol.h"
#include "state.h"
#include "state_json.h"
#include "state_sync.h"
#include "view.h"

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
 * Every device dda.ko reports quarantined or assigned, as ddad's view of
 * them says (kept from dda's events: no dump), with what the state file
 * knows of it; a device seen for the first time in its state is recorded
 * with "since" now. One with a job under way is as its record says: the
 * job's latest step. NULL when out of memory.
 */
static struct json_object *status_result(struct ddad *ddad)
{
	const struct view *view = &ddad->devices.view;
	struct state *state = &ddad->state;
	struct json_object *result;
	size_t i;

	state_sync(state, view->devs, view->count, time(NULL));
	result = json_object_new_array_ext(state->count);
	for (i = 0; result && i < state->count; i++) {
		struct json_object *dev;

		dev = state_device_json(&state->devices[i], true, false);
		if (!dev || json_object_array_add(result, dev)) {
			json_object_put(dev);
			json_object_put(result);
			result = NULL;
		}
	}
	return result;
}

/* The view was being read again when status came: it is now. */
static void status_ready(struct ddad *ddad, void *ctx, int err,
			 const char *why)
{
	struct call *call = ctx;
	struct json_object *result;

	if (err) {
		call_finish(call, err, NULL, "%s", why);
		return;
	}
	result = status_result(ddad);
	if (result)
		call_finish(call, 0, result, NULL);
	else
		call_finish(call, -ENOMEM, NULL, "out of memory");
}

int op_status(struct ddad *ddad, struct json_object *request,
	      struct reply *reply)
{
	struct call *call;
	int err;

	(void)request;
	err = kernel_view_update(ddad);
	if (err == -EINPROGRESS) {
		call = call_defer(reply);
		if (!call)
			return reply->err;
		if (kernel_view_wait(ddad, status_ready, call))
			return reply_error(reply, -ENOMEM, "out of memory");
		return 0;
	}
	if (err)
		return reply_error(reply, err, "%s", kernel_view_why(ddad));
	reply->result = status_result(ddad);
	if (!reply->result)
		return reply_error(reply, -ENOMEM, "out of memory");
	return 0;
}
