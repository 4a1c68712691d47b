// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl's printer (daemon/ddactl/print.c), on a table of cases: each runs
 * the same print_*() calls once as text and once as JSON, and says what
 * each prints, or which mistake print_end() returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "policy.h"
#include "print.h"
#include "unit.h"
#include "util.h"

static void scalars(void)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "name: %s\n", "edu");
	print_int(PRINT_ANY, "group", "group: %lld\n", -3);
	print_string(PRINT_ANY, "driver", "driver: %s\n", NULL);
	print_string(PRINT_JSON, "json_only", "never: %s\n", "j");
	print_string(PRINT_TEXT, "text_only", "text: %s\n", "t");
	print_int(PRINT_ANY, "no_text", NULL, 7);
	print_text("%d%%\n", 100);
	print_close_object();
}

/* Booleans: JSON's true and false; yes and no in text. */
static void booleans(void)
{
	print_open_object(NULL);
	print_bool(PRINT_ANY, "on", "on: %s\n", true);
	print_bool(PRINT_ANY, "off", "off: %s\n", false);
	print_bool(PRINT_JSON, "json_only", "never: %s\n", true);
	print_bool(PRINT_TEXT, NULL, "[%s]\n", false);
	print_close_object();
}

/* Quotes, backslashes, control characters, UTF-8 and a slash. */
static void escapes(void)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "s", "%s|\n",
		     "a \"q\" \\ /\n\t\x1b[31m\x7f\x01 \xc3\xa9");
	print_string(PRINT_ANY, "k\"ey", "%s|\n", "");
	print_close_object();
}

static void nesting(void)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "a", "a=%s\n", "1");
	print_open_array("list");
	print_open_object(NULL);
	print_string(PRINT_ANY, "b", "  b=%s\n", "2");
	print_open_array("inner");
	print_int(PRINT_ANY, NULL, "    %lld\n", 3);
	print_string(PRINT_ANY, "ignored in an array", "    %s\n", "four");
	print_close_array();
	print_open_array("none");
	print_close_array();
	print_close_object();
	print_close_array();
	print_open_object("o");
	print_close_object();
	print_close_object();
}

static void table(void)
{
	static const char *const rows[][3] = {
		{ "0000:00:03.0", "e1000e", "host" },
		{ "0000:3a:00.1", NULL, "quarantined" },
		{ "abcd:ef:1f.7", "x\ty", "assigned" },	/* escaped, width too */
	};
	size_t i;

	print_open_table(NULL);
	print_header("ADDRESS");
	print_header("DRIVER");
	print_header("STATE");
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		print_open_row();
		print_string(PRINT_ANY, "address", "%s", rows[i][0]);
		print_string(PRINT_ANY, "driver", "%s", rows[i][1]);
		print_int(PRINT_JSON, "n", NULL, i);
		print_string(PRINT_ANY, "state", "<%s>", rows[i][2]);
		print_close_row();
	}
	print_close_table("never: there are rows");
}

static void table_empty(void)
{
	print_open_table(NULL);
	print_header("VM");
	print_header("QMP");
	print_close_table("No vm.");
}

static void table_headers_alone(void)
{
	print_open_table(NULL);
	print_header("ADDRESS");
	print_header("CLASS");
	print_close_table(NULL);
}

static void table_bare(void)
{
	print_open_table(NULL);
	print_close_table(NULL);
}

/* A table in an object, text around it, as `policy check` prints. */
static void table_inside(void)
{
	print_open_object(NULL);
	print_text("before\n");
	print_open_table("selected");
	print_header("A");
	print_header("B");
	print_open_row();
	print_string(PRINT_ANY, "a", "%s", "wide cell");
	print_int(PRINT_ANY, "b", "%lld", 1);
	print_close_row();
	print_close_table(NULL);
	print_string(PRINT_ANY, "after", "after: %s\n", "x");
	print_close_object();
}

static const struct json_column columns[] = {
	{ "VM", "vm", COLUMN_STRING },
	{ "CONNECTED", "connected", COLUMN_YES_NO },
	{ "DEVICES", "devices", COLUMN_LIST },
};

/* What ddad answers, in a table; JSON: the objects as they are. */
static void json_table(const char *json)
{
	struct json_object *array = json_tokener_parse(json);

	print_json_table(NULL, array, columns, ARRAY_SIZE(columns), NULL);
	json_object_put(array);
}

static void json_table_none(void)
{
	json_table("[]");
}

static void json_table_every_kind(void)
{
	json_table("[{\"vm\": \"g1\", \"connected\": true, \"qmp\": \"/q\", "
		   "\"devices\": [\"0000:00:03.0\", \"0000:00:04.0\"]}]");
}

static void json_table_missing(void)
{
	json_table("[{}, {\"vm\": \"guest-two\", \"connected\": false, "
		   "\"devices\": []}]");
}

static void json_table_other_types(void)
{
	json_table("[{\"vm\": 7, \"connected\": true, \"devices\": \"x\"}]");
}

static void json_table_empty_message(void)
{
	struct json_object *array = json_object_new_array();

	print_json_table(NULL, array, columns, ARRAY_SIZE(columns),
			 "No vm: add one.");
	json_object_put(array);
}

/* A value of json-c's, as ddad answered it, and members of one. */
static void json_values(void)
{
	struct json_object *answer = json_tokener_parse(
		"{\"address\": \"0000:00:03.0\", \"port\": \"p1\"}");

	print_open_object(NULL);
	print_json_value("answer", answer);
	print_json_value("nothing", NULL);
	print_json_members(answer);
	print_string(PRINT_TEXT, NULL, "%s\n", json_string_of(answer, "port"));
	print_string(PRINT_TEXT, NULL, "%s\n", json_string_of(answer, "x"));
	print_close_object();
	json_object_put(answer);
}

static void top_array_empty(void)
{
	print_open_array(NULL);
	print_close_array();
}

static void nothing(void)
{
}

/* Mistakes: each one is -EINVAL, and no JSON is printed. */
static void close_unopened(void)
{
	print_text("kept\n");
	print_close_object();
	print_text("after the mistake: not printed\n");
}

static void close_other(void)
{
	print_open_array(NULL);
	print_close_object();
}

static void left_open(void)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "a", "%s\n", "b");
}

static void no_key(void)
{
	print_open_object(NULL);
	print_string(PRINT_JSON, NULL, NULL, "a member needs a key");
	print_close_object();
}

static void two_documents(void)
{
	print_open_object(NULL);
	print_close_object();
	print_open_object(NULL);
	print_close_object();
}

static void cells_missing(void)
{
	print_open_table(NULL);
	print_header("A");
	print_header("B");
	print_open_row();
	print_string(PRINT_ANY, "a", "%s", "only a");
	print_close_row();
	print_close_table(NULL);
}

static void text_between_rows(void)
{
	print_open_table(NULL);
	print_header("A");
	print_text("not a cell\n");
	print_close_table(NULL);
}

static void nested_tables(void)
{
	print_open_table(NULL);
	print_open_row();
	print_open_table("inner");
	print_close_table(NULL);
	print_close_row();
	print_close_table(NULL);
}

static void row_outside_table(void)
{
	print_open_array(NULL);
	print_open_row();
	print_close_row();
	print_close_array();
}

static void header_after_rows(void)
{
	print_open_table(NULL);
	print_header("A");
	print_open_row();
	print_string(PRINT_ANY, "a", "%s", "1");
	print_close_row();
	print_header("B");
	print_close_table(NULL);
}

static void too_deep(void)
{
	int i;

	for (i = 0; i < 17; i++)
		print_open_array(NULL);
	for (i = 0; i < 17; i++)
		print_close_array();
}

/*
 * ddactl policy modprobe: ids= of an id, addresses= of an address and of
 * the devices a class or an id with a subsystem selects (a comment each).
 * No module's alias matches these made-up devices: no softdep.
 */
static void policy_modprobe_calls(void)
{
	static const struct dda_device devs[] = {
		{ .address = "0000:00:09.0", .vendor = 0x1234,
		  .device = 0xfff3, .class_code = 0xff0000 },
		{ .address = "0000:00:0a.0", .vendor = 0x1234,
		  .device = 0xfff2, .class_code = 0xff0000 },
		{ .address = "0000:00:0b.0", .vendor = 0x1234,
		  .device = 0xfff0, .subsys_vendor = 0x1af4,
		  .subsys_device = 0x1100 },
		{ .address = "0000:00:0c.0", .vendor = 0x1234,
		  .device = 0xfff0 },
	};
	char error[POLICY_ERROR_SIZE];
	struct policy policy = { 0 };

	policy_parse(&policy, "m.conf",
		     "id 1234:fff1\naddress 0000:00:09.0\nclass 0xff0000\n"
		     "id 1234:fff0 subsystem 1af4:1100\n", error);
	print_open_object(NULL);
	if (policy_modprobe(&policy, devs, ARRAY_SIZE(devs)))
		print_open_object(NULL);	/* a mistake print_end() says */
	print_close_object();
	policy_free(&policy);
}

static const struct {
	const char *what;
	void (*calls)(void);
	int err;		/* what print_end() returns, either way */
	const char *text;
	const char *json;	/* pretty; NULL: as json_line */
	const char *json_line;
} cases[] = {
	{ "a string, an integer, none; one side only", scalars, 0,
	  "name: edu\ngroup: -3\ndriver: -\ntext: t\n100%\n",
	  "{\n"
	  "  \"name\": \"edu\",\n"
	  "  \"group\": -3,\n"
	  "  \"driver\": null,\n"
	  "  \"json_only\": \"j\",\n"
	  "  \"no_text\": 7\n"
	  "}\n",
	  "{ \"name\": \"edu\", \"group\": -3, \"driver\": null, "
	  "\"json_only\": \"j\", \"no_text\": 7 }\n" },
	{ "booleans: true and false, yes and no", booleans, 0,
	  "on: yes\noff: no\n[no]\n",
	  "{\n"
	  "  \"on\": true,\n"
	  "  \"off\": false,\n"
	  "  \"json_only\": true\n"
	  "}\n",
	  "{ \"on\": true, \"off\": false, \"json_only\": true }\n" },
	{ "escaped once: JSON by json-c, control characters in text", escapes,
	  0,
	  "a \"q\" \\ /\\x0a\\x09\\x1b[31m\\x7f\\x01 \xc3\xa9|\n|\n",
	  "{\n"
	  "  \"s\": \"a \\\"q\\\" \\\\ /\\n\\t\\u001b[31m\x7f\\u0001 \xc3\xa9\",\n"
	  "  \"k\\\"ey\": \"\"\n"
	  "}\n",
	  NULL },
	{ "objects and arrays nest in JSON; text goes on", nesting, 0,
	  "a=1\n  b=2\n    3\n    four\n",
	  "{\n"
	  "  \"a\": \"1\",\n"
	  "  \"list\": [\n"
	  "    {\n"
	  "      \"b\": \"2\",\n"
	  "      \"inner\": [\n"
	  "        3,\n"
	  "        \"four\"\n"
	  "      ],\n"
	  "      \"none\": [\n"
	  "      ]\n"
	  "    }\n"
	  "  ],\n"
	  "  \"o\": {\n"
	  "  }\n"
	  "}\n",
	  "{ \"a\": \"1\", \"list\": [ { \"b\": \"2\", \"inner\": [ 3, "
	  "\"four\" ], \"none\": [ ] } ], \"o\": { } }\n" },
	{ "a table: columns as wide as their widest cell", table, 0,
	  "ADDRESS       DRIVER  STATE\n"
	  "0000:00:03.0  e1000e  <host>\n"
	  "0000:3a:00.1  -       <quarantined>\n"
	  "abcd:ef:1f.7  x\\x09y  <assigned>\n",
	  "[\n"
	  "  {\n"
	  "    \"address\": \"0000:00:03.0\",\n"
	  "    \"driver\": \"e1000e\",\n"
	  "    \"n\": 0,\n"
	  "    \"state\": \"host\"\n"
	  "  },\n"
	  "  {\n"
	  "    \"address\": \"0000:3a:00.1\",\n"
	  "    \"driver\": null,\n"
	  "    \"n\": 1,\n"
	  "    \"state\": \"quarantined\"\n"
	  "  },\n"
	  "  {\n"
	  "    \"address\": \"abcd:ef:1f.7\",\n"
	  "    \"driver\": \"x\\ty\",\n"
	  "    \"n\": 2,\n"
	  "    \"state\": \"assigned\"\n"
	  "  }\n"
	  "]\n",
	  NULL },
	{ "a table without rows: its line", table_empty, 0,
	  "No vm.\n", "[]\n", "[]\n" },
	{ "a table without rows or line: the headers", table_headers_alone, 0,
	  "ADDRESS  CLASS\n", "[]\n", NULL },
	{ "a table without headers or rows: nothing", table_bare, 0, "",
	  "[]\n", NULL },
	{ "a table inside an object", table_inside, 0,
	  "before\nA          B\nwide cell  1\nafter: x\n",
	  "{\n"
	  "  \"selected\": [\n"
	  "    {\n"
	  "      \"a\": \"wide cell\",\n"
	  "      \"b\": 1\n"
	  "    }\n"
	  "  ],\n"
	  "  \"after\": \"x\"\n"
	  "}\n",
	  NULL },
	{ "JSON objects in a table: no row: the headers alone",
	  json_table_none, 0,
	  "VM  CONNECTED  DEVICES\n", "[]\n", NULL },
	{ "JSON objects in a table: every kind of column; every member in JSON",
	  json_table_every_kind, 0,
	  "VM  CONNECTED  DEVICES\n"
	  "g1  yes        0000:00:03.0,0000:00:04.0\n",
	  NULL,
	  "[ { \"vm\": \"g1\", \"connected\": true, \"qmp\": \"/q\", "
	  "\"devices\": [ \"0000:00:03.0\", \"0000:00:04.0\" ] } ]\n" },
	{ "JSON objects in a table: missing members: -, -, -",
	  json_table_missing, 0,
	  "VM         CONNECTED  DEVICES\n"
	  "-          -          -\n"
	  "guest-two  no         -\n",
	  NULL,
	  "[ { }, { \"vm\": \"guest-two\", \"connected\": false, "
	  "\"devices\": [ ] } ]\n" },
	{ "JSON objects in a table: a member of another type is none",
	  json_table_other_types, 0,
	  "VM  CONNECTED  DEVICES\n"
	  "-   yes        -\n",
	  NULL,
	  "[ { \"vm\": 7, \"connected\": true, \"devices\": \"x\" } ]\n" },
	{ "JSON objects in a table: none, the line", json_table_empty_message,
	  0, "No vm: add one.\n", "[]\n", NULL },
	{ "json-c values, copied; their members", json_values, 0,
	  "p1\n-\n", NULL,
	  "{ \"answer\": { \"address\": \"0000:00:03.0\", \"port\": \"p1\" }, "
	  "\"nothing\": null, \"address\": \"0000:00:03.0\", "
	  "\"port\": \"p1\" }\n" },
	{ "an empty array on its own: []", top_array_empty, 0, "", "[]\n",
	  "[]\n" },
	{ "nothing printed: nothing", nothing, 0, "", "", "" },
	{ "a close without its open", close_unopened, -EINVAL, "kept\n", "",
	  "" },
	{ "a close of another kind", close_other, -EINVAL, "", "", "" },
	{ "an object left open", left_open, -EINVAL, "b\n", "", "" },
	{ "a member without a key", no_key, -EINVAL, "", "", "" },
	{ "two documents", two_documents, -EINVAL, "", "", "" },
	{ "a row without a cell for each header", cells_missing, 0, NULL,
	  "[\n  {\n    \"a\": \"only a\"\n  }\n]\n", NULL },
	{ "text in a table, not in a row", text_between_rows, 0, NULL, "[]\n",
	  NULL },
	{ "a table in a table", nested_tables, -EINVAL, "", "", "" },
	{ "a row outside a table", row_outside_table, -EINVAL, "", "", "" },
	{ "a header after the rows", header_after_rows, -EINVAL, "", "", "" },
	{ "deeper than 16", too_deep, -EINVAL, "", "", "" },
	{ "ddactl policy modprobe: its lines, or what they hold",
	  policy_modprobe_calls, 0,
	  "# dda: quarantine at load, before the host drivers; from\n"
	  "# 'ddactl policy modprobe' (dda.conf(5)).\n"
	  "# 0000:00:0a.0 is selected by class 0xff0000 (m.conf:3): by its address\n"
	  "# 0000:00:0b.0 is selected by id 1234:fff0 subsystem 1af4:1100 (m.conf:4): by its address\n"
	  "# or on the kernel command line: dda.ids=1234:fff1 dda.addresses=0000:00:09.0,0000:00:0a.0,0000:00:0b.0\n"
	  "options dda ids=1234:fff1 addresses=0000:00:09.0,0000:00:0a.0,0000:00:0b.0\n",
	  "{\n"
	  "  \"by_address\": [\n"
	  "    {\n"
	  "      \"address\": \"0000:00:0a.0\",\n"
	  "      \"selector\": \"class 0xff0000\",\n"
	  "      \"file\": \"m.conf\",\n"
	  "      \"line\": 3\n"
	  "    },\n"
	  "    {\n"
	  "      \"address\": \"0000:00:0b.0\",\n"
	  "      \"selector\": \"id 1234:fff0 subsystem 1af4:1100\",\n"
	  "      \"file\": \"m.conf\",\n"
	  "      \"line\": 4\n"
	  "    }\n"
	  "  ],\n"
	  "  \"ids\": [\n"
	  "    \"1234:fff1\"\n"
	  "  ],\n"
	  "  \"addresses\": [\n"
	  "    \"0000:00:09.0\",\n"
	  "    \"0000:00:0a.0\",\n"
	  "    \"0000:00:0b.0\"\n"
	  "  ],\n"
	  "  \"softdeps\": [\n"
	  "  ]\n"
	  "}\n",
	  NULL },
};

/* Runs the calls of case i in format; returns what they printed. */
static char *run(size_t i, enum print_format format, int *err)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	print_start(f, format);
	cases[i].calls();
	*err = print_end();
	fclose(f);
	return text;
}

static void test_cases(void)
{
	static const char *const names[] = { "text", "json", "json line" };
	const char *want;
	size_t i, format;
	char *got;
	int err;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		for (format = PRINT_FORMAT_TEXT;
		     format <= PRINT_FORMAT_JSON_LINE; format++) {
			want = format == PRINT_FORMAT_TEXT ? cases[i].text :
			       format == PRINT_FORMAT_JSON ? cases[i].json :
			       cases[i].json_line;
			got = run(i, format, &err);
			/* Text-only mistakes are no mistake in JSON. */
			if (!want && format == PRINT_FORMAT_TEXT) {
				is_int(err, -EINVAL, "%s, %s: -EINVAL",
				       cases[i].what, names[format]);
				free(got);
				continue;
			}
			is_int(err, cases[i].err, "%s, %s: returns %d",
			       cases[i].what, names[format], cases[i].err);
			if (want)
				is_str(got, want, "%s, %s", cases[i].what,
				       names[format]);
			/* Every JSON printed reads back as JSON. */
			if (format != PRINT_FORMAT_TEXT && got && *got) {
				struct json_object *obj;
				enum json_tokener_error jerr;

				obj = json_tokener_parse_verbose(got, &jerr);
				is_int(jerr, json_tokener_success,
				       "%s, %s: valid JSON", cases[i].what,
				       names[format]);
				json_object_put(obj);
			}
			free(got);
		}
	}
}

/* The JSON of the JSON objects in a table: what it was given. */
static void test_passed_through(void)
{
	static const char given[] =
		"[{\"vm\": \"g1\", \"connected\": true, \"qmp\": \"/q\", "
		"\"devices\": [\"0000:00:03.0\"], \"new\": {\"x\": [1, null]}}]";
	struct json_object *want, *got, *array;
	char *text = NULL;
	size_t len;
	FILE *f;

	array = json_tokener_parse(given);
	f = open_memstream(&text, &len);
	print_start(f, PRINT_FORMAT_JSON);
	print_json_table(NULL, array, columns, ARRAY_SIZE(columns), NULL);
	is_int(print_end(), 0, "JSON objects of a table, printed");
	fclose(f);
	json_object_put(array);
	want = json_tokener_parse(given);
	got = json_tokener_parse(text);
	ok(json_object_equal(want, got),
	   "JSON objects of a table: every member, as given");
	json_object_put(want);
	json_object_put(got);
	free(text);
}

/* A file that cannot be written: -EIO, either way. */
static void test_write_error(void)
{
	enum print_format format;
	FILE *f;

	for (format = PRINT_FORMAT_TEXT; format <= PRINT_FORMAT_JSON;
	     format++) {
		f = fopen("/dev/full", "w");
		if (!ok(f, "/dev/full opens"))
			return;
		setvbuf(f, NULL, _IONBF, 0);
		print_start(f, format);
		print_open_object(NULL);
		print_string(PRINT_ANY, "a", "%s\n", "b");
		print_close_object();
		is_int(print_end(), -EIO, "a full disk: -EIO (%s)",
		       format == PRINT_FORMAT_TEXT ? "text" : "json");
		fclose(f);
	}
}

int main(void)
{
	test_cases();
	test_passed_through();
	test_write_error();
	return unit_done();
}
