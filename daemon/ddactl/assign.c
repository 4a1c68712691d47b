// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl assign, unassign, reassign, reclaim: a quarantined device into a
 * running guest, back into quarantine, or straight to another guest, and
 * a device assigned to no guest ddad knows back into quarantine, through
 * ddad (its "assign", "unassign", "reassign" and "reclaim" ops). ddad
 * answers when the guest has the device, or has let go of it and dda.ko
 * has it back.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "ddactl.h"
#include "print.h"

/* How long ddad may take beyond the guest's own --timeout. */
#define ASSIGN_TIMEOUT_MS	(5 * 60 * 1000)

/* What ddad answered: the device, and its guest if it is assigned. */
static int assign_print(struct json_object *result, bool json)
{
	const char *vm = json_string_of(result, "vm");

	print_start(stdout, json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	print_json_value(NULL, result);
	print_string(PRINT_TEXT, NULL, "%s: ",
		     json_string_of(result, "address"));
	if (vm) {
		print_string(PRINT_TEXT, NULL, "assigned to vm %s", vm);
		print_string(PRINT_TEXT, NULL, " (port %s)\n",
			     json_string_of(result, "port"));
	} else {
		print_string(PRINT_TEXT, NULL, "%s\n",
			     json_string_of(result, "state"));
	}
	return print_end();
}

/*
 * op ADDRESS [--vm NAME] [--timeout SECONDS] [--persistent], as cmd's
 * table allows.
 */
static int change_main(const struct command *cmd, const struct args *args,
		       const char *op)
{
	const char *vm = args->vm;
	struct json_object *request, *result;
	char canonical[DDA_ADDRESS_LEN + 1], pf[DDA_ADDRESS_LEN + 1] = "";
	int ret, wait_ms = ASSIGN_TIMEOUT_MS;

	/* An address, or (assign) --vf-of PF: ddad picks a free VF of it. */
	if (!args->n_operands == !args->vf_of) {
		warnx("%s takes an ADDRESS or --vf-of PF%s", cmd->name,
		      args->vf_of ? ", not both" : "");
		return DDACTL_USAGE;
	}
	ret = command_address(args->vf_of ? args->vf_of : args->operands[0],
			      args->vf_of ? pf : canonical);
	if (ret >= 0)
		return ret;
	wait_ms += args->timeout * 1000;

	request = ddad_request(op);
	if (!ddad_request_add(request, *pf ? "vf_of" : "address",
			      json_object_new_string(*pf ? pf : canonical)) ||
	    (vm && !ddad_request_add(request, "vm",
				     json_object_new_string(vm))) ||
	    (args->timeout &&
	     !ddad_request_add(request, "timeout",
			       json_object_new_double(args->timeout))) ||
	    (args->persistent &&
	     !ddad_request_add(request, "persistent",
			       json_object_new_boolean(true)))) {
		json_object_put(request);
		return command_failed(NULL, -ENOMEM, cmd->name);
	}
	ret = ddad_call(request, wait_ms, &result);
	if (ret)
		return ret;
	ret = assign_print(result, args->json);
	json_object_put(result);
	return ret ? command_failed(NULL, ret, cmd->name) : DDACTL_OK;
}

int assign_main(const struct command *cmd, const struct args *args)
{
	return change_main(cmd, args, "assign");
}

int unassign_main(const struct command *cmd, const struct args *args)
{
	return change_main(cmd, args, "unassign");
}

int reassign_main(const struct command *cmd, const struct args *args)
{
	return change_main(cmd, args, "reassign");
}

int reclaim_main(const struct command *cmd, const struct args *args)
{
	return change_main(cmd, args, "reclaim");
}
