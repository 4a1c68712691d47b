// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices printed by daemon/ddactl/device_print.c: the JSON of `list --json` and
 * `show --json`, read back with json-c, and the aligned `list` table and
 * the `show` lines.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "device_print.h"
#include "print.h"
#include "unit.h"
#include "util.h"

static const struct dda_device devices[] = {
	{	/* bound to its host driver */
		.address = "0000:00:03.0", .vendor = 0x8086,
		.device = 0x100e, .subsys_vendor = 0x1af4,
		.subsys_device = 0x1100, .class_code = 0x020000,
		.driver = "e1000", .iommu_group = 3,
		.state = DDA_STATE_HOST,
	},
	{	/* no driver, no IOMMU group */
		.address = "0000:00:1f.3", .vendor = 0x8086,
		.device = 0x2930, .subsys_vendor = 0x1af4,
		.subsys_device = 0x1100, .class_code = 0x0c0500,
		.iommu_group = -1, .state = DDA_STATE_HOST,
	},
	{	/* quarantined, after a reset */
		.address = "0000:3a:00.1", .vendor = 0x10de,
		.device = 0x1eb8, .subsys_vendor = 0x10de,
		.subsys_device = 0x12a2, .class_code = 0x030200,
		.driver = "dda", .iommu_group = 0,
		.state = DDA_STATE_QUARANTINED,
		.original_driver = "nvidia_a_rather_long_driver_name",
		.reset_method = DDA_RESET_BUS, .reset_usec = 250000,
	},
	{	/* an SR-IOV virtual function, quarantined from birth */
		.address = "0000:3b:00.2", .vendor = 0x8086,
		.device = 0x10ed, .subsys_vendor = 0x8086,
		.subsys_device = 0x7a11, .class_code = 0x020000,
		.driver = "dda", .iommu_group = 51,
		.state = DDA_STATE_QUARANTINED, .physfn = "0000:3b:00.0",
		.reset_method = DDA_RESET_FLR, .reset_usec = 100000,
	},
	{	/* assigned to a guest */
		.address = "abcd:ef:1f.7", .vendor = 0x1b36,
		.device = 0x000d, .subsys_vendor = 0x1af4,
		.subsys_device = 0x1100, .class_code = 0x0c0330,
		.driver = "vfio-pci", .iommu_group = 117,
		.state = DDA_STATE_ASSIGNED, .original_driver = "xhci_hcd",
		.window_usec = 2412, .unowned_usec = 5000000000ULL,
		.hold = true,
	},
};

#define N	ARRAY_SIZE(devices)

static const char *const vms[N] = { NULL, NULL, NULL, NULL, "win11" };

static const char *const json_keys[] = {
	"address", "vendor", "device", "subsystem_vendor",
	"subsystem_device", "class", "driver", "iommu_group", "state", "hold",
	"vm",
	"original_driver", "health", "physfn", "window_usec", "unowned_usec",
};

static void views_of(struct device_view *views)
{
	size_t i;

	for (i = 0; i < N; i++)
		views[i] = (struct device_view){ .dev = &devices[i], .vm = vms[i] };
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

static bool is_hex(const char *s, size_t digits)
{
	size_t i;

	if (strlen(s) != digits)
		return false;
	for (i = 0; i < digits; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* Checks one device's object: its keys, their types, their values. */
static void check_object(struct json_object *obj, const struct dda_device *dev,
			 const char *vm)
{
	const char *a = dev->address;
	struct json_object *v;
	char want[16];
	size_t i, keys = 0;

	if (!ok(json_object_is_type(obj, json_type_object), "%s: an object", a))
		return;

	json_object_object_foreach(obj, key, val) {
		bool known = false;

		(void)val;
		for (i = 0; i < ARRAY_SIZE(json_keys); i++)
			known |= !strcmp(key, json_keys[i]);
		ok(known, "%s: key '%s' is one of the documented", a, key);
		keys++;
	}
	is_int(keys, ARRAY_SIZE(json_keys), "%s: every key, once", a);

	ok(json_object_object_get_ex(obj, "address", &v) &&
	   json_object_is_type(v, json_type_string) &&
	   !strcmp(json_object_get_string(v), a), "%s: address", a);

#define HEX_KEY(key, digits, value) do {				\
	snprintf(want, sizeof(want), "%0*x", digits, value);		\
	ok(json_object_object_get_ex(obj, key, &v) &&			\
	   json_object_is_type(v, json_type_string) &&			\
	   is_hex(json_object_get_string(v), digits) &&			\
	   !strcmp(json_object_get_string(v), want),			\
	   "%s: %s is \"%s\"", a, key, want);				\
} while (0)
	HEX_KEY("vendor", 4, dev->vendor);
	HEX_KEY("device", 4, dev->device);
	HEX_KEY("subsystem_vendor", 4, dev->subsys_vendor);
	HEX_KEY("subsystem_device", 4, dev->subsys_device);
	HEX_KEY("class", 6, dev->class_code);
#undef HEX_KEY

#define STRING_OR_NULL(key, value) do {					\
	const char *value_ = (value);					\
	if (value_ && *value_)						\
		ok(json_object_object_get_ex(obj, key, &v) &&		\
		   json_object_is_type(v, json_type_string) &&		\
		   !strcmp(json_object_get_string(v), value_),		\
		   "%s: %s is \"%s\"", a, key, value_);			\
	else								\
		ok(json_object_object_get_ex(obj, key, &v) && !v,	\
		   "%s: %s is null", a, key);				\
} while (0)
	STRING_OR_NULL("driver", dev->driver);
	STRING_OR_NULL("state", dda_state_name(dev->state));
	STRING_OR_NULL("vm", vm);
	STRING_OR_NULL("original_driver", dev->original_driver);
	STRING_OR_NULL("health", dda_health_name(dev->health));
	STRING_OR_NULL("physfn", dev->physfn);
#undef STRING_OR_NULL

	ok(json_object_object_get_ex(obj, "hold", &v) &&
	   json_object_is_type(v, json_type_boolean) &&
	   json_object_get_boolean(v) == dev->hold,
	   "%s: hold is %s", a, dev->hold ? "true" : "false");

	if (dev->iommu_group >= 0)
		ok(json_object_object_get_ex(obj, "iommu_group", &v) &&
		   json_object_is_type(v, json_type_int) &&
		   json_object_get_int64(v) == dev->iommu_group,
		   "%s: iommu_group is %d", a, dev->iommu_group);
	else
		ok(json_object_object_get_ex(obj, "iommu_group", &v) && !v,
		   "%s: iommu_group is null", a);

#define USEC_OR_NULL(key, value) do {					\
	uint64_t value_ = (value);					\
	if (value_)							\
		ok(json_object_object_get_ex(obj, key, &v) &&		\
		   json_object_is_type(v, json_type_int) &&		\
		   (uint64_t)json_object_get_int64(v) == value_,	\
		   "%s: %s is %llu", a, key, (unsigned long long)value_); \
	else								\
		ok(json_object_object_get_ex(obj, key, &v) && !v,	\
		   "%s: %s is null", a, key);				\
} while (0)
	USEC_OR_NULL("window_usec", dev->window_usec);
	USEC_OR_NULL("unowned_usec", dev->unowned_usec);
#undef USEC_OR_NULL
}

static void test_list_json(void)
{
	struct device_view views[N];
	struct json_object *root;
	char *text = NULL;
	size_t i;

	views_of(views);
	CAPTURE(text, device_print_list(f, views, N, true));
	root = json_tokener_parse(text);
	if (ok(json_object_is_type(root, json_type_array),
	       "list --json is an array") &&
	    is_int(json_object_array_length(root), N,
		   "list --json: every device"))
		for (i = 0; i < N; i++)
			check_object(json_object_array_get_idx(root, i),
				     &devices[i], vms[i]);
	json_object_put(root);
	free(text);

	CAPTURE(text, device_print_list(f, views, 0, true));
	is_str(text, "[]\n", "list --json of no device: []");
	free(text);
}

static void test_show_json(void)
{
	struct device_view views[N];
	struct json_object *root;
	char *text = NULL;

	views_of(views);
	CAPTURE(text, device_print_show(f, &views[2], true));
	root = json_tokener_parse(text);
	check_object(root, &devices[2], NULL);
	json_object_put(root);
	free(text);

	CAPTURE(text, device_print_show(f, &views[4], true));
	root = json_tokener_parse(text);
	check_object(root, &devices[4], "win11");
	json_object_put(root);
	free(text);
}

/* Splits text into its lines, in place. */
static size_t lines_of(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *p, *save = NULL;

	for (p = strtok_r(text, "\n", &save); p && n < max;
	     p = strtok_r(NULL, "\n", &save))
		lines[n++] = p;
	return n;
}

static void test_list_table(void)
{
	static const char *const headers[] = {
		"ADDRESS", "CLASS", "VENDOR:DEVICE", "DRIVER", "GROUP",
		"STATE", "HOLD", "VM", "DESCRIPTION",
	};
	static const char *const cells[N][ARRAY_SIZE(headers)] = {
		{ "0000:00:03.0", "0200", "8086:100e", "e1000", "3", "host",
		  "no", "-", "Ethernet controller" },
		{ "0000:00:1f.3", "0c05", "8086:2930", "-", "-", "host", "no",
		  "-", "SMBus" },
		{ "0000:3a:00.1", "0302", "10de:1eb8", "dda", "0",
		  "quarantined", "no", "-", "3D controller" },
		{ "0000:3b:00.2", "0200", "8086:10ed", "dda", "51",
		  "quarantined", "no", "-", "Ethernet controller" },
		{ "abcd:ef:1f.7", "0c03", "1b36:000d", "vfio-pci", "117",
		  "assigned", "yes", "win11", "USB controller" },
	};
	size_t col_at[ARRAY_SIZE(headers)], width, row, col, n;
	struct device_view views[N];
	char *text = NULL, *lines[N + 2];
	const char *p;

	views_of(views);
	CAPTURE(text, device_print_list(f, views, N, false));
	n = lines_of(text, lines, ARRAY_SIZE(lines));
	is_int(n, N + 1, "list: a header and a line per device");
	if (n != N + 1)
		goto out;

	/* The header: each column where the previous one's widest ends. */
	for (col = 0, p = lines[0]; col < ARRAY_SIZE(headers); col++) {
		p = strstr(p, headers[col]);
		if (!ok(p, "list: header %s", headers[col]))
			goto out;
		col_at[col] = p - lines[0];
		p += strlen(headers[col]);
	}
	ok(col_at[0] == 0, "list: ADDRESS starts the line");
	for (col = 0; col + 1 < ARRAY_SIZE(headers); col++) {
		width = strlen(headers[col]);
		for (row = 0; row < N; row++)
			if (strlen(cells[row][col]) > width)
				width = strlen(cells[row][col]);
		is_int(col_at[col + 1], col_at[col] + width + 2,
		       "list: %s is as wide as its widest cell, plus 2",
		       headers[col]);
	}

	/* Every cell starts in its column, and ends there. */
	for (row = 0; row < N; row++) {
		const char *line = lines[row + 1];

		for (col = 0; col < ARRAY_SIZE(headers); col++) {
			const char *cell = cells[row][col];
			size_t at = col_at[col], len = strlen(cell);
			bool last = col + 1 == ARRAY_SIZE(headers);

			ok(strlen(line) >= at + len &&
			   !strncmp(line + at, cell, len) &&
			   (last ? line[at + len] == '\0' :
				   line[at + len] == ' ') &&
			   (at == 0 || line[at - 1] == ' '),
			   "list: row %zu, %s is '%s'", row, headers[col],
			   cell);
		}
	}
	for (row = 0; row < n; row++)
		ok(lines[row][strlen(lines[row]) - 1] != ' ',
		   "list: line %zu has no trailing blank", row);
out:
	free(text);

	CAPTURE(text, device_print_list(f, views, 0, false));
	ok(text && !strncmp(text, "ADDRESS  CLASS", 14) &&
	   !strchr(text, '\n')[1], "list of no device: the header alone");
	free(text);
}

static void test_show_text(void)
{
	static const char *const want[] = {
		"address: 0000:3a:00.1",
		"vendor: 10de",
		"device: 1eb8",
		"subsystem_vendor: 10de",
		"subsystem_device: 12a2",
		"class: 030200",
		"driver: dda",
		"iommu_group: 0",
		"state: quarantined",
		"hold: no",
		"vm: -",
		"original_driver: nvidia_a_rather_long_driver_name",
		"description: 3D controller",
		"reset_method: bus",
		"reset_usec: 250000",
		"health: ok",
		"physfn: -",
		"window_usec: -",
		"unowned_usec: -",
	};
	struct device_view views[N];
	char *text = NULL, *lines[32];
	size_t i, n;

	views_of(views);
	CAPTURE(text, device_print_show(f, &views[2], false));
	n = lines_of(text, lines, ARRAY_SIZE(lines));
	is_int(n, ARRAY_SIZE(want), "show: a line per field");
	for (i = 0; i < n && i < ARRAY_SIZE(want); i++)
		is_str(lines[i], want[i], "show: line %zu", i);
	free(text);

	CAPTURE(text, device_print_show(f, &views[1], false));
	ok(strstr(text, "\ndriver: -\n") &&
	   strstr(text, "\niommu_group: -\n") &&
	   strstr(text, "\noriginal_driver: -\n") &&
	   strstr(text, "\nreset_method: none\n") &&
	   strstr(text, "\nreset_usec: -\n"),
	   "show: none is '-'");
	free(text);

	CAPTURE(text, device_print_show(f, &views[3], false));
	ok(text && strstr(text, "\nphysfn: 0000:3b:00.0\n"),
	   "show: a virtual function names its physical function");
	free(text);

	CAPTURE(text, device_print_show(f, &views[4], false));
	ok(text && strstr(text, "\nwindow_usec: 2412\n") &&
	   strstr(text, "\nunowned_usec: 5000000000\n"),
	   "show: the window between owners, and how long none has held it");
	ok(text && strstr(text, "\nhold: yes (dda blocks the group's DMA until release)\n"),
	   "show: a held device, and what that means");
	free(text);
}

/*
 * The rows of form (brief: another table names devices with, and a cell of
 * its own; vf: `sriov`'s); JSON: whole devices.
 */
static int rows_print(FILE *f, const struct device_view *views,
		      enum device_form form, bool json)
{
	size_t i;

	print_start(f, json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	print_open_table(NULL);
	device_print_headers(form);
	print_header("MORE");
	for (i = 0; i < N; i++) {
		print_open_row();
		device_print_fields(&views[i], form);
		print_string(PRINT_ANY, "more", "%s", "m");
		print_close_row();
	}
	print_close_table(NULL);
	return print_end();
}

static void test_brief(void)
{
	struct device_view views[N];
	struct json_object *root, *more;
	char *text = NULL;
	size_t i;

	views_of(views);
	CAPTURE(text, rows_print(f, views, DEVICE_BRIEF, false));
	is_str(text,
	       "ADDRESS       VENDOR:DEVICE  DRIVER    STATE        MORE\n"
	       "0000:00:03.0  8086:100e      e1000     host         m\n"
	       "0000:00:1f.3  8086:2930      -         host         m\n"
	       "0000:3a:00.1  10de:1eb8      dda       quarantined  m\n"
	       "0000:3b:00.2  8086:10ed      dda       quarantined  m\n"
	       "abcd:ef:1f.7  1b36:000d      vfio-pci  assigned     m\n",
	       "brief rows: address, ids, driver, state");
	free(text);

	CAPTURE(text, rows_print(f, views, DEVICE_BRIEF, true));
	root = json_tokener_parse(text);
	for (i = 0; i < N; i++) {
		struct json_object *obj = json_object_array_get_idx(root, i);

		ok(json_object_object_get_ex(obj, "more", &more) &&
		   !strcmp(json_object_get_string(more), "m"),
		   "brief JSON %zu: the caller's member", i);
		json_object_object_del(obj, "more");
		check_object(obj, &devices[i], vms[i]);
	}
	json_object_put(root);
	free(text);
}

/* sriov's rows: their own order, a header of their own; JSON: whole. */
static void test_vf(void)
{
	struct device_view views[N];
	struct json_object *root, *obj;
	char *text = NULL;
	size_t i;

	views_of(views);
	CAPTURE(text, rows_print(f, views, DEVICE_VF, false));
	is_str(text,
	       "VF            STATE        VM     HEALTH  DRIVER    MORE\n"
	       "0000:00:03.0  host         -      ok      e1000     m\n"
	       "0000:00:1f.3  host         -      ok      -         m\n"
	       "0000:3a:00.1  quarantined  -      ok      dda       m\n"
	       "0000:3b:00.2  quarantined  -      ok      dda       m\n"
	       "abcd:ef:1f.7  assigned     win11  ok      vfio-pci  m\n",
	       "vf rows: address, state, vm, health, driver");
	free(text);

	CAPTURE(text, rows_print(f, views, DEVICE_VF, true));
	root = json_tokener_parse(text);
	for (i = 0; i < N; i++) {
		obj = json_object_array_get_idx(root, i);
		json_object_object_del(obj, "more");
		check_object(obj, &devices[i], vms[i]);
	}
	json_object_put(root);
	free(text);
}

/* show's text names who has the device open; its JSON does not. */
static void test_show_users(void)
{
	static const struct dda_vfio_user users[] = {
		{ .pid = 4242, .command = "qemu-system-x86" },
		{ .pid = 7, .command = "evil\n\x1b[2J" },
	};
	struct device_view views[N];
	struct json_object *root;
	char *text = NULL;

	views_of(views);
	views[4].users = users;
	views[4].n_users = 1;
	CAPTURE(text, device_print_show(f, &views[4], false));
	ok(text && strlen(text) > 36 &&
	   !strcmp(text + strlen(text) - 36,
		   "\nvfio_users: 4242 (qemu-system-x86)\n"),
	   "show: its VFIO user, last");
	free(text);

	views[4].n_users = 2;
	CAPTURE(text, device_print_show(f, &views[4], false));
	ok(text && strstr(text, "\nvfio_users: 4242 (qemu-system-x86), "
				"7 (evil\\x0a\\x1b[2J)\n"),
	   "show: its VFIO users, a command escaped");
	free(text);

	CAPTURE(text, device_print_show(f, &views[4], true));
	root = json_tokener_parse(text);
	check_object(root, &devices[4], "win11");
	json_object_put(root);
	free(text);

	views[4].n_users = 0;
	CAPTURE(text, device_print_show(f, &views[4], false));
	ok(text && !strstr(text, "vfio_users"), "show: no VFIO user, no line");
	free(text);
}

int main(void)
{
	test_brief();
	test_vf();
	test_show_users();
	test_list_json();
	test_show_json();
	test_list_table();
	test_show_text();
	return unit_done();
}
