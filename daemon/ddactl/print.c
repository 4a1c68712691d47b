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
