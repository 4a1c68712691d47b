// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl's printers (daemon/ddactl/print.c): JSON objects as a table, a
 * column each of a table of columns, on a table of cases.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "print.h"
#include "unit.h"
#include "util.h"

static const struct json_column columns[] = {
	{ "VM", "vm", COLUMN_STRING },
	{ "CONNECTED", "connected", COLUMN_YES_NO },
	{ "DEVICES", "devices", COLUMN_LIST },
};

static const struct {
	const char *what;
	const char *json;	/* an array of objects */
	const char *text;	/* what print_json_table() prints */
} cases[] = {
	{ "no row: the headers alone", "[]",
	  "VM  CONNECTED  DEVICES\n" },
	{ "every kind of column",
	  "[{\"vm\": \"g1\", \"connected\": true, \"devices\": [\"0000:00:03.0\", \"0000:00:04.0\"]}]",
	  "VM  CONNECTED  DEVICES\n"
	  "g1  yes        0000:00:03.0,0000:00:04.0\n" },
	{ "missing members: -, no, -",
	  "[{}, {\"vm\": \"guest-two\", \"connected\": false, \"devices\": []}]",
	  "VM         CONNECTED  DEVICES\n"
	  "-          no         -\n"
	  "guest-two  no         -\n" },
	{ "a member of another type is none",
	  "[{\"vm\": 7, \"connected\": true, \"devices\": \"x\"}]",
	  "VM  CONNECTED  DEVICES\n"
	  "-   yes        -\n" },
};

int main(void)
{
	struct json_object *array;
	size_t i, len;
	char *text;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		array = json_tokener_parse(cases[i].json);
		f = open_memstream(&text, &len);
		is_int(print_json_table(f, array, columns,
					ARRAY_SIZE(columns)), 0,
		       "%s: printed", cases[i].what);
		fclose(f);
		is_str(text, cases[i].text, "%s", cases[i].what);
		free(text);
		json_object_put(array);
	}
	f = open_memstream(&text, &len);
	is_int(print_json_put(f, NULL), -ENOMEM,
	       "print_json_put(NULL): out of memory, nothing printed");
	is_int(print_json_put(f, json_object_new_int(7)), 0,
	       "print_json_put() prints");
	fclose(f);
	is_str(text, "7\n", "the object, and a newline");
	free(text);

	array = json_object_new_array();
	ok(json_array_append(array, json_object_new_int(1)), "appends");
	ok(!json_array_append(array, NULL), "not NULL");
	ok(!json_array_append(NULL, json_object_new_int(2)),
	   "not to NULL (the item is put: no leak)");
	is_int(json_object_array_length(array), 1, "one item appended");
	json_object_put(array);
	return unit_done();
}
