/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * isotime.h: the times of state.json (isotime.c).
 */
#ifndef DDAD_ISOTIME_H
#define DDAD_ISOTIME_H

#include <time.h>

/* "2025-01-31T12:00:00Z": ISO-8601 in UTC. */
#define TIME_SIZE		sizeof("YYYY-MM-DDTHH:MM:SSZ")
void time_format(time_t t, char buf[TIME_SIZE]);
int time_parse(const char *text, time_t *out);

#endif /* DDAD_ISOTIME_H */
