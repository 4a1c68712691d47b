/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ddactl's printing helpers: aligned text tables and JSON.
 */
#ifndef DDA_PRINT_H
#define DDA_PRINT_H

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
 * Prints obj as JSON on one line, and a newline: what a stream of objects
 * needs, one per line. Returns as print_json().
 */
int print_json_line(FILE *f, struct json_object *obj);

#endif /* DDA_PRINT_H */
