/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * timer.h: the clock, and the timers of ddad's loop (timer.c).
 */
#ifndef DDAD_TIMER_H
#define DDAD_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct ddad;

/* CLOCK_MONOTONIC, in microseconds and in milliseconds. */
uint64_t now_us(void);
uint64_t now_ms(void);

struct timer {
	uint64_t when;		/* now_ms() it is due */
	void (*fire)(struct ddad *ddad, struct timer *timer);
	struct timer *next;	/* in ddad->timers while armed */
	unsigned long seq;	/* when it was armed, in timer_arm() calls */
	bool armed;
};

/* Arms (or re-arms) timer to fire in ms milliseconds. */
void timer_arm(struct ddad *ddad, struct timer *timer, unsigned int ms);
void timer_disarm(struct ddad *ddad, struct timer *timer);

/* Milliseconds until the next timer is due, for poll(); -1 if none. */
int timers_timeout(const struct ddad *ddad);

/* Fires every timer that is due. */
void timers_run(struct ddad *ddad);

#endif /* DDAD_TIMER_H */
