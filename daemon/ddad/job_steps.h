/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * job_steps.h: what the steps of a job share: defined in job.c, called
 * from job.c and assign.c only.
 */
#ifndef DDAD_JOB_STEPS_H
#define DDAD_JOB_STEPS_H

#include "libdda.h"
#include "operation.h"

struct job;

/* Records the device's state, vm, port and operation, and saves it. */
int job_record(struct job *job, enum dda_state st, const char *vm,
	       const char *port, enum operation operation);

/* Stops the step's deadline and its QMP commands. */
void job_stop_waiting(struct job *job);

/* The job is over: answers its call, or audits it (ddad's own). */
void job_end(struct job *job, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Remembers the failure an assign rolls back from, for its answer. */
void job_fail(struct job *job, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void job_unplug_step(struct job *job);
void job_confirm_step(struct job *job);
void job_reclaim_step(struct job *job);

#endif /* DDAD_JOB_STEPS_H */
