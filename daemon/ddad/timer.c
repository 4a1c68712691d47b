// SPDX-License-Identifier: GPL-2.0-only
/*
 * Timers of the poll loop: deadlines of the steps of jobs, reconnecting to
 * guests. A handful at a time, so a plain list.
 */
#include <time.h>

#include "ddad.h"
#include "timer.h"

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t now_ms(void)
{
	return now_us() / 1000;
}

void timer_disarm(struct ddad *ddad, struct timer *timer)
{
	struct timer **p;

	if (!timer->armed)
		return;
	for (p = &ddad->timers; *p; p = &(*p)->next) {
		if (*p == timer) {
			*p = timer->next;
			break;
		}
	}
	timer->next = NULL;
	timer->armed = false;
}

void timer_arm(struct ddad *ddad, struct timer *timer, unsigned int ms)
{
	timer_disarm(ddad, timer);
	timer->when = now_ms() + ms;
	timer->seq = ddad->timer_seq++;
	timer->next = ddad->timers;
	ddad->timers = timer;
	timer->armed = true;
}

int timers_timeout(const struct ddad *ddad)
{
	const struct timer *t;
	uint64_t now = now_ms(), first = UINT64_MAX;

	for (t = ddad->timers; t; t = t->next)
		if (t->when < first)
			first = t->when;
	if (first == UINT64_MAX)
		return -1;
	if (first <= now)
		return 0;
	return first - now > 60000 ? 60000 : (int)(first - now);
}

void timers_run(struct ddad *ddad)
{
	unsigned long seq = ddad->timer_seq;
	uint64_t now = now_ms();
	struct timer *t;

	/*
	 * A timer that fires may arm or disarm others: look again after.
	 * One armed meanwhile waits for the next round.
	 */
	for (;;) {
		for (t = ddad->timers; t; t = t->next)
			if (t->when <= now && t->seq < seq)
				break;
		if (!t)
			return;
		timer_disarm(ddad, t);
		t->fire(ddad, t);
	}
}
