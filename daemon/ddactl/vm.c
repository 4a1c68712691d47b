// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl vm add|list|remove: the guests ddad knows, each by the QMP
 * socket ddad talks to it through.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "ddactl.h"
#include "print.h"

#define VM_COLUMNS	4

static int vm_list_print(struct json_object *vms)
{
	static const char *const header[VM_COLUMNS] = {
		"VM", "CONNECTED", "QMP", "DEVICES",
	};
	size_t n = json_object_array_length(vms), i, j, k;
	struct json_object *devices, *vm;
	const char **cells;
	char **lists;
	int err = -ENOMEM;

	cells = calloc((n + 1) * VM_COLUMNS, sizeof(*cells));
	lists = calloc(n + 1, sizeof(*lists));
	if (!cells || !lists)
		goto out;
	for (j = 0; j < VM_COLUMNS; j++)
		cells[j] = header[j];
	for (i = 0; i < n; i++) {
		const char **row = cells + (i + 1) * VM_COLUMNS;
		size_t len = 2, m;

		vm = json_object_array_get_idx(vms, i);
		row[0] = json_text_or_dash(vm, "vm");
		row[1] = json_object_object_get_ex(vm, "connected", &devices) &&
			 json_object_get_boolean(devices) ? "yes" : "no";
		row[2] = json_text_or_dash(vm, "qmp");
		if (!json_object_object_get_ex(vm, "devices", &devices) ||
		    !json_object_is_type(devices, json_type_array))
			devices = NULL;
		m = devices ? json_object_array_length(devices) : 0;
		for (k = 0; k < m; k++)
			len += strlen(json_object_get_string(
				json_object_array_get_idx(devices, k))) + 1;
		lists[i] = calloc(1, len);
		if (!lists[i])
			goto out;
		for (k = 0; k < m; k++) {
			if (k)
				strcat(lists[i], ",");
			strcat(lists[i], json_object_get_string(
				json_object_array_get_idx(devices, k)));
		}
		row[3] = m ? lists[i] : "-";
	}
	err = print_table(stdout, cells, n + 1, VM_COLUMNS);
out:
	for (i = 0; lists && i < n; i++)
		free(lists[i]);
	free(lists);
	free(cells);
	return err;
}

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
	if (args->json)
		ret = print_json(stdout, result);
	else
		ret = printf("vm %s: connected through %s\n", name, qmp) < 0 ?
		      -EIO : 0;
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
	struct json_object *result;
	int ret, err;

	(void)cmd;
	ret = ddad_call(ddad_request("vm_list"), DDAD_TIMEOUT_MS, &result);
	if (ret)
		return ret;
	if (!json_object_is_type(result, json_type_array))
		err = -EBADMSG;
	else if (args->json)
		err = print_json(stdout, result);
	else if (!json_object_array_length(result))
		err = printf("No vm: add one with 'ddactl vm add NAME --qmp PATH'.\n") < 0 ?
		      -EIO : 0;
	else
		err = vm_list_print(result);
	json_object_put(result);
	return err ? command_failed(NULL, err, "vm list") : DDACTL_OK;
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
