// SPDX-License-Identifier: GPL-2.0-only
/*
 * Devices for people and for scripts.
 *
 * device_fields[] describes every field once: its JSON key (also its label
 * in `show`), its column header in the tables, where it appears, and how
 * its value is read from a device. One print_*() call a field prints the
 * tables, the lines and the JSON, so they cannot disagree. A form whose
 * columns stand in another order names them in form_columns[]; its JSON
 * members follow that order, then the others'.
 */
#include <string.h>

#include "device_print.h"
#include "print.h"
#include "util.h"

/* Where a field appears. */
enum {
	IN_JSON = 1 << 0,	/* a key of the JSON object */
	IN_LIST = 1 << 1,	/* a column of the `list` table */
	IN_SHOW = 1 << 2,	/* a line of `show` */
	IN_BRIEF = 1 << 3,	/* a column of the brief table */
};

/*
 * A field's value: none (JSON null, "-" in text), a string, a number or a
 * boolean (JSON true or false, "yes" or "no" in text; in show's line, when
 * true, followed by what it means: note).
 */
struct value {
	enum { VALUE_NONE, VALUE_STRING, VALUE_NUMBER, VALUE_BOOL } type;
	const char *string;
	long long number;
	bool yes;
	const char *note;
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

/* A time in microseconds, or null for 0: none. */
static void value_usec(struct value *value, uint64_t usec)
{
	if (usec)
		value_number(value, (long long)usec);
	else
		value_string(value, NULL);
}

static void get_window_usec(const struct device_view *view,
			    struct value *value)
{
	value_usec(value, view->dev->window_usec);
}

static void get_unowned_usec(const struct device_view *view,
			     struct value *value)
{
	value_usec(value, view->dev->unowned_usec);
}

static void get_hold(const struct device_view *view, struct value *value)
{
	value->type = VALUE_BOOL;
	value->yes = view->dev->hold;
	value->note = "dda blocks the group's DMA until release";
}

static const struct device_field device_fields[] = {
	{ "address", "ADDRESS", IN_JSON | IN_LIST | IN_SHOW | IN_BRIEF,
	  get_address },
	{ "vendor", NULL, IN_JSON | IN_SHOW, get_vendor },
	{ "device", NULL, IN_JSON | IN_SHOW, get_device },
	{ "subsystem_vendor", NULL, IN_JSON | IN_SHOW, get_subsys_vendor },
	{ "subsystem_device", NULL, IN_JSON | IN_SHOW, get_subsys_device },
	{ "class", NULL, IN_JSON | IN_SHOW, get_class },
	{ NULL, "CLASS", IN_LIST, get_class_short },
	{ NULL, "VENDOR:DEVICE", IN_LIST | IN_BRIEF, get_vendor_device },
	{ "driver", "DRIVER", IN_JSON | IN_LIST | IN_SHOW | IN_BRIEF,
	  get_driver },
	{ "iommu_group", "GROUP", IN_JSON | IN_LIST | IN_SHOW,
	  get_iommu_group },
	{ "state", "STATE", IN_JSON | IN_LIST | IN_SHOW | IN_BRIEF,
	  get_state },
	{ "hold", "HOLD", IN_JSON | IN_LIST | IN_SHOW, get_hold },
	{ "vm", "VM", IN_JSON | IN_LIST | IN_SHOW, get_vm },
	{ "original_driver", NULL, IN_JSON | IN_SHOW, get_original_driver },
	{ "description", "DESCRIPTION", IN_LIST | IN_SHOW, get_description },
	{ "reset_method", NULL, IN_SHOW, get_reset_method },
	{ "reset_usec", NULL, IN_SHOW, get_reset_usec },
	{ "health", "HEALTH", IN_JSON | IN_SHOW, get_health },
	{ "physfn", NULL, IN_JSON | IN_SHOW, get_physfn },
	{ "window_usec", NULL, IN_JSON | IN_SHOW, get_window_usec },
	{ "unowned_usec", NULL, IN_JSON | IN_SHOW, get_unowned_usec },
};

/* The text a field appears in, in form. */
static const unsigned int in_text[] = {
	[DEVICE_LIST] = IN_LIST,
	[DEVICE_SHOW] = IN_SHOW,
	[DEVICE_BRIEF] = IN_BRIEF,
	[DEVICE_VF] = 0,	/* its form_columns[] */
};

/* A column of a form, by its field's key; header NULL: the field's. */
struct form_column {
	const char *key;
	const char *header;
};

static const struct form_column vf_columns[] = {
	{ "address", "VF" }, { "state", NULL }, { "vm", NULL },
	{ "health", NULL }, { "driver", NULL }, { NULL, NULL },
};

/* The forms whose columns are not in device_fields[]'s order. */
static const struct form_column *const form_columns[] = {
	[DEVICE_VF] = vf_columns,
};

static const struct device_field *field_of(const char *key)
{
	const struct device_field *field;

	for (field = device_fields;
	     field < device_fields + ARRAY_SIZE(device_fields); field++)
		if (field->key && !strcmp(field->key, key))
			return field;
	return NULL;
}

/* Is field one of columns'? */
static bool in_columns(const struct form_column *columns,
		       const struct device_field *field)
{
	for (; columns->key; columns++)
		if (field_of(columns->key) == field)
			return true;
	return false;
}

static const struct form_column *columns_of(enum device_form form)
{
	return (size_t)form < ARRAY_SIZE(form_columns) ?
	       form_columns[form] : NULL;
}

void device_print_headers(enum device_form form)
{
	const struct form_column *columns = columns_of(form);
	const struct device_field *field;

	for (; columns && columns->key; columns++)
		print_header(columns->header ? columns->header :
			     field_of(columns->key)->header);
	if (columns)
		return;
	for (field = device_fields;
	     field < device_fields + ARRAY_SIZE(device_fields); field++)
		if (field->in & in_text[form])
			print_header(field->header);
}

/* One field, where mode says, as form has it in text. */
static void field_print(const struct device_view *view,
			const struct device_field *field, unsigned int mode,
			enum device_form form)
{
	struct value value = { .type = VALUE_NONE };
	char fmt[128];

	field->get(view, &value);
	/*
	 * show's lines are "key: value", the tables' cells the value; a
	 * boolean's line that is true says what it means.
	 */
	snprintf(fmt, sizeof(fmt), "%s%s%s%s%s%s%s",
		 form == DEVICE_SHOW ? field->key : "",
		 form == DEVICE_SHOW ? ": " : "",
		 value.type == VALUE_NUMBER ? "%lld" : "%s",
		 form == DEVICE_SHOW && value.yes && value.note ? " (" : "",
		 form == DEVICE_SHOW && value.yes && value.note ?
		 value.note : "",
		 form == DEVICE_SHOW && value.yes && value.note ? ")" : "",
		 form == DEVICE_SHOW ? "\n" : "");
	if (value.type == VALUE_BOOL)
		print_bool(mode, field->key, fmt, value.yes);
	else if (value.type == VALUE_NUMBER)
		print_int(mode, field->key, fmt, value.number);
	else
		print_string(mode, field->key, fmt,
			     value.type == VALUE_STRING ? value.string : NULL);
}

void device_print_fields(const struct device_view *view,
			 enum device_form form)
{
	const struct form_column *columns = columns_of(form), *column;
	const struct device_field *field;
	unsigned int mode;

	for (column = columns; column && column->key; column++) {
		field = field_of(column->key);
		field_print(view, field,
			    PRINT_TEXT | (field->in & IN_JSON ? PRINT_JSON : 0),
			    form);
	}
	for (field = device_fields;
	     field < device_fields + ARRAY_SIZE(device_fields); field++) {
		if (columns)
			mode = field->in & IN_JSON &&
			       !in_columns(columns, field) ? PRINT_JSON : 0;
		else
			mode = (field->in & IN_JSON ? PRINT_JSON : 0) |
			       (field->in & in_text[form] ? PRINT_TEXT : 0);
		if (mode)
			field_print(view, field, mode, form);
	}
}

/* Who has the device open through VFIO: "vfio_users: PID (COMM), ..." */
static void users_print(const struct device_view *view)
{
	size_t i;

	if (!view->n_users)
		return;
	print_text("vfio_users:");
	for (i = 0; i < view->n_users; i++) {
		print_int(PRINT_TEXT, NULL, i ? ", %lld" : " %lld",
			  view->users[i].pid);
		print_string(PRINT_TEXT, NULL, " (%s)",
			     view->users[i].command);
	}
	print_text("\n");
}

int device_print_list(FILE *f, const struct device_view *views, size_t n,
		      bool json)
{
	size_t i;

	print_start(f, json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	print_open_table(NULL);
	device_print_headers(DEVICE_LIST);
	for (i = 0; i < n; i++) {
		print_open_row();
		device_print_fields(&views[i], DEVICE_LIST);
		print_close_row();
	}
	print_close_table(NULL);
	return print_end();
}

int device_print_show(FILE *f, const struct device_view *view, bool json)
{
	print_start(f, json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	print_open_object(NULL);
	device_print_fields(view, DEVICE_SHOW);
	users_print(view);
	print_close_object();
	return print_end();
}
