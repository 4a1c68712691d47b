// SPDX-License-Identifier: GPL-2.0-only
/*
 * The libvirt domain XML of daemon/common/libvirt_xml.c: aliases, the
 * hostdev ddad attaches, and the PCI devices of a domain's XML.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libvirt_xml.h"
#include "unit.h"
#include "util.h"

static int parse(const char *xml, struct libvirt_hostdev **out, char *err)
{
	return libvirt_hostdevs(xml, strlen(xml), out, err, 256);
}

#define DOMAIN(devices) \
	"<domain type='qemu'><name>lv1</name><devices>" devices "</devices></domain>"

static void test_alias(void)
{
	char alias[LIBVIRT_ALIAS_LEN], addr[DDA_ADDRESS_LEN + 1];

	is_int(libvirt_alias("0000:01:00.0", alias), 0, "alias of 0000:01:00.0");
	is_str(alias, "ua-dda-0000-01-00-0", "is ua-dda-0000-01-00-0");
	is_int(libvirt_alias("0A:1f.7", alias), 0, "alias of the short form 0A:1f.7");
	is_str(alias, "ua-dda-0000-0a-1f-7", "is canonical, lower case");
	is_int(libvirt_alias("ABCD:ff:1f.7", alias), 0, "alias of ABCD:ff:1f.7");
	is_str(alias, "ua-dda-abcd-ff-1f-7", "is ua-dda-abcd-ff-1f-7");
	is_int(libvirt_alias("0000:01:00", alias), -EINVAL, "not an address: -EINVAL");
	is_int(libvirt_alias("0000:01:20.0", alias), -EINVAL, "slot 0x20: -EINVAL");
	is_int(libvirt_alias(NULL, alias), -EINVAL, "NULL: -EINVAL");

	is_int(libvirt_alias_address("ua-dda-0000-01-00-0", addr), 0,
	       "the address of ua-dda-0000-01-00-0");
	is_str(addr, "0000:01:00.0", "is 0000:01:00.0");
	is_int(libvirt_alias_address("ua-dda-abcd-ff-1f-7", addr), 0,
	       "the address of ua-dda-abcd-ff-1f-7");
	is_str(addr, "abcd:ff:1f.7", "is abcd:ff:1f.7");
	is_int(libvirt_alias_address("ua-dda-0000-01-00-0x", addr), -EINVAL,
	       "a longer alias is not ours");
	is_int(libvirt_alias_address("ua-dda-0000-0A-00-0", addr), -EINVAL,
	       "upper case is not ours (ddad writes lower case)");
	is_int(libvirt_alias_address("ua-xyz-0000-01-00-0", addr), -EINVAL,
	       "another prefix is not ours");
	is_int(libvirt_alias_address("hostdev0", addr), -EINVAL,
	       "libvirt's own alias is not ours");
	is_int(libvirt_alias_address("ua-dda-0000:01:00.0", addr), -EINVAL,
	       "':' and '.' are not in an alias");
}

static void test_hostdev_xml(void)
{
	struct libvirt_hostdev *hd;
	char err[256], *xml, *dom;
	int n;

	xml = libvirt_hostdev_xml("0000:01:00.0");
	ok(xml != NULL, "the hostdev XML of 0000:01:00.0");
	is_str(xml,
	       "<hostdev mode='subsystem' type='pci' managed='no'>"
	       "<source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>"
	       "<alias name='ua-dda-0000-01-00-0'/></hostdev>",
	       "managed='no', its address in hex, its alias");
	/* What ddad writes, it reads back. */
	ok(asprintf(&dom, DOMAIN("%s"), xml) > 0, "in a domain");
	n = parse(dom, &hd, err);
	is_int(n, 1, "read back: one hostdev");
	if (n == 1) {
		is_str(hd[0].address, "0000:01:00.0", "its address");
		ok(!hd[0].managed, "managed='no'");
		is_str(hd[0].alias, "ua-dda-0000-01-00-0", "its alias");
	}
	free(hd);
	free(dom);
	free(xml);

	xml = libvirt_hostdev_xml("12:1f.7");
	is_str(xml ? strstr(xml, "<address") : "",
	       "<address domain='0x0000' bus='0x12' slot='0x1f' function='0x7'/></source>"
	       "<alias name='ua-dda-0000-12-1f-7'/></hostdev>", "of a short form");
	free(xml);
	errno = 0;
	ok(!libvirt_hostdev_xml("0000:01:00.8") && errno == EINVAL,
	   "function 8: NULL, EINVAL");
	ok(!libvirt_hostdev_xml("0000:01:00.0'/><x a='") && errno == EINVAL,
	   "no XML slips in through an address");
}

static void test_hostdevs(void)
{
	struct libvirt_hostdev *hd;
	char err[256] = "";
	int n;

	n = parse(DOMAIN(
		"<disk type='file'><source file='/x'/></disk>"
		"<hostdev mode='subsystem' type='pci' managed='yes'>"
		"  <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>"
		"  <alias name='hostdev0'/>"
		"  <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>"
		"</hostdev>"
		"<hostdev mode='subsystem' type='pci'>"
		"  <source><address bus='2' slot='3' function='1'/></source>"
		"</hostdev>"
		"<hostdev mode='subsystem' type='usb'>"
		"  <source><vendor id='0x1234'/><product id='0xbeef'/></source>"
		"</hostdev>"
		"<hostdev mode='capabilities' type='storage'><source><block>/dev/sdb</block></source></hostdev>"
		"<interface type='hostdev' managed='yes'>"
		"  <source><address type='pci' domain='0x0001' bus='0x3a' slot='0x10' function='0x2'/></source>"
		"  <alias name='ua-net'/>"
		"</interface>"
		"<interface type='network'><source network='default'/></interface>"
		"<interface type='hostdev'><source><address type='usb' bus='1' device='2'/></source></interface>"),
		&hd, err);
	is_int(n, 3, "two PCI hostdevs and one SR-IOV interface (%s)", err);
	if (n == 3) {
		is_str(hd[0].address, "0000:01:00.0", "the first: 0000:01:00.0");
		ok(hd[0].managed && !hd[0].interface, "managed='yes', a hostdev");
		is_str(hd[0].alias, "hostdev0", "its alias, not its guest address");
		is_str(hd[1].address, "0000:02:03.1", "the second: decimal, domain 0 by default");
		ok(!hd[1].managed, "managed absent: 'no', libvirt's default");
		is_str(hd[1].alias, "", "no alias");
		is_str(hd[2].address, "0001:3a:10.2", "the interface's VF");
		ok(hd[2].managed && hd[2].interface, "managed, an interface");
	}
	free(hd);

	n = parse("<domain type='qemu'><name>x</name></domain>", &hd, err);
	ok(n == 0 && !hd, "a domain without devices has none");
	n = parse(DOMAIN("<disk/>"), &hd, err);
	ok(n == 0 && !hd, "a domain without hostdevs has none");
	/* Hostdevs outside <devices> are not the domain's. */
	n = parse("<domain><metadata><hostdev mode='subsystem' type='pci'><source>"
		  "<address bus='1' slot='0' function='0'/></source></hostdev>"
		  "</metadata></domain>", &hd, err);
	ok(n == 0, "a hostdev in <metadata> is not one");
	free(hd);
}

static void test_bad(void)
{
	static const struct { const char *xml, *says, *what; } bad[] = {
		{ "<domain><devices>", "not well-formed", "truncated XML" },
		{ "", "not well-formed", "nothing" },
		{ "<domstatus><domain/></domstatus>", "not a <domain>", "another root" },
		{ DOMAIN("<hostdev mode='subsystem' type='pci'><source/></hostdev>"),
		  "has no PCI <source><address>", "no address" },
		{ DOMAIN("<hostdev mode='subsystem' type='pci'><source>"
			 "<address domain='0' slot='0' function='0'/></source></hostdev>"),
		  "has no bus", "no bus" },
		{ DOMAIN("<hostdev mode='subsystem' type='pci'><source>"
			 "<address bus='0x100' slot='0' function='0'/></source></hostdev>"),
		  "bus is not a number up to 0xff", "bus 0x100" },
		{ DOMAIN("<hostdev mode='subsystem' type='pci'><source>"
			 "<address bus='1' slot='0x20' function='0'/></source></hostdev>"),
		  "slot is not a number up to 0x1f", "slot 0x20" },
		{ DOMAIN("<hostdev mode='subsystem' type='pci'><source>"
			 "<address bus='1' slot='0' function='-1'/></source></hostdev>"),
		  "function is not a number", "function -1" },
		{ DOMAIN("<hostdev mode='subsystem' type='pci'><source>"
			 "<address bus='1x' slot='0' function='0'/></source></hostdev>"),
		  "bus is not a number", "bus 1x" },
		{ DOMAIN("<hostdev mode='subsystem' type='pci'><source>"
			 "<address domain='0x10000' bus='1' slot='0' function='0'/></source></hostdev>"),
		  "domain is not a number up to 0xffff", "domain 0x10000" },
		{ "<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><domain>&e;</domain>",
		  "", "an external entity is not fetched" },
	};
	struct libvirt_hostdev *hd;
	char err[256];
	size_t i;
	int n;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = 0;
		n = parse(bad[i].xml, &hd, err);
		if (!*bad[i].says) {
			ok(n == 0 && !hd, "%s", bad[i].what);
			continue;
		}
		ok(n == -1 && !hd && strstr(err, bad[i].says),
		   "%s: refused, \"%s\"", bad[i].what, err);
	}
}

int main(void)
{
	test_alias();
	test_hostdev_xml();
	test_hostdevs();
	test_bad();
	return unit_done();
}
