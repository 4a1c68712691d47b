// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl status: the devices ddad manages, quarantined or assigned, with
 * their guest and since when; ddad's "status" op.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "ddactl.h"
#include "print.h"

#define STATUS_COLUMNS	4

/* A string member, or "-" for none. */
const char *json_text_or_dash(struct json_object *obj, const char *key)
{
	struct json_object *value;

	if (!json_object_object_get_ex(obj, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return "-";
	return json_object_get_string(value);
}

static int status_print(struct json_object *devices)
{
	static const char *const header[STATUS_COLUMNS] = {
		"ADDRESS", "STATE", "VM", "SINCE",
	};
	size_t n = json_object_array_length(devices), i, j;
	const char **cells;
	int err;

	cells = calloc((n + 1) * STATUS_COLUMNS, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	for (j = 0; j < STATUS_COLUMNS; j++)
		cells[j] = header[j];
	for (i = 0; i < n; i++) {
		struct json_object *dev = json_object_array_get_idx(devices, i);
		const char **row = cells + (i + 1) * STATUS_COLUMNS;

		row[0] = json_text_or_dash(dev, "address");
		row[1] = json_text_or_dash(dev, "state");
		row[2] = json_text_or_dash(dev, "vm");
		row[3] = json_text_or_dash(dev, "since");
	}
	err = print_table(stdout, cells, n + 1, STATUS_COLUMNS);
	free(cells);
	return err;
}

int status_main(const struct command *cmd, const struct args *args)
{
	struct json_object *result;
	int ret, err;

	(void)cmd;
	ret = ddad_call(ddad_request("status"), DDAD_TIMEOUT_MS, &result);
	if (ret)
		return ret;
	if (!json_object_is_type(result, json_type_array))
		err = -EBADMSG;
	else if (args->json)
		err = print_json(stdout, result);
	else if (!json_object_array_length(result))
		err = printf("No device is quarantined or assigned.\n") < 0 ?
		      -EIO : 0;
	else
		err = status_print(result);
	json_object_put(result);
	return err ? command_failed(NULL, err, "status") : DDACTL_OK;
}
