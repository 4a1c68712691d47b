// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl vm add|list|remove: the guests ddad knows: the QEMUs registered
 * with the QMP socket ddad talks to each through (kind qmp), and the
 * libvirt domains (kind libvirt), which need no registering.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "ddactl.h"
#include "print.h"
#include "util.h"

static const struct json_column vm_columns[] = {
	{ "VM", "vm", COLUMN_STRING },
	{ "CONNECTED", "connected", COLUMN_YES_NO },
	{ "KIND", "kind", COLUMN_STRING },
	{ "RUNNING", "running", COLUMN_YES_NO },
	{ "QMP", "qmp", COLUMN_STRING },
	{ "DEVICES", "devices", COLUMN_LIST },
};

static int vm_add(const struct command *cmd, const struct args *args)
{
	const char *name = args->operands[0], *qmp = args->qmp;
	struct json_object *request, *result;
	int ret;

	(void)cmd;
	request = ddad_request("vm_add");
	if (!ddad_request_add(request, "vm", json_object_new_string(name)) ||
	    !ddad_request_add(request, "qmp", json_object_new_string(qmp))) {
		json_object_put(request);
		return command_failed(NULL, -ENOMEM, "vm add");
	}
	ret = ddad_call(request, DDAD_TIMEOUT_MS, &result);
	if (ret)
		return ret;
	print_start(stdout, args->json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	print_json_value(NULL, result);
	print_string(PRINT_TEXT, NULL, "vm %s: ", name);
	print_string(PRINT_TEXT, NULL, "connected through %s\n", qmp);
	ret = print_end();
	json_object_put(result);
	return ret ? command_failed(NULL, ret, "vm add") : DDACTL_OK;
}

static int vm_remove(const struct command *cmd, const struct args *args)
{
	const char *name = args->operands[0];
	struct json_object *request, *result;
	int ret;

	(void)cmd;
	request = ddad_request("vm_remove");
	if (!ddad_request_add(request, "vm", json_object_new_string(name))) {
		json_object_put(request);
		return command_failed(NULL, -ENOMEM, "vm remove");
	}
	ret = ddad_call(request, DDAD_TIMEOUT_MS, &result);
	json_object_put(result);
	return ret;
}

static int vm_list(const struct command *cmd, const struct args *args)
{
	return ddad_print_list(cmd, "vm_list", args->json, vm_columns,
			       ARRAY_SIZE(vm_columns),
			       "No vm: add one with 'ddactl vm add NAME --qmp PATH'.");
}

#define OPTION_QMP	{ "--qmp", 0, OPTION_VALUE, offsetof(struct args, qmp), \
			  "PATH", true, "the QMP socket of the guest " \
			  "(QEMU's -qmp unix:PATH,server=on,wait=off)" }

const struct command vm_commands[] = {
	{ .name = "vm add", .function = vm_add,
	  .options = (const struct command_option[]){
		OPTION_QMP, OPTION_JSON, { NULL } },
	  .operands = "NAME", .min = 1, .max = 1,
	  .help = "let ddad manage a guest, through its QMP socket (root)" },
	{ .name = "vm list", .function = vm_list,
	  .options = (const struct command_option[]){ OPTION_JSON, { NULL } },
	  .help = "the guests ddad manages, connected or not" },
	{ .name = "vm remove", .function = vm_remove,
	  .operands = "NAME", .min = 1, .max = 1,
	  .help = "forget a guest that holds no device (root)" },
	{ NULL }
};
