/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ddactl's printing helpers: aligned text tables and JSON.
 */
#ifndef DDA_PRINT_H
#define DDA_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;

/*
 * Prints a table of rows x cols cells, row-major, row 0 its header: each
 * column as wide as its widest cell, columns two spaces apart, no trailing
 * blanks. Cells are ASCII. Returns 0, or -EIO if writing to f failed.
 */
int print_table(FILE *f, const char *const *cells, size_t rows, size_t cols);

/*
 * Prints obj as indented JSON and a newline; NULL prints null. Returns 0,
 * -ENOMEM, or -EIO if writing to f failed.
 */
int print_json(FILE *f, struct json_object *obj);

/*
 * Prints obj as print_json() does, then puts it; NULL, as a JSON maker
 * returns when out of memory, is -ENOMEM. Returns as print_json().
 */
int print_json_put(FILE *f, struct json_object *obj);

/*
 * Appends item to array, taking it over: false when either is NULL or
 * appending failed; then item is put, and array left as it was.
 */
bool json_array_append(struct json_object *array, struct json_object *item);

/*
 * Prints obj as JSON on one line, and a newline: what a stream of objects
 * needs, one per line. Returns as print_json().
 */
int print_json_line(FILE *f, struct json_object *obj);

/* A column of a table of JSON objects: its header and the member it shows. */
struct json_column {
	const char *header;
	const char *key;
	enum {
		COLUMN_STRING,	/* a string; "-" when missing or not one */
		COLUMN_YES_NO,	/* a boolean: "yes" or "no" */
		COLUMN_LIST,	/* an array of strings: "a,b"; "-" if empty */
	} kind;
};

/*
 * Prints array, of JSON objects, as print_table() does, a row each under
 * the headers of columns[n]. Returns 0, -ENOMEM or -EIO.
 */
int print_json_table(FILE *f, struct json_object *array,
		     const struct json_column *columns, size_t n);

/* A string member of obj, or "-" for none. */
const char *json_text_or_dash(struct json_object *obj, const char *key);

#endif /* DDA_PRINT_H */
