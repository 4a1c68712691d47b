// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl's printing helpers: aligned text tables and JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "print.h"

#define COLUMN_GAP	2

int print_table(FILE *f, const char *const *cells, size_t rows, size_t cols)
{
	size_t *width, row, col, len;

	if (!rows || !cols)
		return 0;
	width = calloc(cols, sizeof(*width));
	if (!width)
		return -ENOMEM;

	for (row = 0; row < rows; row++) {
		for (col = 0; col < cols; col++) {
			len = strlen(cells[row * cols + col]);
			if (len > width[col])
				width[col] = len;
		}
	}

	for (row = 0; row < rows; row++) {
		for (col = 0; col < cols; col++) {
			const char *cell = cells[row * cols + col];

			if (col == cols - 1) {
				fprintf(f, "%s\n", cell);
				break;
			}
			fprintf(f, "%-*s%*s", (int)width[col], cell,
				COLUMN_GAP, "");
		}
	}
	free(width);
	return ferror(f) ? -EIO : 0;
}

int print_json(FILE *f, struct json_object *obj)
{
	const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text;

	/* json-c spreads an empty array over two lines. */
	if (json_object_is_type(obj, json_type_array) &&
	    !json_object_array_length(obj))
		text = "[]";
	else
		text = json_object_to_json_string_ext(obj, flags);
	if (!text)
		return -ENOMEM;
	fprintf(f, "%s\n", text);
	return ferror(f) ? -EIO : 0;
}

int print_json_put(FILE *f, struct json_object *obj)
{
	int err;

	if (!obj)
		return -ENOMEM;
	err = print_json(f, obj);
	json_object_put(obj);
	return err;
}

bool json_array_append(struct json_object *array, struct json_object *item)
{
	if (!array || !item || json_object_array_add(array, item)) {
		json_object_put(item);
		return false;
	}
	return true;
}

int print_json_line(FILE *f, struct json_object *obj)
{
	const int flags = JSON_C_TO_STRING_SPACED |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text;

	text = json_object_to_json_string_ext(obj, flags);
	if (!text)
		return -ENOMEM;
	fprintf(f, "%s\n", text);
	return ferror(f) ? -EIO : 0;
}

const char *json_text_or_dash(struct json_object *obj, const char *key)
{
	struct json_object *value;

	if (!json_object_object_get_ex(obj, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return "-";
	return json_object_get_string(value);
}

/* The text of member key of obj as column shows it, to free(); NULL: -ENOMEM. */
static char *cell_text(struct json_object *obj,
		       const struct json_column *column)
{
	struct json_object *value = NULL;
	size_t i, n, len = 1;
	char *text;

	json_object_object_get_ex(obj, column->key, &value);
	switch (column->kind) {
	case COLUMN_YES_NO:
		return strdup(json_object_get_boolean(value) ? "yes" : "no");
	case COLUMN_LIST:
		n = json_object_is_type(value, json_type_array) ?
		    json_object_array_length(value) : 0;
		if (!n)
			return strdup("-");
		for (i = 0; i < n; i++)
			len += strlen(json_object_get_string(
				json_object_array_get_idx(value, i))) + 1;
		text = calloc(1, len);
		for (i = 0; text && i < n; i++) {
			if (i)
				strcat(text, ",");
			strcat(text, json_object_get_string(
				json_object_array_get_idx(value, i)));
		}
		return text;
	default:
		return strdup(json_text_or_dash(obj, column->key));
	}
}

int print_json_table(FILE *f, struct json_object *array,
		     const struct json_column *columns, size_t n)
{
	size_t rows = json_object_array_length(array) + 1, i, j;
	char **cells;
	int err = -ENOMEM;

	cells = calloc(rows * n, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	for (i = 0; i < rows; i++) {
		for (j = 0; j < n; j++) {
			cells[i * n + j] = i ? cell_text(
				json_object_array_get_idx(array, i - 1),
				&columns[j]) : strdup(columns[j].header);
			if (!cells[i * n + j])
				goto out;
		}
	}
	err = print_table(f, (const char *const *)cells, rows, n);
out:
	for (i = 0; i < rows * n; i++)
		free(cells[i]);
	free(cells);
	return err;
}
