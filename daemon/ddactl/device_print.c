// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices for people and for scripts.
 *
 * device_fields[] describes every field once: its JSON key (also its label
 * in `show`), its column header in `list`, where it appears, and how its
 * value is read from a device. The table, the lines and the JSON are all
 * printed from it, so they cannot disagree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "device_print.h"
#include "print.h"
#include "util.h"

/* Where a field appears. */
enum {
	IN_JSON = 1 << 0,	/* a key of the JSON object */
	IN_LIST = 1 << 1,	/* a column of the `list` table */
	IN_SHOW = 1 << 2,	/* a line of `show` */
};

/* A field's value: none (JSON null, "-" in text), a string or a number. */
struct value {
	enum { VALUE_NONE, VALUE_STRING, VALUE_NUMBER } type;
	const char *string;
	long long number;
	char buf[32];
};

struct device_field {
	const char *key;	/* JSON key and `show` label */
	const char *header;	/* `list` column header */
	unsigned int in;
	void (*get)(const struct device_view *view, struct value *value);
};

static void value_string(struct value *value, const char *s)
{
	value->type = s && *s ? VALUE_STRING : VALUE_NONE;
	value->string = s;
}

static void value_hex(struct value *value, int digits, unsigned int n)
{
	snprintf(value->buf, sizeof(value->buf), "%0*x", digits, n);
	value_string(value, value->buf);
}

static void value_number(struct value *value, long long n)
{
	value->type = VALUE_NUMBER;
	value->number = n;
}

static const char *value_text(struct value *value)
{
	switch (value->type) {
	case VALUE_STRING:
		return value->string;
	case VALUE_NUMBER:
		snprintf(value->buf, sizeof(value->buf), "%lld",
			 value->number);
		return value->buf;
	default:
		return "-";
	}
}

/* 0 with *obj NULL for none, or -ENOMEM. */
static int value_json(const struct value *value, struct json_object **obj)
{
	switch (value->type) {
	case VALUE_STRING:
		*obj = json_object_new_string(value->string);
		break;
	case VALUE_NUMBER:
		*obj = json_object_new_int64(value->number);
		break;
	default:
		*obj = NULL;
		return 0;
	}
	return *obj ? 0 : -ENOMEM;
}

static void get_address(const struct device_view *view, struct value *value)
{
	value_string(value, view->dev->address);
}

static void get_vendor(const struct device_view *view, struct value *value)
{
	value_hex(value, 4, view->dev->vendor);
}

static void get_device(const struct device_view *view, struct value *value)
{
	value_hex(value, 4, view->dev->device);
}

static void get_subsys_vendor(const struct device_view *view,
			      struct value *value)
{
	value_hex(value, 4, view->dev->subsys_vendor);
}

static void get_subsys_device(const struct device_view *view,
			      struct value *value)
{
	value_hex(value, 4, view->dev->subsys_device);
}

/* The full class code, with its programming interface. */
static void get_class(const struct device_view *view, struct value *value)
{
	value_hex(value, 6, view->dev->class_code & 0xffffff);
}

/* Base class and subclass, as lspci -n shows them. */
static void get_class_short(const struct device_view *view,
			    struct value *value)
{
	value_hex(value, 4, (view->dev->class_code >> 8) & 0xffff);
}

static void get_vendor_device(const struct device_view *view,
			      struct value *value)
{
	snprintf(value->buf, sizeof(value->buf), "%04x:%04x",
		 view->dev->vendor, view->dev->device);
	value_string(value, value->buf);
}

static void get_driver(const struct device_view *view, struct value *value)
{
	value_string(value, view->dev->driver);
}

static void get_iommu_group(const struct device_view *view,
			    struct value *value)
{
	if (view->dev->iommu_group < 0)
		value_string(value, NULL);
	else
		value_number(value, view->dev->iommu_group);
}

static void get_state(const struct device_view *view, struct value *value)
{
	value_string(value, dda_state_name(view->dev->state));
}

static void get_vm(const struct device_view *view, struct value *value)
{
	value_string(value, view->vm);
}

static void get_original_driver(const struct device_view *view,
				struct value *value)
{
	value_string(value, view->dev->original_driver);
}

static void get_description(const struct device_view *view,
			    struct value *value)
{
	value_string(value, dda_class_name(view->dev->class_code));
}

static void get_reset_method(const struct device_view *view,
			     struct value *value)
{
	value_string(value, dda_reset_name(view->dev->reset_method));
}

static void get_reset_usec(const struct device_view *view,
			   struct value *value)
{
	if (view->dev->reset_method == DDA_RESET_NONE)
		value_string(value, NULL);
	else
		value_number(value, view->dev->reset_usec);
}

static void get_health(const struct device_view *view, struct value *value)
{
	value_string(value, dda_health_name(view->dev->health));
}

static void get_physfn(const struct device_view *view, struct value *value)
{
	value_string(value, view->dev->physfn);
}

static const struct device_field device_fields[] = {
	{ "address", "ADDRESS", IN_JSON | IN_LIST | IN_SHOW, get_address },
	{ "vendor", NULL, IN_JSON | IN_SHOW, get_vendor },
	{ "device", NULL, IN_JSON | IN_SHOW, get_device },
	{ "subsystem_vendor", NULL, IN_JSON | IN_SHOW, get_subsys_vendor },
	{ "subsystem_device", NULL, IN_JSON | IN_SHOW, get_subsys_device },
	{ "class", NULL, IN_JSON | IN_SHOW, get_class },
	{ NULL, "CLASS", IN_LIST, get_class_short },
	{ NULL, "VENDOR:DEVICE", IN_LIST, get_vendor_device },
	{ "driver", "DRIVER", IN_JSON | IN_LIST | IN_SHOW, get_driver },
	{ "iommu_group", "GROUP", IN_JSON | IN_LIST | IN_SHOW,
	  get_iommu_group },
	{ "state", "STATE", IN_JSON | IN_LIST | IN_SHOW, get_state },
	{ "vm", "VM", IN_JSON | IN_LIST | IN_SHOW, get_vm },
	{ "original_driver", NULL, IN_JSON | IN_SHOW, get_original_driver },
	{ "description", "DESCRIPTION", IN_LIST | IN_SHOW, get_description },
	{ "reset_method", NULL, IN_SHOW, get_reset_method },
	{ "reset_usec", NULL, IN_SHOW, get_reset_usec },
	{ "health", NULL, IN_JSON | IN_SHOW, get_health },
	{ "physfn", NULL, IN_JSON | IN_SHOW, get_physfn },
};

struct json_object *device_json(const struct device_view *view)
{
	const struct device_field *field;
	struct json_object *obj, *member;
	struct value value;

	obj = json_object_new_object();
	if (!obj)
		return NULL;
	for (field = device_fields;
	     field < device_fields + ARRAY_SIZE(device_fields); field++) {
		if (!(field->in & IN_JSON))
			continue;
		field->get(view, &value);
		if (value_json(&value, &member))
			goto fail;
		if (json_object_object_add(obj, field->key, member)) {
			json_object_put(member);
			goto fail;
		}
	}
	return obj;

fail:
	json_object_put(obj);
	return NULL;
}

static int device_print_json_list(FILE *f, const struct device_view *views,
				  size_t n)
{
	struct json_object *array;
	size_t i;

	array = json_object_new_array();
	for (i = 0; array && i < n; i++) {
		if (!json_array_append(array, device_json(&views[i]))) {
			json_object_put(array);
			array = NULL;
		}
	}
	return print_json_put(f, array);
}

static int device_print_table(FILE *f, const struct device_view *views,
			      size_t n)
{
	const struct device_field *field;
	size_t cols = 0, rows = n + 1, row, col, i;
	struct value value;
	char **cells;
	int err = -ENOMEM;

	for (field = device_fields;
	     field < device_fields + ARRAY_SIZE(device_fields); field++)
		cols += !!(field->in & IN_LIST);

	cells = calloc(rows * cols, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	for (row = 0; row < rows; row++) {
		col = 0;
		for (field = device_fields;
		     field < device_fields + ARRAY_SIZE(device_fields);
		     field++) {
			if (!(field->in & IN_LIST))
				continue;
			if (row) {
				field->get(&views[row - 1], &value);
				cells[row * cols + col] =
					strdup(value_text(&value));
			} else {
				cells[col] = strdup(field->header);
			}
			if (!cells[row * cols + col])
				goto out;
			col++;
		}
	}
	err = print_table(f, (const char *const *)cells, rows, cols);
out:
	for (i = 0; i < rows * cols; i++)
		free(cells[i]);
	free(cells);
	return err;
}

int device_print_list(FILE *f, const struct device_view *views, size_t n,
		      bool json)
{
	return json ? device_print_json_list(f, views, n) :
		      device_print_table(f, views, n);
}

int device_print_show(FILE *f, const struct device_view *view, bool json)
{
	const struct device_field *field;
	struct value value;

	if (json)
		return print_json_put(f, device_json(view));

	for (field = device_fields;
	     field < device_fields + ARRAY_SIZE(device_fields); field++) {
		if (!(field->in & IN_SHOW))
			continue;
		field->get(view, &value);
		fprintf(f, "%s: %s\n", field->key, value_text(&value));
	}
	return ferror(f) ? -EIO : 0;
}
