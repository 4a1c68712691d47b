/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vm.h: the QMP guests, a backend of guest.h: a QEMU registered with
 * vm_add and the path of a QMP socket of its own, connected from ddad's
 * loop (vm.c, qmp.c, port.c).
 */
#ifndef DDAD_VM_H
#define DDAD_VM_H

#include "guest.h"

struct call;

/*
 * A guest, connecting, whose QMP socket uid must serve (-1: learnt at the
 * first connection): with adding, it is not yet recorded, and the call
 * is answered once QMP is ready (then recorded) or failed (then the guest
 * is forgotten). NULL when out of memory.
 */
struct guest *vm_create(struct ddad *ddad, const char *name, const char *qmp,
			long long uid, struct call *adding);

/* The guests of the state file, connecting. 0 or -ENOMEM. */
int vms_start(struct ddad *ddad);

/* The QMP socket of guest, or NULL when it is no QMP guest. */
const char *vm_qmp_path(const struct guest *guest);

/* The uid serving its QMP socket (-1: not known yet). */
long long vm_uid(const struct guest *guest);

#endif /* DDAD_VM_H */
