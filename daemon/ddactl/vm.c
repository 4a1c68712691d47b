// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl vm add|list|remove: the guests ddad knows, each by the QMP
 * socket ddad talks to it through.
 */
#include <err.h>
#include <errno.h>
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

static int vm_add(const struct command *cmd, int argc, char *argv[])
{
	const char *name = NULL, *qmp = NULL;
	const struct option_value values[] = {
		{ "--qmp", &qmp }, { NULL, NULL },
	};
	struct json_object *request, *result;
	bool json = false;
	int ret;

	ret = command_options(cmd, argc, argv, &json, values, &name, 1, 1);
	if (ret >= 0)
		return ret;
	if (!qmp) {
		warnx("vm add: --qmp PATH is missing: the QMP socket of the guest (QEMU's -qmp unix:PATH,server=on,wait=off)");
		return DDACTL_USAGE;
	}
	request = ddad_request("vm_add");
	if (!ddad_request_add(request, "vm", json_object_new_string(name)) ||
	    !ddad_request_add(request, "qmp", json_object_new_string(qmp))) {
		json_object_put(request);
		return command_failed(NULL, -ENOMEM, "vm add");
	}
	ret = ddad_call(request, DDAD_TIMEOUT_MS, &result);
	if (ret)
		return ret;
	if (json)
		ret = print_json(stdout, result);
	else
		ret = printf("vm %s: connected through %s\n", name, qmp) < 0 ?
		      -EIO : 0;
	json_object_put(result);
	return ret ? command_failed(NULL, ret, "vm add") : DDACTL_OK;
}

static int vm_remove(const struct command *cmd, int argc, char *argv[])
{
	struct json_object *request, *result;
	const char *name = NULL;
	int ret;

	ret = command_options(cmd, argc, argv, NULL, NULL, &name, 1, 1);
	if (ret >= 0)
		return ret;
	request = ddad_request("vm_remove");
	if (!ddad_request_add(request, "vm", json_object_new_string(name))) {
		json_object_put(request);
		return command_failed(NULL, -ENOMEM, "vm remove");
	}
	ret = ddad_call(request, DDAD_TIMEOUT_MS, &result);
	json_object_put(result);
	return ret;
}

static int vm_list(const struct command *cmd, int argc, char *argv[])
{
	struct json_object *result;
	bool json = false;
	int ret, err;

	ret = command_options(cmd, argc, argv, &json, NULL, NULL, 0, 0);
	if (ret >= 0)
		return ret;
	ret = ddad_call(ddad_request("vm_list"), DDAD_TIMEOUT_MS, &result);
	if (ret)
		return ret;
	if (!json_object_is_type(result, json_type_array))
		err = -EBADMSG;
	else if (json)
		err = print_json(stdout, result);
	else if (!json_object_array_length(result))
		err = printf("No vm: add one with 'ddactl vm add NAME --qmp PATH'.\n") < 0 ?
		      -EIO : 0;
	else
		err = vm_list_print(result);
	json_object_put(result);
	return err ? command_failed(NULL, err, "vm list") : DDACTL_OK;
}

int vm_main(const struct command *cmd, int argc, char *argv[])
{
	static const struct command subcommands[] = {
		{ "vm add", NULL, "NAME --qmp PATH [--json]",
		  "let ddad manage a guest, through its QMP socket (root)" },
		{ "vm list", NULL, "[--json]",
		  "the guests ddad manages, connected or not" },
		{ "vm remove", NULL, "NAME",
		  "forget a guest that holds no device (root)" },
	};
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("Usage: ddactl vm add|list|remove ...\n");
		for (i = 0; i < sizeof(subcommands) / sizeof(*subcommands); i++)
			printf("  ddactl %s %s\n      %s\n", subcommands[i].name,
			       subcommands[i].args, subcommands[i].help);
		return argc < 2 ? DDACTL_USAGE : DDACTL_OK;
	}
	if (!strcmp(argv[1], "add"))
		return vm_add(&subcommands[0], argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return vm_list(&subcommands[1], argc - 1, argv + 1);
	if (!strcmp(argv[1], "remove"))
		return vm_remove(&subcommands[2], argc - 1, argv + 1);
	warnx("vm: '%s' is not add, list or remove", argv[1]);
	(void)cmd;
	return DDACTL_USAGE;
}
