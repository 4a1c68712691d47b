/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * state.h: what ddad records of the devices and its guests (state.c), and
 * the state file that keeps it, DIR/state.json (state_file.c; its JSON:
 * state_json.h).
 */
#ifndef DDAD_STATE_H
#define DDAD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "libdda.h"
#include "operation.h"

#define STATE_FILE		"state.json"
#define STATE_VERSION		1

/* A device ddad keeps track of: quarantined or assigned. */
struct state_device {
	char address[DDA_ADDRESS_LEN + 1];
	enum dda_state state;	/* as dda.ko said last */
	char *vm;		/* its guest, or the one an operation is for */
	time_t since;		/* when it entered its state */
	char *port;		/* the guest's port it is plugged into, or NULL */
	enum operation operation;	/* in progress, or NONE */
	/*
	 * The QEMU process of vm that ddad gave it to (pid 0: not known),
	 * and the device of its IOMMU group it went to vfio-pci along with,
	 * which that process holds (NULL: the device itself was given).
	 */
	pid_t pid;
	unsigned long long start;
	char *with;
};

/* A guest: its name, its QMP socket's path, and the uid serving it. */
struct state_vm {
	char *name;
	char *qmp;
	long long uid;		/* -1: not known yet */
};

struct state {
	char *dir;
	struct state_device *devices;	/* sorted by address */
	size_t count, size;
	struct state_vm *vms;		/* sorted by name */
	size_t vm_count;
	bool dirty;			/* changed since written */
	bool rebuilt;			/* state.json was corrupt: from dda.ko */
};

/* state.c: the records */

struct state_device *state_find(struct state *state, const char *address);

/*
 * The entry of address, made (quarantined, since now) if there is none;
 * NULL when out of memory.
 */
struct state_device *state_get(struct state *state, const char *address,
			       time_t now);

/*
 * Adds the entry of address, which has none, as given (vm and port
 * copied), marking the state dirty: as the state file or dda.ko says it.
 * 0 or -ENOMEM.
 */
int state_add(struct state *state, const char *address, enum dda_state st,
	      const char *vm, time_t since, const char *port,
	      enum operation operation);

/* Forgets a device: it is back with the host. */
void state_forget(struct state *state, struct state_device *dev);

/*
 * Sets what the entry says, marking the state dirty: its kernel state, its
 * vm (copied; NULL for none, which forgets its holder too), its port
 * (likewise) and its operation; "since" becomes now when the kernel state
 * changes. 0 or -ENOMEM (the entry is then as it was).
 */
int state_set(struct state *state, struct state_device *dev,
	      enum dda_state st, const char *vm, const char *port,
	      enum operation operation, time_t now);

/*
 * Sets the QEMU process holding the entry's device (pid 0: none), and the
 * member of its group it went along with (copied; NULL for none). 0 or
 * -ENOMEM.
 */
int state_set_holder(struct state *state, struct state_device *dev,
		     pid_t pid, unsigned long long start, const char *with);

/*
 * A guest's name: 1 to 64 of [A-Za-z0-9._-], the first a letter or a
 * digit.
 */
bool vm_name_valid(const char *name);

struct state_vm *state_vm_find(struct state *state, const char *name);

/* Records a guest (uid -1: not known); 0, -EEXIST or -ENOMEM. */
int state_vm_add(struct state *state, const char *name, const char *qmp,
		 long long uid);

/* Forgets a guest. */
void state_vm_remove(struct state *state, const char *name);

/* Forgets every device and guest; the directory stays. */
void state_clear(struct state *state);

void state_release(struct state *state);

/* state_file.c: DIR/state.json, its JSON in state_json.h */

/*
 * Loads dir/state.json into state; no file is an empty state. A file that
 * cannot be understood is logged, moved aside to state.json.corrupt-TIME
 * and replaced by an empty state. 0, or a negative errno when the file
 * cannot be read or moved.
 */
int state_load(struct state *state, const char *dir);

/* Writes state.json if state changed since it was loaded or written. */
int state_save(struct state *state);

#endif /* DDAD_STATE_H */
