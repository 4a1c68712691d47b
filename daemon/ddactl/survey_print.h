/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Surveys for people and for scripts: the lines of `survey` and their
 * JSON.
 *
 * JSON object of a survey, every key always there:
 *
 *	address		string "dddd:bb:dd.f"
 *	verdict		"assignable", "caveats" or "blocked"
 *	findings	array of objects, in the kernel's order:
 *	  check		"iommu", "interrupt_remapping", "group", "acs",
 *			"reset", "bars", "sriov", "boot_device",
 *			"reserved_regions" or "bridge"
 *	  severity	"info", "warning" or "blocker"
 *	  text		string: one line for people
 *
 * A value from a newer dda.ko that this version has no name for is
 * "unknown".
 */
#ifndef DDA_SURVEY_PRINT_H
#define DDA_SURVEY_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "libdda.h"

/*
 * A survey as ddactl presents it: what dda.ko says, and what the
 * device is, its dda_class_name() (NULL if unknown).
 */
struct survey_view {
	const struct dda_survey *survey;
	const char *description;
};

/*
 * Prints n surveys: per device a line "ADDRESS  VERDICT  DESCRIPTION", the
 * verdicts in a column as wide as the widest, "-" for no description; then
 * its findings, one per line, as survey_print_findings() prints them. Or
 * as a JSON array. Returns 0, -ENOMEM or -EIO.
 */
int survey_print_list(FILE *f, const struct survey_view *views, size_t n,
		      bool json);

/* Prints one survey: as above, or as a JSON object. */
int survey_print_show(FILE *f, const struct survey_view *view, bool json);

/*
 * Prints the findings of survey whose severity is min or more, one per
 * line, indented: "  SEVERITY  CHECK: TEXT", the severities in a column.
 * Returns 0, or -EIO.
 */
int survey_print_findings(FILE *f, const struct dda_survey *survey,
			  enum dda_severity min);

#endif /* DDA_SURVEY_PRINT_H */
