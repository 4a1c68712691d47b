/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ddad_ask.h: for the tests of ddad's core, a request through ddad's
 * protocol as a client's would go, its answer (now or deferred)
 * landing in a struct answer as text.
 */
#ifndef DDA_DDAD_ASK_H
#define DDA_DDAD_ASK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "ops.h"
#include "permission.h"
#include "protocol.h"

struct answer {
	char *text;		/* to free() */
	bool done;
};

static void answer_take(void *sink, struct json_object *reply)
{
	struct answer *a = sink;

	a->text = strdup(reply ? json_object_to_json_string_ext(reply,
			 JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) :
			 "NULL");
	a->done = true;
	json_object_put(reply);
}

/* Sends request as peer; a->done once answered (by the loop, if later). */
static void answer_start(struct ddad *ddad, const struct peer *peer,
			 struct answer *a, const char *request)
{
	struct json_object *reply;
	struct call *call;

	*a = (struct answer){ 0 };
	reply = protocol_handle(ddad, peer, request, strlen(request), &call);
	if (call)
		call_bind(call, answer_take, a);
	else
		answer_take(a, reply);
}

#endif /* DDA_DDAD_ASK_H */
