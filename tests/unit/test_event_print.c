// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events printed by daemon/ddactl/event_print.c, as `ddactl events` prints them: a line
 * each, in text or as one JSON object, read back with json-c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "event_print.h"
#include "unit.h"
#include "util.h"

static const struct dda_event events[] = {
	{ "0000:00:03.0", DDA_STATE_HOST, DDA_STATE_QUARANTINED,
	  DDA_REASON_DISMOUNT, true, DDA_RESET_PM, 39012, DDA_HEALTH_OK, 0 },
	{ "0000:3a:00.1", DDA_STATE_QUARANTINED, DDA_STATE_ASSIGNED,
	  DDA_REASON_HANDOVER, false, DDA_RESET_NONE, 0, DDA_HEALTH_OK, 0 },
	{ "0000:3a:00.1", DDA_STATE_ASSIGNED, DDA_STATE_QUARANTINED,
	  DDA_REASON_RECLAIM, true, DDA_RESET_FLR, 104233, DDA_HEALTH_OK, 1834 },
	{ "0000:3a:00.1", DDA_STATE_ASSIGNED, DDA_STATE_ASSIGNED,
	  DDA_REASON_RELEASE, false, DDA_RESET_NONE, 0, DDA_HEALTH_OK, 0 },
	{ "0000:3a:00.1", DDA_STATE_ASSIGNED, DDA_STATE_ASSIGNED,
	  DDA_REASON_OWNED, false, DDA_RESET_NONE, 0, DDA_HEALTH_OK, 2412 },
	{ "0000:3a:00.1", DDA_STATE_ASSIGNED, DDA_STATE_ASSIGNED,
	  DDA_REASON_HOLD, false, DDA_RESET_NONE, 0, DDA_HEALTH_OK, 9150 },
	{ "abcd:ef:1f.7", DDA_STATE_QUARANTINED, DDA_STATE_HOST,
	  DDA_REASON_UNLOAD, false, DDA_RESET_NONE, 0, DDA_HEALTH_OK, 0 },
	{ "0000:00:1f.7", DDA_STATE_HOST, DDA_STATE_QUARANTINED,
	  DDA_REASON_SELECTED, true, DDA_RESET_NONE, 12, DDA_HEALTH_OK, 0 },
	{ "0000:00:1f.7", DDA_STATE_QUARANTINED, DDA_STATE_HOST,
	  DDA_REASON_REMOVED, false, DDA_RESET_NONE, 0, DDA_HEALTH_OK, 0 },
	{ "0000:00:03.0", DDA_STATE_QUARANTINED, DDA_STATE_HOST,
	  DDA_REASON_MOUNT, false, DDA_RESET_NONE, 0, DDA_HEALTH_OK, 0 },
	{ "0000:00:04.0", DDA_STATE_QUARANTINED, DDA_STATE_QUARANTINED,
	  DDA_REASON_RESET, true, DDA_RESET_FLR, 2031, DDA_HEALTH_NO_ANSWER, 0 },
	/* From a newer dda.ko. */
	{ "0000:00:03.0", (enum dda_state)3, (enum dda_state)4,
	  (enum dda_reason)99, false, DDA_RESET_NONE, 0, DDA_HEALTH_OK, 0 },
};

#define N	ARRAY_SIZE(events)

static const char *const lines[N] = {
	"0000:00:03.0 host -> quarantined (dismount, reset by pm in 39012 us)",
	"0000:3a:00.1 quarantined -> assigned (handover)",
	"0000:3a:00.1 assigned -> quarantined (reclaim, reset by flr in 104233 us, window between owners 1834 us)",
	"0000:3a:00.1 assigned -> assigned (release)",
	"0000:3a:00.1 assigned -> assigned (owned, window between owners 2412 us)",
	"0000:3a:00.1 assigned -> assigned (hold, window between owners 9150 us)",
	"abcd:ef:1f.7 quarantined -> host (unload)",
	"0000:00:1f.7 host -> quarantined (selected, no reset method)",
	"0000:00:1f.7 quarantined -> host (removed)",
	"0000:00:03.0 quarantined -> host (mount)",
	"0000:00:04.0 quarantined -> quarantined (reset, reset by flr in 2031 us, unhealthy: no_answer)",
	"0000:00:03.0 unknown -> unknown (unknown)",
};

/* Runs print(f) into memory; returns the text, to be freed. */
#define CAPTURE(text, call) do {					\
	size_t size_;							\
	FILE *f = open_memstream(&(text), &size_);			\
	int err_ = f ? (call) : -1;					\
	if (f)								\
		fclose(f);						\
	is_int(err_, 0, "%s", #call);					\
} while (0)

static bool string_is(struct json_object *obj, const char *key,
		      const char *want)
{
	struct json_object *v;

	return json_object_object_get_ex(obj, key, &v) &&
	       json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), want);
}

static void check_object(struct json_object *obj,
			 const struct dda_event *event, size_t i)
{
	static const char *const keys[] = {
		"address", "old_state", "state", "reason",
		"reset_method", "reset_usec", "health", "window_usec",
	};
	/* The reset's three only when the change ran one; likewise the window. */
	size_t k, count = 0, want = ARRAY_SIZE(keys) - (event->reset ? 0 : 3) -
				    (event->window_usec ? 0 : 1);
	struct json_object *usec;

	if (!ok(json_object_is_type(obj, json_type_object),
		"event %zu: an object", i))
		return;
	json_object_object_foreach(obj, key, val) {
		bool known = false;

		(void)val;
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			known |= !strcmp(key, keys[k]);
		ok(known, "event %zu: key '%s' is one of the documented", i,
		   key);
		count++;
	}
	is_int(count, want, "event %zu: every key, once", i);
	ok(string_is(obj, "address", event->address), "event %zu: address",
	   i);
	ok(string_is(obj, "old_state", dda_state_name(event->old_state)),
	   "event %zu: old_state \"%s\"", i, dda_state_name(event->old_state));
	ok(string_is(obj, "state", dda_state_name(event->state)),
	   "event %zu: state \"%s\"", i, dda_state_name(event->state));
	ok(string_is(obj, "reason", dda_reason_name(event->reason)),
	   "event %zu: reason \"%s\"", i, dda_reason_name(event->reason));
	if (event->window_usec)
		ok(json_object_object_get_ex(obj, "window_usec", &usec) &&
		   json_object_is_type(usec, json_type_int) &&
		   (uint64_t)json_object_get_int64(usec) == event->window_usec,
		   "event %zu: window_usec", i);
	if (!event->reset)
		return;
	ok(string_is(obj, "reset_method", dda_reset_name(event->reset_method)),
	   "event %zu: reset_method \"%s\"", i,
	   dda_reset_name(event->reset_method));
	ok(json_object_object_get_ex(obj, "reset_usec", &usec) &&
	   json_object_is_type(usec, json_type_int) &&
	   json_object_get_int64(usec) == event->reset_usec,
	   "event %zu: reset_usec %u", i, event->reset_usec);
	ok(string_is(obj, "health", dda_health_name(event->health)),
	   "event %zu: health \"%s\"", i, dda_health_name(event->health));
}

static void test_text(void)
{
	char *text = NULL, want[160];
	size_t i;

	for (i = 0; i < N; i++) {
		CAPTURE(text, event_print(f, &events[i], false));
		snprintf(want, sizeof(want), "%s\n", lines[i]);
		is_str(text, want, "event %zu: one line", i);
		free(text);
	}
}

static void test_json(void)
{
	struct json_object *obj;
	char *text = NULL, *nl;
	size_t i;

	for (i = 0; i < N; i++) {
		CAPTURE(text, event_print(f, &events[i], true));
		nl = strchr(text, '\n');
		ok(nl && !nl[1], "event %zu: JSON on one line", i);
		obj = json_tokener_parse(text);
		check_object(obj, &events[i], i);
		json_object_put(obj);
		free(text);
	}
}

/* Prints every event in JSON, one after the other. */
static int print_all(FILE *f)
{
	size_t i;
	int err = 0;

	for (i = 0; i < N && !err; i++)
		err = event_print(f, &events[i], true);
	return err;
}

static void test_stream(void)
{
	struct json_tokener *tok;
	struct json_object *obj;
	char *text = NULL, *line, *save = NULL;
	size_t n = 0;

	/* What a script reading `ddactl events --json` gets: a line each. */
	CAPTURE(text, print_all(f));
	tok = json_tokener_new();
	for (line = strtok_r(text, "\n", &save); line && tok;
	     line = strtok_r(NULL, "\n", &save), n++) {
		json_tokener_reset(tok);
		obj = json_tokener_parse_ex(tok, line, strlen(line));
		if (n < N)
			check_object(obj, &events[n], n);
		json_object_put(obj);
	}
	is_int(n, N, "a stream of %zu events: %zu lines", N, N);
	json_tokener_free(tok);
	free(text);
}

int main(void)
{
	test_text();
	test_json();
	test_stream();
	return unit_done();
}
