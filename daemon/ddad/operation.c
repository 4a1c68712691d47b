// SPDX-License-Identifier: GPL-2.0-only
/*
 * What ddad is doing to a device, by name: as state.json, the logs and the
 * replies name it.
 */
#include <errno.h>
#include <string.h>

#include "operation.h"
#include "util.h"

static const char *const operation_names[] = {
	[OPERATION_ASSIGN] = "assign",
	[OPERATION_UNASSIGN] = "unassign",
	[OPERATION_RECLAIM] = "reclaim",
};

const char *operation_name(enum operation operation)
{
	if (operation <= OPERATION_NONE ||
	    operation >= ARRAY_SIZE(operation_names))
		return NULL;
	return operation_names[operation];
}

int operation_parse(const char *name, enum operation *out)
{
	size_t i;

	for (i = 1; i < ARRAY_SIZE(operation_names); i++) {
		if (!strcmp(name, operation_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}
