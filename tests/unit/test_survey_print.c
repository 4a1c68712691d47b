// SPDX-License-Identifier: GPL-2.0-only
/*
 * Surveys printed by daemon/ddactl/survey_print.c: the JSON of `survey --json`, read back
 * with json-c; the lines of `survey`; and the findings a refused dismount
 * or mount shows below its reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "survey_print.h"
#include "unit.h"
#include "util.h"

static struct dda_finding nic_findings[] = {
	{ DDA_CHECK_IOMMU, DDA_SEVERITY_INFO,
	  "IOMMU group 3, host DMA translated by the IOMMU" },
	{ DDA_CHECK_INTR_REMAP, DDA_SEVERITY_INFO,
	  "interrupt remapping is on" },
	{ DDA_CHECK_RESET, DDA_SEVERITY_INFO,
	  "resets by function level reset" },
};

static struct dda_finding hda_findings[] = {
	{ DDA_CHECK_GROUP, DDA_SEVERITY_WARNING,
	  "shares its IOMMU group with 0000:00:1f.3, bound to i801_smbus: they go together" },
	{ DDA_CHECK_GROUP, DDA_SEVERITY_BLOCKER,
	  "shares its IOMMU group with 0000:00:1f.2, bound to vfio-pci: in use by a guest" },
	{ DDA_CHECK_ACS, DDA_SEVERITY_INFO,
	  "on the root bus: no ports to check for ACS" },
	{ DDA_CHECK_RESERVED_REGIONS, DDA_SEVERITY_BLOCKER,
	  "firmware DMA region 0x00000000db000000+800000 (RMRR): the device cannot leave the host" },
	{ DDA_CHECK_BARS, DDA_SEVERITY_WARNING,
	  "64-bit BARs of 16384 MiB: the guest needs a 64-bit MMIO window at least that large" },
	{ DDA_CHECK_SRIOV, DDA_SEVERITY_INFO, "SR-IOV \"quoted\" / \\ text" },
};

/* From a newer dda.ko: values this version has no name for. */
static struct dda_finding future_findings[] = {
	{ (enum dda_check)10, (enum dda_severity)3, "a check to come" },
};

static const struct dda_survey surveys[] = {
	{ "0000:00:03.0", DDA_VERDICT_ASSIGNABLE, ARRAY_SIZE(nic_findings),
	  nic_findings },
	{ "0000:00:1b.0", DDA_VERDICT_BLOCKED, ARRAY_SIZE(hda_findings),
	  hda_findings },
	{ "0000:00:1f.0", DDA_VERDICT_CAVEATS, 0, NULL },
	{ "abcd:ef:1f.7", (enum dda_verdict)3, ARRAY_SIZE(future_findings),
	  future_findings },
};

#define N	ARRAY_SIZE(surveys)

static const char *const descriptions[N] = {
	"Ethernet controller", "Audio device", NULL, "USB controller",
};

static void views_of(struct survey_view *views)
{
	size_t i;

	for (i = 0; i < N; i++)
		views[i] = (struct survey_view){ &surveys[i], descriptions[i] };
}

/* Runs print(f) into memory; returns the text, to be freed. */
#define CAPTURE(text, call) do {					\
	size_t size_;							\
	FILE *f = open_memstream(&(text), &size_);			\
	int err_ = f ? (call) : -1;					\
	if (f)								\
		fclose(f);						\
	is_int(err_, 0, "%s", #call);					\
} while (0)

/* obj has exactly the keys keys[], each once. */
static void keys_are(struct json_object *obj, const char *const *keys,
		     size_t n, const char *what)
{
	size_t i, count = 0;

	json_object_object_foreach(obj, key, val) {
		bool known = false;

		(void)val;
		for (i = 0; i < n; i++)
			known |= !strcmp(key, keys[i]);
		ok(known, "%s: key '%s' is one of the documented", what, key);
		count++;
	}
	is_int(count, n, "%s: every key, once", what);
}

static bool string_is(struct json_object *obj, const char *key,
		      const char *want)
{
	struct json_object *v;

	return json_object_object_get_ex(obj, key, &v) &&
	       json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), want);
}

/* Checks one survey's object: its keys, their types, their values. */
static void check_object(struct json_object *obj,
			 const struct dda_survey *survey)
{
	static const char *const keys[] = { "address", "verdict", "findings" };
	static const char *const finding_keys[] = {
		"check", "severity", "text",
	};
	const char *a = survey->address;
	struct json_object *findings, *finding;
	char what[64];
	size_t i;

	if (!ok(json_object_is_type(obj, json_type_object), "%s: an object",
		a))
		return;
	keys_are(obj, keys, ARRAY_SIZE(keys), a);
	ok(string_is(obj, "address", a), "%s: address", a);
	ok(string_is(obj, "verdict", dda_verdict_name(survey->verdict)),
	   "%s: verdict is \"%s\"", a, dda_verdict_name(survey->verdict));

	if (!ok(json_object_object_get_ex(obj, "findings", &findings) &&
		json_object_is_type(findings, json_type_array),
		"%s: findings is an array", a) ||
	    !is_int(json_object_array_length(findings), survey->n_findings,
		    "%s: every finding", a))
		return;
	for (i = 0; i < survey->n_findings; i++) {
		const struct dda_finding *want = &survey->findings[i];

		snprintf(what, sizeof(what), "%s: finding %zu", a, i);
		finding = json_object_array_get_idx(findings, i);
		if (!ok(json_object_is_type(finding, json_type_object),
			"%s: an object", what))
			continue;
		keys_are(finding, finding_keys, ARRAY_SIZE(finding_keys),
			 what);
		ok(string_is(finding, "check", dda_check_name(want->check)),
		   "%s: check \"%s\"", what, dda_check_name(want->check));
		ok(string_is(finding, "severity",
			     dda_severity_name(want->severity)),
		   "%s: severity \"%s\"", what,
		   dda_severity_name(want->severity));
		ok(string_is(finding, "text", want->text), "%s: text", what);
	}
}

static void test_list_json(void)
{
	struct survey_view views[N];
	struct json_object *root;
	char *text = NULL;
	size_t i;

	views_of(views);
	CAPTURE(text, survey_print_list(f, views, N, true));
	root = json_tokener_parse(text);
	if (ok(json_object_is_type(root, json_type_array),
	       "survey --json is an array") &&
	    is_int(json_object_array_length(root), N,
		   "survey --json: every device"))
		for (i = 0; i < N; i++)
			check_object(json_object_array_get_idx(root, i),
				     &surveys[i]);
	json_object_put(root);
	free(text);

	CAPTURE(text, survey_print_list(f, views, 0, true));
	is_str(text, "[]\n", "survey --json of no device: []");
	free(text);
}

static void test_show_json(void)
{
	struct survey_view views[N];
	struct json_object *root;
	char *text = NULL;

	views_of(views);
	CAPTURE(text, survey_print_show(f, &views[1], true));
	root = json_tokener_parse(text);
	check_object(root, &surveys[1]);
	json_object_put(root);
	free(text);

	/* No findings: an empty array, not null. */
	CAPTURE(text, survey_print_show(f, &views[2], true));
	root = json_tokener_parse(text);
	check_object(root, &surveys[2]);
	json_object_put(root);
	free(text);
}

static void test_list_text(void)
{
	static const char want[] =
		"0000:00:03.0  assignable  Ethernet controller\n"
		"  info     iommu: IOMMU group 3, host DMA translated by the IOMMU\n"
		"  info     interrupt_remapping: interrupt remapping is on\n"
		"  info     reset: resets by function level reset\n"
		"0000:00:1b.0  blocked     Audio device\n"
		"  warning  group: shares its IOMMU group with 0000:00:1f.3, bound to i801_smbus: they go together\n"
		"  blocker  group: shares its IOMMU group with 0000:00:1f.2, bound to vfio-pci: in use by a guest\n"
		"  info     acs: on the root bus: no ports to check for ACS\n"
		"  blocker  reserved_regions: firmware DMA region 0x00000000db000000+800000 (RMRR): the device cannot leave the host\n"
		"  warning  bars: 64-bit BARs of 16384 MiB: the guest needs a 64-bit MMIO window at least that large\n"
		"  info     sriov: SR-IOV \"quoted\" / \\ text\n"
		"0000:00:1f.0  caveats     -\n"
		"abcd:ef:1f.7  unknown     USB controller\n"
		"  unknown  unknown: a check to come\n";
	struct survey_view views[N];
	char *text = NULL, *line, *save = NULL;
	size_t n = 0;

	views_of(views);
	CAPTURE(text, survey_print_list(f, views, N, false));
	is_str(text, want, "survey: a line per device, then its findings");

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++)
		ok(line[strlen(line) - 1] != ' ',
		   "survey: line %zu has no trailing blank", n);
	free(text);

	CAPTURE(text, survey_print_list(f, views, 0, false));
	is_str(text, "", "survey of no device: nothing");
	free(text);
}

static void test_show_text(void)
{
	struct survey_view views[N];
	char *text = NULL;

	/* One survey: its verdict as wide as itself. */
	views_of(views);
	CAPTURE(text, survey_print_show(f, &views[2], false));
	is_str(text, "0000:00:1f.0  caveats  -\n",
	       "survey ADDRESS without findings or description");
	free(text);

	views[2].description = "";
	CAPTURE(text, survey_print_show(f, &views[2], false));
	is_str(text, "0000:00:1f.0  caveats  -\n",
	       "survey ADDRESS, empty description: -");
	free(text);

	CAPTURE(text, survey_print_show(f, &views[0], false));
	ok(!strncmp(text, "0000:00:03.0  assignable  Ethernet controller\n"
			  "  info     iommu: ", 64),
	   "survey ADDRESS: its line, then its findings");
	free(text);
}

static void test_findings(void)
{
	char *text = NULL;

	/* What a refused dismount shows below the kernel's reason. */
	CAPTURE(text, survey_print_findings(f, &surveys[1],
					    DDA_SEVERITY_WARNING));
	is_str(text,
	       "  warning  group: shares its IOMMU group with 0000:00:1f.3, bound to i801_smbus: they go together\n"
	       "  blocker  group: shares its IOMMU group with 0000:00:1f.2, bound to vfio-pci: in use by a guest\n"
	       "  blocker  reserved_regions: firmware DMA region 0x00000000db000000+800000 (RMRR): the device cannot leave the host\n"
	       "  warning  bars: 64-bit BARs of 16384 MiB: the guest needs a 64-bit MMIO window at least that large\n",
	       "warnings and blockers, in the kernel's order");
	free(text);

	CAPTURE(text, survey_print_findings(f, &surveys[1],
					    DDA_SEVERITY_BLOCKER));
	is_str(text,
	       "  blocker  group: shares its IOMMU group with 0000:00:1f.2, bound to vfio-pci: in use by a guest\n"
	       "  blocker  reserved_regions: firmware DMA region 0x00000000db000000+800000 (RMRR): the device cannot leave the host\n",
	       "blockers only");
	free(text);

	CAPTURE(text, survey_print_findings(f, &surveys[0],
					    DDA_SEVERITY_WARNING));
	is_str(text, "", "no warnings: nothing");
	free(text);

	/* A severity of a newer dda.ko may matter: it is shown. */
	CAPTURE(text, survey_print_findings(f, &surveys[3],
					    DDA_SEVERITY_BLOCKER));
	is_str(text, "  unknown  unknown: a check to come\n",
	       "an unknown severity is shown");
	free(text);
}

int main(void)
{
	test_list_json();
	test_show_json();
	test_list_text();
	test_show_text();
	test_findings();
	return unit_done();
}
