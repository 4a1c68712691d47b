// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl's one printer: each call prints a field as text or as JSON.
 *
 * Text goes to the file as it comes, but for a table's cells, kept until
 * the table closes to know each column's width. JSON is built as a json-c
 * tree, written whole by print_end(): json-c escapes it, and an error
 * halfway leaves no half document behind.
 *
 * ddactl prints one thing at a time: the printer's state is this file's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "print.h"

#define COLUMN_GAP	2
#define DEPTH_MAX	16

/* What an open call left open. */
enum frame {
	FRAME_OBJECT,
	FRAME_ARRAY,
	FRAME_TABLE,
	FRAME_ROW,
};

/* The cells of the open table, row-major, its headers the first row. */
struct table {
	char **cells;
	size_t n, size;
	size_t cols;		/* its headers */
	size_t rows;		/* closed rows, the headers' not counted */
	size_t row_start;	/* the first cell of the open row */
};

static struct printer {
	FILE *f;
	enum print_format format;
	int err;		/* the first mistake, or 0 */
	struct json_object *root;
	bool has_root;		/* root is set, maybe to null */
	struct {
		enum frame frame;
		struct json_object *json;	/* borrowed from its parent */
	} stack[DEPTH_MAX];
	size_t depth;
	struct table table;
} p;

static bool in_json(void)
{
	return p.format != PRINT_FORMAT_TEXT;
}

static void fail(int err)
{
	if (!p.err)
		p.err = err;
}

static enum frame *top(void)
{
	return p.depth ? &p.stack[p.depth - 1].frame : NULL;
}

static void table_free(void)
{
	size_t i;

	for (i = 0; i < p.table.n; i++)
		free(p.table.cells[i]);
	free(p.table.cells);
	memset(&p.table, 0, sizeof(p.table));
}

void print_start(FILE *f, enum print_format format)
{
	json_object_put(p.root);
	table_free();
	memset(&p, 0, sizeof(p));
	p.f = f;
	p.format = format;
}

/*
 * May a JSON value go in the open container as key? A member needs a key,
 * and a document has one value. Checked in text too, to find the mistake
 * whichever way a test runs.
 */
static bool json_fits(const char *key)
{
	enum frame *frame = top();

	if (!frame) {
		if (p.has_root) {
			fail(-EINVAL);	/* two documents */
			return false;
		}
		p.has_root = true;
	} else if ((*frame == FRAME_OBJECT || *frame == FRAME_ROW) && !key) {
		fail(-EINVAL);
		return false;
	}
	return true;
}

/* Does a call of mode print JSON, its key checked? Not after a mistake. */
static bool json_wanted(enum print_mode mode, const char *key)
{
	return !p.err && (mode & PRINT_JSON) && json_fits(key) && in_json();
}

static bool text_wanted(enum print_mode mode)
{
	return !p.err && (mode & PRINT_TEXT) && !in_json();
}

/* Adds value, taken over (NULL: JSON null), where json_fits() said. */
static void json_add(const char *key, struct json_object *value)
{
	struct json_object *parent;
	int err;

	if (!p.depth) {
		p.root = value;
		return;
	}
	parent = p.stack[p.depth - 1].json;
	if (json_object_is_type(parent, json_type_array))
		err = json_object_array_add(parent, value);
	else
		err = json_object_object_add(parent, key, value);
	if (err) {
		json_object_put(value);
		fail(-ENOMEM);
	}
}

/* As json_add(), for a value just made: NULL is out of memory. */
static void json_add_new(const char *key, struct json_object *value)
{
	if (value)
		json_add(key, value);
	else
		fail(-ENOMEM);
}

static void table_add(char *cell)
{
	struct table *t = &p.table;
	char **grown;

	if (!cell) {
		fail(-ENOMEM);
		return;
	}
	if (t->n == t->size) {
		grown = realloc(t->cells, (t->size * 2 + 16) * sizeof(*grown));
		if (!grown) {
			free(cell);
			fail(-ENOMEM);
			return;
		}
		t->cells = grown;
		t->size = t->size * 2 + 16;
	}
	t->cells[t->n++] = cell;
}

/* Text: to the file, or a cell of the open row. */
static __attribute__((format(printf, 1, 0)))
void text_vprint(const char *fmt, va_list ap)
{
	enum frame *frame = top();
	char *cell;

	if (frame && *frame == FRAME_ROW) {
		table_add(vasprintf(&cell, fmt, ap) < 0 ? NULL : cell);
		return;
	}
	if (frame && *frame == FRAME_TABLE) {
		fail(-EINVAL);	/* text of a table outside its rows */
		return;
	}
	vfprintf(p.f, fmt, ap);
}

static __attribute__((format(printf, 1, 2)))
void text_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_vprint(fmt, ap);
	va_end(ap);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (!text_wanted(PRINT_TEXT))
		return;
	va_start(ap, fmt);
	text_vprint(fmt, ap);
	va_end(ap);
}

/* s with each control character as \xNN, to free(); NULL is "-". */
static char *text_escape(const char *s)
{
	char *out, *o;

	if (!s)
		return strdup("-");
	out = malloc(strlen(s) * 4 + 1);
	if (!out)
		return NULL;
	for (o = out; *s; s++) {
		unsigned char c = *s;

		if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = c;
	}
	*o = '\0';
	return out;
}

void print_string(enum print_mode mode, const char *key, const char *fmt,
		  const char *value)
{
	char *text;

	if (json_wanted(mode, key)) {
		if (value)
			json_add_new(key, json_object_new_string(value));
		else
			json_add(key, NULL);
	}
	if (fmt && text_wanted(mode)) {
		text = text_escape(value);
		if (text)
			text_print(fmt, text);
		else
			fail(-ENOMEM);
		free(text);
	}
}

void print_int(enum print_mode mode, const char *key, const char *fmt,
	       long long value)
{
	if (json_wanted(mode, key))
		json_add_new(key, json_object_new_int64(value));
	if (fmt && text_wanted(mode))
		text_print(fmt, value);
}

void print_bool(enum print_mode mode, const char *key, const char *fmt,
		bool value)
{
	if (json_wanted(mode, key))
		json_add_new(key, json_object_new_boolean(value));
	if (fmt && text_wanted(mode))
		text_print(fmt, value ? "yes" : "no");
}

void print_json_value(const char *key, struct json_object *value)
{
	if (json_wanted(PRINT_JSON, key))
		json_add(key, json_object_get(value));
}

void print_json_members(struct json_object *value)
{
	enum frame *frame = top();

	if (p.err)
		return;
	if (!frame || (*frame != FRAME_OBJECT && *frame != FRAME_ROW) ||
	    !json_object_is_type(value, json_type_object)) {
		fail(-EINVAL);
		return;
	}
	if (!in_json())
		return;
	json_object_object_foreach(value, key, member)
		json_add(key, json_object_get(member));
}

/* Opens frame, in JSON container (taken over, NULL: out of memory) as key. */
static void open_frame(enum frame frame, const char *key,
		       struct json_object *container)
{
	if (p.err) {
		json_object_put(container);
		return;
	}
	if (p.depth == DEPTH_MAX || !json_fits(key)) {
		json_object_put(container);
		fail(-EINVAL);
		return;
	}
	if (in_json()) {
		if (!container) {
			fail(-ENOMEM);
			return;
		}
		json_add(key, container);
		if (p.err)
			return;
	}
	p.stack[p.depth].frame = frame;
	p.stack[p.depth].json = container;
	p.depth++;
}

/* Closes the open frame, if it is frame: false after a mistake. */
static bool close_frame(enum frame frame)
{
	if (p.err)
		return false;
	if (!p.depth || *top() != frame) {
		fail(-EINVAL);
		return false;
	}
	p.depth--;
	return true;
}

void print_open_object(const char *key)
{
	open_frame(FRAME_OBJECT, key,
		   in_json() ? json_object_new_object() : NULL);
}

void print_close_object(void)
{
	close_frame(FRAME_OBJECT);
}

void print_open_array(const char *key)
{
	open_frame(FRAME_ARRAY, key,
		   in_json() ? json_object_new_array() : NULL);
}

void print_close_array(void)
{
	close_frame(FRAME_ARRAY);
}

void print_open_table(const char *key)
{
	size_t i;

	for (i = 0; i < p.depth; i++)
		if (p.stack[i].frame == FRAME_TABLE)
			fail(-EINVAL);
	open_frame(FRAME_TABLE, key,
		   in_json() ? json_object_new_array() : NULL);
}

void print_header(const char *header)
{
	if (p.err)
		return;
	if (!p.depth || *top() != FRAME_TABLE || p.table.rows) {
		fail(-EINVAL);
		return;
	}
	if (in_json())
		return;
	table_add(strdup(header));
	p.table.cols++;
}

void print_open_row(void)
{
	if (!p.err && (!p.depth || *top() != FRAME_TABLE))
		fail(-EINVAL);
	open_frame(FRAME_ROW, NULL,
		   in_json() ? json_object_new_object() : NULL);
	p.table.row_start = p.table.n;
}

void print_close_row(void)
{
	if (!close_frame(FRAME_ROW))
		return;
	if (!in_json() && p.table.n - p.table.row_start != p.table.cols)
		fail(-EINVAL);	/* a cell for each header */
	p.table.rows++;
}

/* Prints the cells of the table, aligned. */
static void table_print(void)
{
	const struct table *t = &p.table;
	size_t *width, row, col, len;
	const char *cell;

	if (!t->cols)
		return;
	width = calloc(t->cols, sizeof(*width));
	if (!width) {
		fail(-ENOMEM);
		return;
	}
	for (row = 0; row <= t->rows; row++) {
		for (col = 0; col < t->cols; col++) {
			len = strlen(t->cells[row * t->cols + col]);
			if (len > width[col])
				width[col] = len;
		}
	}
	for (row = 0; row <= t->rows; row++) {
		for (col = 0; col < t->cols; col++) {
			cell = t->cells[row * t->cols + col];
			if (col == t->cols - 1)
				fprintf(p.f, "%s\n", cell);
			else
				fprintf(p.f, "%-*s%*s", (int)width[col], cell,
					COLUMN_GAP, "");
		}
	}
	free(width);
}

void print_close_table(const char *empty)
{
	if (!close_frame(FRAME_TABLE))
		return;
	if (!in_json()) {
		if (!p.table.rows && empty)
			text_print("%s\n", empty);
		else
			table_print();
	}
	table_free();
}

int print_end(void)
{
	const int pretty = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			   JSON_C_TO_STRING_NOSLASHESCAPE;
	const int line = JSON_C_TO_STRING_SPACED |
			 JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text;
	int err = p.err;

	if (!err && p.depth)
		err = -EINVAL;	/* left open */
	if (!err && in_json() && p.has_root) {
		/* json-c spreads an empty array over two lines. */
		if (json_object_is_type(p.root, json_type_array) &&
		    !json_object_array_length(p.root))
			text = "[]";
		else
			text = json_object_to_json_string_ext(p.root,
				p.format == PRINT_FORMAT_JSON ? pretty : line);
		if (text)
			fprintf(p.f, "%s\n", text);
		else
			err = -ENOMEM;
	}
	if (!err && ferror(p.f))
		err = -EIO;
	print_start(NULL, PRINT_FORMAT_TEXT);
	return err;
}

const char *json_string_of(struct json_object *obj, const char *key)
{
	struct json_object *value;

	if (!json_object_object_get_ex(obj, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

/* Prints the member of obj that column shows, as a text cell. */
static void column_print(struct json_object *obj,
			 const struct json_column *column)
{
	struct json_object *value = NULL, *item;
	size_t i, n, len = 1;
	char *text;

	json_object_object_get_ex(obj, column->key, &value);
	switch (column->kind) {
	case COLUMN_YES_NO:
		if (value)
			print_bool(PRINT_TEXT, NULL, "%s",
				   json_object_get_boolean(value));
		else
			print_string(PRINT_TEXT, NULL, "%s", NULL);
		return;
	case COLUMN_LIST:
		n = json_object_is_type(value, json_type_array) ?
		    json_object_array_length(value) : 0;
		for (i = 0; i < n; i++) {
			item = json_object_array_get_idx(value, i);
			len += strlen(json_object_get_string(item)) + 1;
		}
		text = n ? calloc(1, len) : NULL;
		for (i = 0; text && i < n; i++) {
			item = json_object_array_get_idx(value, i);
			if (i)
				strcat(text, ",");
			strcat(text, json_object_get_string(item));
		}
		if (n && !text)
			fail(-ENOMEM);
		else
			print_string(PRINT_TEXT, NULL, "%s", text);
		free(text);
		return;
	default:
		print_string(PRINT_TEXT, NULL, "%s",
			     json_string_of(obj, column->key));
	}
}

void print_json_table(const char *key, struct json_object *array,
		      const struct json_column *columns, size_t n,
		      const char *empty)
{
	struct json_object *obj;
	size_t i, j, rows;

	rows = json_object_is_type(array, json_type_array) ?
	       json_object_array_length(array) : 0;
	print_open_table(key);
	for (j = 0; j < n; j++)
		print_header(columns[j].header);
	for (i = 0; i < rows; i++) {
		obj = json_object_array_get_idx(array, i);
		print_open_row();
		print_json_members(obj);
		for (j = 0; j < n; j++)
			column_print(obj, &columns[j]);
		print_close_row();
	}
	print_close_table(empty);
}
