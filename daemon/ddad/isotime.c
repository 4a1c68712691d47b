// SPDX-License-Identifier: GPL-2.0-only
/*
 * The times of state.json: ISO-8601 in UTC, in their one canonical form.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "isotime.h"

void time_format(time_t t, char buf[TIME_SIZE])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, TIME_SIZE, "1970-01-01T00:00:00Z");
}

int time_parse(const char *text, time_t *out)
{
	char check[TIME_SIZE];
	struct tm tm = { 0 };
	const char *end;
	time_t t;

	end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -EINVAL;
	t = timegm(&tm);
	/* Only the canonical form: no missing digits, no 25:61:99. */
	time_format(t, check);
	if (strcmp(check, text))
		return -EINVAL;
	*out = t;
	return 0;
}
