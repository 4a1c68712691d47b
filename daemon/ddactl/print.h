/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ddactl's one printer, for people and for scripts: each call prints one
 * field, as text or as JSON, whichever the command runs in (iproute2's
 * print_*() and ethtool's way):
 *
 *	print_start(stdout, args->json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
 *	print_open_object(NULL);
 *	print_string(PRINT_ANY, "address", "address: %s\n", address);
 *	print_int(PRINT_JSON, "line", NULL, line);
 *	print_close_object();
 *	err = print_end();
 *
 * mode says where a call prints: PRINT_TEXT, PRINT_JSON or PRINT_ANY. In
 * text, fmt, with one conversion for the value, is printed; in JSON, the
 * value as member key of the open object (or an item of the open array,
 * where key is not used). Objects and arrays are JSON's alone: in text they
 * only nest. A table is text's: its rows, in JSON an array of objects, are
 * printed when it closes, each column as wide as its widest cell.
 *
 * Strings are escaped once, here: JSON's by json-c, and in text each
 * control character is printed as \xNN, so that nothing a device, a guest
 * or a file says can break a line or drive the terminal.
 *
 * A mistake (out of memory, a close without its open, a key missing in an
 * object) is kept and returned by print_end(), which prints nothing then
 * in JSON; text printed before it stays printed.
 */
#ifndef DDA_PRINT_H
#define DDA_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;

/* Where a call prints. */
enum print_mode {
	PRINT_TEXT = 1 << 0,
	PRINT_JSON = 1 << 1,
	PRINT_ANY = PRINT_TEXT | PRINT_JSON,
};

enum print_format {
	PRINT_FORMAT_TEXT,
	PRINT_FORMAT_JSON,	/* indented, and a newline */
	PRINT_FORMAT_JSON_LINE,	/* on one line: a stream of objects */
};

/* Starts printing to f, in format; what an unended print had is dropped. */
void print_start(FILE *f, enum print_format format);

/*
 * Ends printing: writes the JSON document, if any. Returns 0, -ENOMEM,
 * -EINVAL after a mistake in the calls, or -EIO if writing to f failed.
 */
int print_end(void);

/*
 * A string; NULL is none: JSON null, "-" in text. fmt takes it as "%s".
 */
void print_string(enum print_mode mode, const char *key, const char *fmt,
		  const char *value);

/* An integer; fmt takes it as "%lld". */
void print_int(enum print_mode mode, const char *key, const char *fmt,
	       long long value);

/* A boolean: JSON true or false; fmt takes "yes" or "no" as "%s". */
void print_bool(enum print_mode mode, const char *key, const char *fmt,
		bool value);

/*
 * A JSON value as it is, e.g. what ddad answered (PRINT_JSON: text has no
 * way of its own to print it). Copied: value stays the caller's.
 */
void print_json_value(const char *key, struct json_object *value);

/*
 * Every member of the JSON object value, copied into the open object or
 * row (PRINT_JSON); value not an object is a mistake.
 */
void print_json_members(struct json_object *value);

/*
 * Text of our own, printf()'s way; nothing in JSON. Arguments that come
 * from outside ddactl go through print_string() instead, to be escaped.
 */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A JSON object or array, member key of the open object or an item. */
void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

/*
 * A table: in JSON the array key; in text, columns named by print_header(),
 * then a row each between print_open_row() (in JSON an object) and
 * print_close_row(), each text value of a row a cell, a cell for each
 * header. Tables do not nest.
 */
void print_open_table(const char *key);
void print_header(const char *header);
void print_open_row(void);
void print_close_row(void);

/*
 * Closes the table: in text prints it, columns two spaces apart, no blank
 * at the end of a line; without rows, the line empty if not NULL, else the
 * headers alone.
 */
void print_close_table(const char *empty);

/* The string member key of obj, or NULL: none, or not a string. */
const char *json_string_of(struct json_object *obj, const char *key);

/* A column of a table of JSON objects: its header and the member it shows. */
struct json_column {
	const char *header;
	const char *key;
	enum {
		COLUMN_STRING,	/* a string; "-" when missing or not one */
		COLUMN_YES_NO,	/* a boolean: "yes" or "no"; "-" if absent */
		COLUMN_LIST,	/* an array of strings: "a,b"; "-" if empty */
	} kind;
};

/*
 * A table of the JSON objects of array, e.g. what ddad answered: in JSON
 * each object as it is, whatever its members; in text a column each of
 * columns[n]. The table closes as print_close_table(empty).
 */
void print_json_table(const char *key, struct json_object *array,
		      const struct json_column *columns, size_t n,
		      const char *empty);

#endif /* DDA_PRINT_H */
