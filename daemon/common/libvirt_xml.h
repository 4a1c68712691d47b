/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvirt_xml.h: the libvirt domain XML dda reads and writes, shared by
 * ddad's libvirt guests (daemon/ddad/libvirt.c) and the qemu hook
 * (daemon/hooks/qemu_hook.c). Pure: no libvirt, no I/O.
 *
 * The hostdev ddad attaches is
 *
 *   <hostdev mode='subsystem' type='pci' managed='no'>
 *     <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>
 *     <alias name='ua-dda-0000-01-00-0'/>
 *   </hostdev>
 *
 * managed='no': libvirt leaves the device's driver alone (dda handed it to
 * vfio-pci, and takes it back); the alias is a user alias (libvirt wants
 * "ua-" first) naming the device, so that ddad finds it again and detaches
 * it by alias.
 */
#ifndef DDA_LIBVIRT_XML_H
#define DDA_LIBVIRT_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "libdda.h"

/* "ua-dda-" and an address with ':' and '.' as '-': 7 + 12, and a NUL. */
#define LIBVIRT_ALIAS_LEN	20

/*
 * The alias of the hostdev of the device at address (any form
 * dda_address_parse() takes): "ua-dda-0000-01-00-0". -EINVAL: not an
 * address.
 */
int libvirt_alias(const char *address, char out[LIBVIRT_ALIAS_LEN]);

/*
 * The address an alias of libvirt_alias() names; -EINVAL when alias is
 * not one of dda's.
 */
int libvirt_alias_address(const char *alias, char out[DDA_ADDRESS_LEN + 1]);

/*
 * The <hostdev> element for the device at address, managed='no', with its
 * alias; malloc'd, NULL with errno (EINVAL: not an address).
 */
char *libvirt_hostdev_xml(const char *address);

/* A PCI device a domain's XML gives the domain. */
struct libvirt_hostdev {
	char address[DDA_ADDRESS_LEN + 1];	/* "dddd:bb:dd.f" */
	bool managed;		/* managed='yes': libvirt moves its driver */
	bool interface;		/* an <interface type='hostdev'> (SR-IOV) */
	char alias[64];		/* its alias; "" when none */
};

/*
 * Every PCI device of the <domain> in xml (len bytes): its <hostdev
 * mode='subsystem' type='pci'> and <interface type='hostdev'> elements.
 * Returns how many, in *out (malloc'd, NULL when none), or -1 with a
 * message naming the problem in err (size errlen): not XML, not a domain,
 * a PCI address out of range or missing.
 */
int libvirt_hostdevs(const char *xml, size_t len,
		     struct libvirt_hostdev **out, char *err, size_t errlen);

#endif /* DDA_LIBVIRT_XML_H */
