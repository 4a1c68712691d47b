// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events for people and for scripts, one line each: what `ddactl events`
 * prints as they come.
 */
#include "event_print.h"
#include "print.h"

int event_print(FILE *f, const struct dda_event *event, bool json)
{
	bool no_method = event->reset_method == DDA_RESET_NONE;

	print_start(f, json ? PRINT_FORMAT_JSON_LINE : PRINT_FORMAT_TEXT);
	print_open_object(NULL);
	print_string(PRINT_ANY, "address", "%s ", event->address);
	print_string(PRINT_ANY, "old_state", "%s -> ",
		     dda_state_name(event->old_state));
	print_string(PRINT_ANY, "state", "%s", dda_state_name(event->state));
	print_string(PRINT_ANY, "reason", " (%s",
		     dda_reason_name(event->reason));
	/* Only when the change reset the device. */
	if (event->reset) {
		print_string(no_method ? PRINT_JSON : PRINT_ANY, "reset_method",
			     ", reset by %s",
			     dda_reset_name(event->reset_method));
		print_int(no_method ? PRINT_JSON : PRINT_ANY, "reset_usec",
			  " in %lld us", event->reset_usec);
		if (no_method)
			print_text(", no reset method");
		print_string(event->health == DDA_HEALTH_OK ?
			     PRINT_JSON : PRINT_ANY, "health",
			     ", unhealthy: %s", dda_health_name(event->health));
	}
	if (event->window_usec)
		print_int(PRINT_ANY, "window_usec",
			  ", window between owners %lld us",
			  (long long)event->window_usec);
	print_text(")\n");
	print_close_object();
	return print_end();
}
