/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * operation.h: what ddad is doing to a device, and its names (operation.c).
 */
#ifndef DDAD_OPERATION_H
#define DDAD_OPERATION_H

/*
 * What ddad is doing to a device, recorded before each step so that a
 * restarted ddad finishes it or rolls it back (reconcile.c).
 */
enum operation {
	OPERATION_NONE = 0,
	OPERATION_ASSIGN,	/* quarantined -> its vm: handover, device_add */
	OPERATION_UNASSIGN,	/* its vm -> quarantined: device_del, reclaim */
	OPERATION_RECLAIM,	/* its vm let go or is gone: reclaim */
};

/* "assign", "unassign", "reclaim"; NULL for none. */
const char *operation_name(enum operation operation);

/* The operation named name (operation_name()'s); -EINVAL if none. */
int operation_parse(const char *name, enum operation *out);

#endif /* DDAD_OPERATION_H */
