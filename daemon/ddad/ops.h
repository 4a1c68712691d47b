/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ops.h: ddad's ops, each one's run() (ops.c, ops_vm.c, ops_assign.c,
 * ops_libvirt.c), and their table (optable.c).
 */
#ifndef DDAD_OPS_H
#define DDAD_OPS_H

#include <stddef.h>

struct call;
struct ddad;
struct json_object;
struct peer;
struct reply;

/* optable.c */

/* Answers a request line with ddad's ops; as protocol_answer(). */
struct json_object *protocol_handle(struct ddad *ddad, const struct peer *peer,
				    const char *line, size_t len,
				    struct call **deferred);

/* ops.c */

int op_version(struct ddad *ddad, struct json_object *request,
	       struct reply *reply);
int op_ping(struct ddad *ddad, struct json_object *request,
	    struct reply *reply);
int op_status(struct ddad *ddad, struct json_object *request,
	      struct reply *reply);

/* ops_vm.c */

int op_vm_add(struct ddad *ddad, struct json_object *request,
	      struct reply *reply);
int op_vm_remove(struct ddad *ddad, struct json_object *request,
		 struct reply *reply);
int op_vm_list(struct ddad *ddad, struct json_object *request,
	       struct reply *reply);

/* ops_assign.c */

int op_assign(struct ddad *ddad, struct json_object *request,
	      struct reply *reply);
int op_unassign(struct ddad *ddad, struct json_object *request,
		struct reply *reply);
int op_reassign(struct ddad *ddad, struct json_object *request,
		struct reply *reply);
int op_reclaim(struct ddad *ddad, struct json_object *request,
	       struct reply *reply);

/* ops_libvirt.c: the requests of dda's libvirt qemu hook */

int op_libvirt_prepare(struct ddad *ddad, struct json_object *request,
		       struct reply *reply);
int op_libvirt_release(struct ddad *ddad, struct json_object *request,
		       struct reply *reply);

#endif /* DDAD_OPS_H */
