// SPDX-License-Identifier: GPL-2.0-only
/*
 * Surveys for people and for scripts.
 */
#include <string.h>

#include "print.h"
#include "survey_print.h"

/* As wide as the widest severity name, "warning" and "blocker". */
#define SEVERITY_WIDTH	7

/* The findings of severity min or more, into the open JSON array. */
static void findings_print(const struct dda_survey *survey,
			   enum dda_severity min)
{
	const struct dda_finding *finding;
	char fmt[16];
	size_t i;

	snprintf(fmt, sizeof(fmt), "  %%-%ds  ", SEVERITY_WIDTH);
	for (i = 0; i < survey->n_findings; i++) {
		finding = &survey->findings[i];
		if (finding->severity < min)
			continue;
		print_open_object(NULL);
		/* The JSON names the check first, the text the severity. */
		print_string(PRINT_JSON, "check", NULL,
			     dda_check_name(finding->check));
		print_string(PRINT_ANY, "severity", fmt,
			     dda_severity_name(finding->severity));
		print_string(PRINT_TEXT, NULL, "%s: ",
			     dda_check_name(finding->check));
		print_string(PRINT_ANY, "text", "%s\n", finding->text);
		print_close_object();
	}
}

int survey_print_findings(FILE *f, const struct dda_survey *survey,
			  enum dda_severity min)
{
	print_start(f, PRINT_FORMAT_TEXT);
	print_open_array(NULL);
	findings_print(survey, min);
	print_close_array();
	return print_end();
}

/* One survey, its verdict in a column width wide. */
static void survey_print(const struct survey_view *view, int width)
{
	const char *description = view->description;
	char fmt[16];

	snprintf(fmt, sizeof(fmt), "%%-%ds  ", width);
	print_open_object(NULL);
	print_string(PRINT_ANY, "address", "%s  ", view->survey->address);
	print_string(PRINT_ANY, "verdict", fmt,
		     dda_verdict_name(view->survey->verdict));
	print_string(PRINT_TEXT, NULL, "%s\n",
		     description && *description ? description : NULL);
	print_open_array("findings");
	findings_print(view->survey, DDA_SEVERITY_INFO);
	print_close_array();
	print_close_object();
}

/* The widest verdict of n surveys. */
static int verdict_width(const struct survey_view *views, size_t n)
{
	int width = 0, len;
	size_t i;

	for (i = 0; i < n; i++) {
		len = strlen(dda_verdict_name(views[i].survey->verdict));
		if (len > width)
			width = len;
	}
	return width;
}

int survey_print_list(FILE *f, const struct survey_view *views, size_t n,
		      bool json)
{
	int width = verdict_width(views, n);
	size_t i;

	print_start(f, json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	print_open_array(NULL);
	for (i = 0; i < n; i++)
		survey_print(&views[i], width);
	print_close_array();
	return print_end();
}

int survey_print_show(FILE *f, const struct survey_view *view, bool json)
{
	print_start(f, json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	survey_print(view, verdict_width(view, 1));
	return print_end();
}
