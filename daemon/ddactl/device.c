// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl list, ddactl show: what dda.ko says of the PCI devices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "ddactl.h"
#include "device_print.h"

int list_main(const struct command *cmd, const struct args *args)
{
	struct device_view *views = NULL;
	struct json_object *guests;
	struct dda_device *devs;
	struct dda *dda;
	size_t count, i;
	int ret, err;

	(void)cmd;
	ret = command_open(&dda);
	if (ret >= 0)
		return ret;

	err = dda_device_list(dda, &devs, &count);
	if (err) {
		ret = command_failed(dda, err, "cannot list the devices");
		goto out_close;
	}
	if (count) {
		views = calloc(count, sizeof(*views));
		if (!views) {
			ret = command_failed(NULL, -ENOMEM, "list");
			goto out_free;
		}
	}
	/* The guests are ddad's to know; without it, none is named. */
	for (i = 0; i < count; i++)
		views[i] = (struct device_view){ .dev = &devs[i] };
	guests = ddad_vms(views, count);

	err = device_print_list(stdout, views, count, args->json);
	json_object_put(guests);
	ret = err ? command_failed(NULL, err, "list") : DDACTL_OK;
	free(views);
out_free:
	free(devs);
out_close:
	dda_close(dda);
	return ret;
}

int show_main(const struct command *cmd, const struct args *args)
{
	struct dda_vfio_user *users = NULL;
	char address[DDA_ADDRESS_LEN + 1];
	struct json_object *guests;
	struct device_view view;
	struct dda_device dev;
	struct dda *dda;
	int ret, err;

	(void)cmd;
	ret = command_address(args->operands[0], address);
	if (ret >= 0)
		return ret;
	ret = command_open(&dda);
	if (ret >= 0)
		return ret;

	err = dda_device_get(dda, address, &dev);
	if (err) {
		ret = command_failed(dda, err, address);
		goto out;
	}
	view = (struct device_view){ .dev = &dev };
	/* Whom a reclaim of it waits for, in text; best effort. */
	if (!args->json && dev.state == DDA_STATE_ASSIGNED &&
	    dda_vfio_users(address, &users, &view.n_users))
		view.n_users = 0;
	view.users = users;
	guests = ddad_vms(&view, 1);
	err = device_print_show(stdout, &view, args->json);
	json_object_put(guests);
	free(users);
	ret = err ? command_failed(NULL, err, "show") : DDACTL_OK;
out:
	dda_close(dda);
	return ret;
}
