// SPDX-License-Identifier: GPL-2.0-only
/*
 * Surveys for people and for scripts.
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>

#include "print.h"
#include "survey_print.h"

/* As wide as the widest severity name, "warning" and "blocker". */
#define SEVERITY_WIDTH	7

/* Adds the string member key to obj: 0, or -ENOMEM. */
static int add_string(struct json_object *obj, const char *key,
		      const char *value)
{
	struct json_object *member = json_object_new_string(value);

	if (!member || json_object_object_add(obj, key, member)) {
		json_object_put(member);
		return -ENOMEM;
	}
	return 0;
}

static struct json_object *finding_json(const struct dda_finding *finding)
{
	struct json_object *obj;

	obj = json_object_new_object();
	if (!obj)
		return NULL;
	if (add_string(obj, "check", dda_check_name(finding->check)) ||
	    add_string(obj, "severity",
		       dda_severity_name(finding->severity)) ||
	    add_string(obj, "text", finding->text)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

struct json_object *survey_json(const struct dda_survey *survey)
{
	struct json_object *obj, *findings, *finding;
	size_t i;

	obj = json_object_new_object();
	if (!obj)
		return NULL;
	if (add_string(obj, "address", survey->address) ||
	    add_string(obj, "verdict", dda_verdict_name(survey->verdict)))
		goto fail;

	findings = json_object_new_array();
	if (!findings)
		goto fail;
	if (json_object_object_add(obj, "findings", findings)) {
		json_object_put(findings);
		goto fail;
	}
	for (i = 0; i < survey->n_findings; i++) {
		finding = finding_json(&survey->findings[i]);
		if (!finding || json_object_array_add(findings, finding)) {
			json_object_put(finding);
			goto fail;
		}
	}
	return obj;

fail:
	json_object_put(obj);
	return NULL;
}

int survey_print_findings(FILE *f, const struct dda_survey *survey,
			  enum dda_severity min)
{
	const struct dda_finding *finding;
	size_t i;

	for (i = 0; i < survey->n_findings; i++) {
		finding = &survey->findings[i];
		if (finding->severity < min)
			continue;
		fprintf(f, "  %-*s  %s: %s\n", SEVERITY_WIDTH,
			dda_severity_name(finding->severity),
			dda_check_name(finding->check), finding->text);
	}
	return ferror(f) ? -EIO : 0;
}

static int survey_print_text(FILE *f, const struct survey_view *views,
			     size_t n)
{
	const struct survey_view *view;
	int width = 0, len, err;

	for (view = views; view < views + n; view++) {
		len = strlen(dda_verdict_name(view->survey->verdict));
		if (len > width)
			width = len;
	}
	for (view = views; view < views + n; view++) {
		fprintf(f, "%s  %-*s  %s\n", view->survey->address, width,
			dda_verdict_name(view->survey->verdict),
			view->description && *view->description ?
			view->description : "-");
		err = survey_print_findings(f, view->survey,
					    DDA_SEVERITY_INFO);
		if (err)
			return err;
	}
	return ferror(f) ? -EIO : 0;
}

int survey_print_list(FILE *f, const struct survey_view *views, size_t n,
		      bool json)
{
	struct json_object *array;
	size_t i;

	if (!json)
		return survey_print_text(f, views, n);

	array = json_object_new_array();
	for (i = 0; array && i < n; i++) {
		if (!json_array_append(array, survey_json(views[i].survey))) {
			json_object_put(array);
			array = NULL;
		}
	}
	return print_json_put(f, array);
}

int survey_print_show(FILE *f, const struct survey_view *view, bool json)
{
	if (!json)
		return survey_print_text(f, view, 1);
	return print_json_put(f, survey_json(view->survey));
}
