// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * PCI class codes: their names, from the system's PCI ID database
 * (pci.ids, as lspci reads it), and which of them are bridges, as dda.ko
 * counts them.
 *
 * The names are read once per process, on the first call, from the
 * classes at the end of pci.ids:
 *
 *	C 02  Network controller
 *		00  Ethernet controller
 *			00  a programming interface (not kept)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libdda.h"
#include "util.h"

/* Where Debian's pciutils, and hwdata elsewhere, install pci.ids. */
static const char *const pci_ids_paths[] = {
	"/usr/share/misc/pci.ids",
	"/usr/share/hwdata/pci.ids",
};

struct class_name {
	uint16_t code;	/* 0xBBSS; a base class alone is 0xBB00 in bases[] */
	char *name;
};

static struct class_names {
	struct class_name *bases, *subclasses;
	size_t n_bases, n_subclasses;
} names;

static pthread_once_t names_once = PTHREAD_ONCE_INIT;

/* Adds code, name to the list; false when out of memory. */
static bool names_add(struct class_name **list, size_t *n, uint16_t code,
		      const char *name)
{
	struct class_name *grown;
	char *copy;

	copy = strdup(name);
	grown = copy ? realloc(*list, (*n + 1) * sizeof(**list)) : NULL;
	if (!grown) {
		free(copy);
		return false;
	}
	*list = grown;
	(*list)[(*n)++] = (struct class_name){ code, copy };
	return true;
}

/* "XX  Name" at text: the value of XX, the name into *name; -1 if not. */
static int id_line(const char *text, const char **name)
{
	int hi = hex_digit(text[0]), lo = hi < 0 ? -1 : hex_digit(text[1]);

	if (lo < 0 || text[2] != ' ')
		return -1;
	*name = text + 2 + strspn(text + 2, " ");
	return hi << 4 | lo;
}

/* Reads the classes of text, the whole of pci.ids, into names. */
static void names_parse(char *text)
{
	char *line, *next;
	const char *name;
	int base = -1, id;
	bool ok = true;

	/* The classes come last: skip the vendors and their devices. */
	line = strstr(text, "\nC ");
	for (line = line ? line + 1 : NULL; ok && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == 'C' && line[1] == ' ') {
			base = id_line(line + 2, &name);
			if (base >= 0)
				ok = names_add(&names.bases, &names.n_bases,
					       base << 8, name);
		} else if (line[0] == '\t' && line[1] != '\t' && base >= 0) {
			id = id_line(line + 1, &name);
			if (id >= 0)
				ok = names_add(&names.subclasses,
					       &names.n_subclasses,
					       base << 8 | id, name);
		} else if (line[0] != '\t' && line[0] != '#' && line[0]) {
			base = -1;	/* whatever comes after a class */
		}
	}
}

static void names_load(void)
{
	FILE *f = NULL;
	char *text;
	size_t i, len;
	long size;

	for (i = 0; !f && i < ARRAY_SIZE(pci_ids_paths); i++)
		f = fopen(pci_ids_paths[i], "re");
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || !(text = malloc(size + 1))) {
		fclose(f);
		return;
	}
	len = fread(text, 1, size, f);
	text[len] = '\0';
	fclose(f);
	names_parse(text);
	free(text);
}

/* At exit, so that leak checkers see nothing of it. */
__attribute__((destructor)) static void names_free(void)
{
	size_t i;

	for (i = 0; i < names.n_bases; i++)
		free(names.bases[i].name);
	for (i = 0; i < names.n_subclasses; i++)
		free(names.subclasses[i].name);
	free(names.bases);
	free(names.subclasses);
	memset(&names, 0, sizeof(names));
}

static const char *name_find(const struct class_name *list, size_t n,
			     uint16_t code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i].code == code)
			return list[i].name;
	return NULL;
}

const char *dda_class_name(uint32_t class_code)
{
	uint16_t code = (class_code >> 8) & 0xffff;
	const char *name;

	pthread_once(&names_once, names_load);
	name = name_find(names.subclasses, names.n_subclasses, code);
	if (!name)
		name = name_find(names.bases, names.n_bases, code & 0xff00);
	return name ? name : "Unknown class";
}

bool dda_class_is_bridge(uint32_t class_code)
{
	switch (class_code >> 8 & 0xffff) {
	case 0x0600:	/* host bridge */
	case 0x0604:	/* PCI-to-PCI bridge */
	case 0x0607:	/* CardBus bridge */
	case 0x0609:	/* semi-transparent PCI-to-PCI bridge */
		return true;
	default:
		return false;
	}
}
