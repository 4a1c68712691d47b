// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvirt_xml.c: the libvirt domain XML dda reads and writes (see
 * libvirt_xml.h), through libxml2.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "libvirt_xml.h"

#define ALIAS_PREFIX "ua-dda-"

int libvirt_alias(const char *address, char out[LIBVIRT_ALIAS_LEN])
{
	char canon[DDA_ADDRESS_LEN + 1];
	char *p;

	if (!address || dda_address_parse(address, canon) < 0)
		return -EINVAL;
	for (p = canon; *p; p++)
		if (*p == ':' || *p == '.')
			*p = '-';
	snprintf(out, LIBVIRT_ALIAS_LEN, ALIAS_PREFIX "%s", canon);
	return 0;
}

int libvirt_alias_address(const char *alias, char out[DDA_ADDRESS_LEN + 1])
{
	char text[DDA_ADDRESS_LEN + 1], check[LIBVIRT_ALIAS_LEN];
	size_t prefix = strlen(ALIAS_PREFIX);

	if (!alias || strncmp(alias, ALIAS_PREFIX, prefix) ||
	    strlen(alias + prefix) != DDA_ADDRESS_LEN)
		return -EINVAL;
	memcpy(text, alias + prefix, DDA_ADDRESS_LEN + 1);
	text[4] = ':';
	text[7] = ':';
	text[10] = '.';
	/* Only the canonical form: the alias ddad itself would give. */
	if (dda_address_parse(text, out) < 0 || libvirt_alias(out, check) < 0 ||
	    strcmp(check, alias))
		return -EINVAL;
	return 0;
}

char *libvirt_hostdev_xml(const char *address)
{
	char canon[DDA_ADDRESS_LEN + 1], alias[LIBVIRT_ALIAS_LEN];
	unsigned int dom, bus, slot, fn;
	char *xml;

	if (!address || dda_address_parse(address, canon) < 0 ||
	    sscanf(canon, "%x:%x:%x.%x", &dom, &bus, &slot, &fn) != 4) {
		errno = EINVAL;
		return NULL;
	}
	libvirt_alias(canon, alias);
	if (asprintf(&xml,
		     "<hostdev mode='subsystem' type='pci' managed='no'>"
		     "<source><address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/></source>"
		     "<alias name='%s'/>"
		     "</hostdev>", dom, bus, slot, fn, alias) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return xml;
}

static __attribute__((format(printf, 3, 4)))
int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static xmlNode *child(const xmlNode *n, const char *name)
{
	xmlNode *c;

	for (c = n->children; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

/* Whether n's attribute name is value; an absent one is dflt. */
static bool attr_is(xmlNode *n, const char *name, const char *value,
		    bool dflt)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	bool is = v ? !strcmp((const char *)v, value) : dflt;

	xmlFree(v);
	return is;
}

/* A number of libvirt's XML: decimal, or hex with 0x. */
static int attr_number(xmlNode *n, const char *name, unsigned int max,
		       bool optional, unsigned int *out)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	const char *s = (const char *)v;
	uintmax_t x;
	char *end;
	int rc = 0;

	if (!v) {
		*out = 0;
		return optional ? 0 : -ENOENT;
	}
	errno = 0;
	x = strtoumax(s, &end, 0);
	if (!*s || *end || errno || x > max || *s == '-' || *s == '+' || *s == ' ')
		rc = -ERANGE;
	else
		*out = (unsigned int)x;
	xmlFree(v);
	return rc;
}

/* One <hostdev> or <interface type='hostdev'>: 1 when a PCI device. */
static int one(xmlNode *n, bool interface, struct libvirt_hostdev *hd,
	       int index, char *err, size_t errlen)
{
	static const struct { const char *name; unsigned int max; bool optional; }
	fields[] = {
		{ "domain", 0xffff, true }, { "bus", 0xff, false },
		{ "slot", 0x1f, false }, { "function", 0x7, false },
	};
	xmlNode *src, *addr, *al;
	unsigned int v[4];
	size_t i;
	xmlChar *a;
	int rc;

	memset(hd, 0, sizeof(*hd));
	if (interface) {
		if (!attr_is(n, "type", "hostdev", false))
			return 0;
	} else if (!attr_is(n, "mode", "subsystem", true) ||
		   !attr_is(n, "type", "pci", false)) {
		return 0;
	}
	src = child(n, "source");
	addr = src ? child(src, "address") : NULL;
	/* An interface's source address says its type (USB is not ours). */
	if (interface && addr && !attr_is(addr, "type", "pci", false))
		return 0;
	if (!addr)
		return fail(err, errlen, "%s %d has no PCI <source><address>",
			    interface ? "<interface type='hostdev'>" : "PCI <hostdev>",
			    index);
	for (i = 0; i < 4; i++) {
		rc = attr_number(addr, fields[i].name, fields[i].max,
				 fields[i].optional, &v[i]);
		if (rc == -ENOENT)
			return fail(err, errlen, "hostdev %d: its source address has no %s",
				    index, fields[i].name);
		if (rc)
			return fail(err, errlen, "hostdev %d: its source address's %s is not a number up to 0x%x",
				    index, fields[i].name, fields[i].max);
	}
	snprintf(hd->address, sizeof(hd->address), "%04x:%02x:%02x.%x",
		 v[0], v[1], v[2], v[3]);
	/* libvirt's default: managed='no'. */
	hd->managed = attr_is(n, "managed", "yes", false);
	hd->interface = interface;
	al = child(n, "alias");
	a = al ? xmlGetProp(al, (const xmlChar *)"name") : NULL;
	if (a)
		snprintf(hd->alias, sizeof(hd->alias), "%s", (const char *)a);
	xmlFree(a);
	return 1;
}

int libvirt_hostdevs(const char *xml, size_t len,
		     struct libvirt_hostdev **out, char *err, size_t errlen)
{
	struct libvirt_hostdev *list = NULL, *grown;
	xmlNode *root, *devices, *n;
	int count = 0, index = 0, rc = 0;
	xmlDoc *doc;

	*out = NULL;
	if (len > INT32_MAX)
		return fail(err, errlen, "the domain XML is too large");
	/* No network, no entities expanded, no errors printed. */
	doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING);
	if (!doc)
		return fail(err, errlen, "the domain XML is not well-formed XML");
	root = xmlDocGetRootElement(doc);
	if (!root || !named(root, "domain")) {
		xmlFreeDoc(doc);
		return fail(err, errlen, "the XML is not a <domain>");
	}
	devices = child(root, "devices");
	for (n = devices ? devices->children : NULL; n && rc >= 0; n = n->next) {
		struct libvirt_hostdev hd;

		if (!named(n, "hostdev") && !named(n, "interface"))
			continue;
		rc = one(n, named(n, "interface"), &hd, index++, err, errlen);
		if (rc <= 0)
			continue;
		grown = realloc(list, (count + 1) * sizeof(*list));
		if (!grown) {
			rc = fail(err, errlen, "out of memory");
			break;
		}
		list = grown;
		list[count++] = hd;
	}
	xmlFreeDoc(doc);
	if (rc < 0) {
		free(list);
		return -1;
	}
	*out = list;
	return count;
}
