/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ddad.h: struct ddad, what one ddad owns from start to exit (main.c sets
 * it up and releases it): its configuration, its records (state.h), its
 * guests (guest.h), its jobs (job.h) and timers (timer.h), the reports of
 * dda.ko's calls and its view of dda.ko (kernel.h, kernel_view.h), and the
 * processes holding its devices (reconcile.h). Only ddad's loop touches it:
 * kernel.c's threads have their own dda handles and report through
 * kernel_pipe.
 */
#ifndef DDAD_DDAD_H
#define DDAD_DDAD_H

#include <stddef.h>

#include "config.h"
#include "kernel_view.h"
#include "state.h"

struct guest;
struct holder;
struct job;
struct libvirt_guests;
struct timer;

struct ddad {
	struct ddad_config config;
	struct state state;
	struct guest **guests;
	size_t guest_count;
	struct libvirt_guests *libvirt;	/* guest_libvirt.c; NULL: none */
	struct job *jobs;
	struct timer *timers;
	unsigned long timer_seq;
	int kernel_pipe[2];	/* the threads' reports: read, write */
	unsigned int kernel_busy;
	struct kernel_view devices;	/* dda.ko's devices (kernel_view.h) */
	struct holder *holders;	/* reconcile.c */
	size_t holder_count;
};

#endif /* DDAD_DDAD_H */
