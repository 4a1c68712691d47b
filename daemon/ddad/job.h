/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * job.h: what ddad does to a device, step by step (job.c; an assign's
 * first steps, assign.h; what the steps share, job_steps.h).
 */
#ifndef DDAD_JOB_H
#define DDAD_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libdda.h"
#include "operation.h"
#include "port.h"
#include "timer.h"

struct call;
struct ddad;
struct guest;

enum job_step {
	STEP_START,
	STEP_QUERY,		/* assign: the guest prepares (a port) */
	STEP_HANDOVER,		/* assign: dda.ko hands it to vfio-pci, held */
	STEP_RELEASE,		/* assign: dda.ko lets go of the group's DMA */
	STEP_DEVICE_ADD,	/* assign: the guest adds it */
	STEP_VERIFY,		/* assign: the guest shows it */
	STEP_UNPLUG,		/* the guest asked to let go, until it says so */
	STEP_CONFIRM,		/* the guest and vfio: did it let go? */
	STEP_RECLAIM,		/* dda.ko takes it back into quarantine */
	STEP_DONE,
};

struct job {
	struct job *next;
	struct ddad *ddad;
	enum operation operation;	/* what it does now */
	enum job_step step;
	char address[DDA_ADDRESS_LEN + 1];
	char port[QDEV_SIZE];		/* a QMP guest's port for it */
	struct guest *vm;		/* the guest it concerns now */
	struct guest *next_vm;		/* reassign: the guest it goes to next */
	pid_t pid;			/* vm's QEMU process it concerns, */
	unsigned long long start;	/* ... which started then */
	unsigned int timeout;		/* ms the guest has to let go */
	uint64_t deadline;		/* now_ms() when it has not let go */
	bool plugged;			/* assign: the guest may have it */
	unsigned int flags;		/* assign: JOB_PERSISTENT */
	struct timer timer;		/* the step's deadline */
	struct call *call;		/* who waits for the answer, or NULL */
	const char *cause;		/* why ddad started it itself */
	char from[65];			/* reassign: the guest it left */
	int err;			/* the failure being rolled back */
	char message[256];
	bool done;			/* to be freed (jobs_reap()) */
	/* Where its time went, logged at its end: µs in each step (waiting
	 * on QEMU or dda.ko), and apart from them, in writing state.json. */
	uint64_t started, step_since, record_us;
	uint64_t step_us[STEP_DONE];
	unsigned int steps_seen;	/* bit n: it went through step n */
};

/* Moves job to step, and counts the time of the step it leaves. */
void job_step(struct job *job, enum job_step step);

/* Milliseconds QEMU has to answer a command, and the default unassign. */
#define JOB_QMP_TIMEOUT		30000
#define JOB_UNPLUG_TIMEOUT	10000

/* The job on address, if one is under way. */
struct job *job_find(struct ddad *ddad, const char *address);

/* An assign written in the guest's config too (a libvirt domain's). */
#define JOB_PERSISTENT		(1u << 0)

/*
 * Starts assigning address to vm, with flags: answered through call (NULL:
 * nobody waits). 0 or -ENOMEM.
 */
int job_assign(struct ddad *ddad, const char *address, struct guest *vm,
	       unsigned int flags, struct call *call);

/*
 * Starts unassigning address from its vm (the QEMU process its record
 * names), and with next_vm assigning it there after. 0 or -ENOMEM.
 */
int job_unassign(struct ddad *ddad, const char *address, struct guest *vm,
		 struct guest *next_vm, unsigned int timeout, const char *cause,
		 struct call *call);

/*
 * Starts reclaiming address, whose guest let go of it, as proven: the QEMU
 * process that held it is gone, or the guest lacks it and vfio says that
 * process closed it (guest_let_go()).
 */
int job_reclaim(struct ddad *ddad, const char *address, struct guest *vm,
		const char *cause);

/* The QEMU process pid (started at start) exited: its jobs reclaim. */
void jobs_process_gone(struct ddad *ddad, pid_t pid,
		       unsigned long long start);

/* Whether a job concerns vm. */
bool jobs_on_vm(struct ddad *ddad, const struct guest *vm);

/* Frees the jobs that are done. */
void jobs_reap(struct ddad *ddad);

/* Frees every job, done or not (ddad stops; state.json keeps them). */
void jobs_release(struct ddad *ddad);

/* The ports vm's devices and jobs use; *n of them, to free(). */
const char **guest_ports_taken(struct ddad *ddad, const struct guest *vm,
			    size_t *n);

/*
 * A job on address, at its start, among ddad's jobs: for the steps of
 * job.c and assign.c, and for the hook's requests (ops_libvirt.c). NULL
 * when out of memory.
 */
struct job *job_new(struct ddad *ddad, enum operation operation,
		    const char *address, struct guest *vm, struct call *call);

#endif /* DDAD_JOB_H */
