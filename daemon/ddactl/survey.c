// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl survey: may a device be assigned, and why not; of one device, or
 * of every PCI device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddactl.h"
#include "survey_print.h"

/* What the device at address is, among n devices; NULL if not there. */
static const char *description_of(const struct dda_device *devs, size_t n,
				  const char *address)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(devs[i].address, address))
			return dda_class_name(devs[i].class_code);
	return NULL;
}

static int survey_one(struct dda *dda, const char *address, bool json)
{
	struct survey_view view;
	struct dda_survey survey;
	struct dda_device dev;
	int ret, err;

	err = dda_survey_get(dda, address, &survey);
	if (err)
		return command_failed(dda, err, address);
	view = (struct survey_view){ .survey = &survey };
	/* Only the text has a description; a device gone since has none. */
	if (!json && !dda_device_get(dda, address, &dev))
		view.description = dda_class_name(dev.class_code);

	err = survey_print_show(stdout, &view, json);
	ret = err ? command_failed(NULL, err, "survey") : DDACTL_OK;
	dda_survey_free(&survey);
	return ret;
}

static int survey_all(struct dda *dda, bool json)
{
	struct survey_view *views = NULL;
	struct dda_device *devs = NULL;
	struct dda_survey *surveys;
	size_t count, n_devs = 0, i;
	int ret, err;

	err = dda_survey_list(dda, &surveys, &count);
	if (err)
		return command_failed(dda, err, "cannot survey the devices");
	if (!json) {
		err = dda_device_list(dda, &devs, &n_devs);
		if (err) {
			ret = command_failed(dda, err,
					     "cannot list the devices");
			goto out;
		}
	}
	if (count) {
		views = calloc(count, sizeof(*views));
		if (!views) {
			ret = command_failed(NULL, -ENOMEM, "survey");
			goto out;
		}
	}
	for (i = 0; i < count; i++)
		views[i] = (struct survey_view){
			.survey = &surveys[i],
			.description = description_of(devs, n_devs,
						      surveys[i].address),
		};

	err = survey_print_list(stdout, views, count, json);
	ret = err ? command_failed(NULL, err, "survey") : DDACTL_OK;
out:
	free(views);
	free(devs);
	dda_survey_list_free(surveys, count);
	return ret;
}

int survey_main(const struct command *cmd, const struct args *args)
{
	const char *operand = args->n_operands ? args->operands[0] : NULL;
	char address[DDA_ADDRESS_LEN + 1];
	struct dda *dda;
	int ret;

	(void)cmd;
	if (operand) {
		ret = command_address(operand, address);
		if (ret >= 0)
			return ret;
	}
	ret = command_open(&dda);
	if (ret >= 0)
		return ret;

	ret = operand ? survey_one(dda, address, args->json) :
			survey_all(dda, args->json);
	dda_close(dda);
	return ret;
}
