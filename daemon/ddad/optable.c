// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad's ops, by name: what each takes, and whether it changes state (root
 * or --group only, and audited). PROTOCOL.md documents them.
 */
#include "ops.h"
#include "protocol.h"
#include "util.h"

static const char *const vm_add_args[] = { "vm", "qmp", NULL };
static const char *const vm_args[] = { "vm", NULL };
static const char *const assign_args[] = { "address", "vf_of", "vm",
					   "persistent", NULL };
static const char *const unassign_args[] = { "address", "timeout", NULL };
static const char *const reclaim_args[] = { "address", NULL };
static const char *const reassign_args[] = { "address", "vm", "timeout",
					     NULL };
static const char *const libvirt_prepare_args[] = { "domain", "hostdevs",
						    NULL };
static const char *const libvirt_release_args[] = { "domain", NULL };

static const struct op ops[] = {
	{ .name = "version", .run = op_version },
	{ .name = "ping", .run = op_ping },
	{ .name = "status", .run = op_status },
	{ .name = "vm_list", .run = op_vm_list },
	{ .name = "vm_add", .run = op_vm_add, .changes_state = true,
	  .args = vm_add_args },
	{ .name = "vm_remove", .run = op_vm_remove, .changes_state = true,
	  .args = vm_args },
	{ .name = "assign", .run = op_assign, .changes_state = true,
	  .args = assign_args },
	{ .name = "unassign", .run = op_unassign, .changes_state = true,
	  .args = unassign_args },
	{ .name = "reassign", .run = op_reassign, .changes_state = true,
	  .args = reassign_args },
	{ .name = "libvirt_prepare", .run = op_libvirt_prepare,
	  .changes_state = true, .args = libvirt_prepare_args },
	{ .name = "libvirt_release", .run = op_libvirt_release,
	  .changes_state = true, .args = libvirt_release_args },
	{ .name = "reclaim", .run = op_reclaim, .changes_state = true,
	  .args = reclaim_args },
};

struct json_object *protocol_handle(struct ddad *ddad, const struct peer *peer,
				    const char *line, size_t len,
				    struct call **deferred)
{
	static const struct op_table table = { ops, ARRAY_SIZE(ops) };

	return protocol_answer(ddad, &table, peer, line, len, deferred);
}
