/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * guest.h: a guest, as ddad's core (the jobs, reconciling, the ops) sees
 * it, whatever runs it: one ops table per kind of guest, as vfio-pci over
 * vfio_pci_core. The core calls only these; a backend answers through the
 * guest_*() functions at the end, which the core implements.
 *
 *	kind      what runs it          file
 *	qmp       a QEMU registered     vm.c (its QMP socket, qmp.c)
 *	          with vm_add
 *	libvirt   a libvirt domain      guest_libvirt.c (libvirt.c)
 *
 * A guest's word is never proof: what it says is a reason to look, and a
 * device changes hands only when guest_let_go() (rules.c) says so, from
 * its QEMU process (guest->proc, watched by its pidfd) and vfio.
 */
#ifndef DDAD_GUEST_H
#define DDAD_GUEST_H

#include <stdbool.h>
#include <sys/types.h>

#include "process.h"

struct ddad;
struct guest;
struct job;
struct json_object;

struct guest_ops {
	const char *kind;	/* "qmp", "libvirt": vm_list's "kind" */
	/*
	 * An assign, before the handover: whether the guest can take the
	 * device, and which QEMU process will hold it (guest->proc after).
	 * Answered by guest_prepared(); the QMP guest picks a port then
	 * (job->port). 0, or a negative errno when it cannot even be asked.
	 */
	int (*prepare)(struct guest *guest, struct job *job);
	/* The device, on vfio-pci now, into the guest, and checked there:
	 * guest_added(). */
	int (*add)(struct guest *guest, struct job *job);
	/*
	 * Asks the guest to let go of the device: guest_removed() when it
	 * says it did, or refused (a word: confirmed with look()).
	 */
	int (*remove)(struct guest *guest, struct job *job);
	/* Whether the guest has the device now: guest_looked(). */
	int (*look)(struct guest *guest, struct job *job);
	/* Nothing asked for ctx is answered any more. */
	void (*cancel)(struct guest *guest, void *ctx);
	/* Whether it has the device at address, as last known. */
	bool (*has)(const struct guest *guest, const char *address);
	/* The port the device is on, as last known; NULL when not known. */
	const char *(*port)(const struct guest *guest, const char *address);
	/* Adds what only this kind tells to vm_list's object of the guest. */
	bool (*describe)(const struct guest *guest, struct json_object *obj);
	/* Its own file descriptor to poll (-1: none) and what for. */
	int (*poll_fd)(const struct guest *guest, short *events);
	void (*service)(struct guest *guest, short revents);
	void (*destroy)(struct guest *guest);
};

struct guest {
	const struct guest_ops *ops;
	char *name;
	struct process proc;	/* its QEMU process as ddad reaches it now */
	bool up;		/* it can be asked (connected, running) */
	bool shutdown;		/* it shut down: no assign goes to it */
	bool adding;		/* not there yet (vm_add under way) */
	char why[256];		/* why it is not up */
	struct ddad *ddad;
};

/* Sets up the common part; name is copied. 0 or -ENOMEM. */
int guest_init(struct guest *guest, const struct guest_ops *ops,
	       struct ddad *ddad, const char *name);
/* Adds it to ddad's guests; 0 or -ENOMEM. */
int guest_register(struct guest *guest);
/* Takes it out of ddad's guests, and releases the common part. */
void guest_unregister(struct guest *guest);

struct guest *guest_find(struct ddad *ddad, const char *name);

/* Disconnects and forgets a guest (its backend's destroy()). */
void guest_destroy(struct guest *guest);

/*
 * Whether guest is up, reached through the very QEMU process pid (started
 * at start): the one whose word counts for what ddad gave it.
 */
bool guest_is_process(const struct guest *guest, pid_t pid,
		      unsigned long long start);

/* {"vm", "kind", "connected", "devices", and the backend's}. */
struct json_object *guest_json(const struct guest *guest);

/* --- what a backend tells the core (job.c, assign.c, reconcile.c) --- */

/*
 * The answers to prepare(), add(), remove(), look(): err 0, or a negative
 * errno with what saying what failed (-ECONNRESET: the guest is out of
 * reach, which proves nothing). A backend answers only while the job is
 * at that step; a late answer is dropped by the core.
 */
void guest_prepared(struct job *job, int err, const char *what);
void guest_added(struct job *job, int err, const char *what);
void guest_removed(struct job *job, int err, const char *what);
void guest_looked(struct job *job, bool has, int err, const char *what);

/*
 * The guest says it let go of the device at address (QMP's
 * DEVICE_DELETED, libvirt's DEVICE_REMOVED): a word, looked into.
 */
void guest_device_gone(struct guest *guest, const char *address);

/* What the guest holds is known, or changed: reconcile. */
void guest_changed(struct guest *guest);

#endif /* DDAD_GUEST_H */
