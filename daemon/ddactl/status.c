// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl status: the devices ddad manages, quarantined or assigned, with
 * their guest and since when; ddad's "status" op.
 */
#include "ddactl.h"
#include "print.h"
#include "util.h"

static const struct json_column status_columns[] = {
	{ "ADDRESS", "address", COLUMN_STRING },
	{ "STATE", "state", COLUMN_STRING },
	{ "VM", "vm", COLUMN_STRING },
	{ "SINCE", "since", COLUMN_STRING },
};

int status_main(const struct command *cmd, const struct args *args)
{
	return ddad_print_list(cmd, "status", args->json, status_columns,
			       ARRAY_SIZE(status_columns),
			       "No device is quarantined or assigned.");
}
