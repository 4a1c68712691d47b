/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices for people and for scripts: the `list` table, the `show` lines,
 * the brief rows of other tables, and their JSON.
 *
 * JSON object of a device, every key always there:
 *
 *	address			string "dddd:bb:dd.f"
 *	vendor, device,
 *	subsystem_vendor,
 *	subsystem_device	string, 4 lower-case hex digits, "8086"
 *	class			string, 6 lower-case hex digits, "020000"
 *	driver			string, or null if none is bound
 *	iommu_group		integer, or null if none
 *	state			"host", "quarantined" or "assigned"
 *	hold			boolean: assigned, and dda still blocks its
 *				IOMMU group's DMA (a handover with hold):
 *				no VFIO user can open it until a release
 *	vm			string, or null: the guest it is assigned to
 *	original_driver		string, or null: the host driver before
 *				DISMOUNT
 *	health			"ok", "reset_failed", "no_answer" or
 *				"unbound": how it came out of its last
 *				reset by dda
 *	physfn			string, or null: of an SR-IOV virtual
 *				function, its physical function's address
 *	window_usec		integer, or null before the first: the last
 *				window between owners of its IOMMU group, in
 *				microseconds (an upper bound)
 *	unowned_usec		integer, or null: its group, handed over by
 *				dda, has had no DMA owner for at most this
 *				many microseconds now
 */
#ifndef DDA_DEVICE_PRINT_H
#define DDA_DEVICE_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "libdda.h"

/*
 * A device as ddactl presents it: what dda.ko says of it, the guest it is
 * assigned to, which only ddad knows (NULL if none or unknown), and for
 * `show`'s text the processes that have it open through VFIO (n_users of
 * them: whom a reclaim waits for).
 */
struct device_view {
	const struct dda_device *dev;
	const char *vm;
	const struct dda_vfio_user *users;
	size_t n_users;
};

/* How a device appears in text. */
enum device_form {
	DEVICE_LIST,	/* a row of `list`: ADDRESS CLASS VENDOR:DEVICE DRIVER
			 * GROUP STATE HOLD VM DESCRIPTION */
	DEVICE_SHOW,	/* the lines of `show`: "key: value", "-" for none */
	DEVICE_BRIEF,	/* a row naming it: ADDRESS VENDOR:DEVICE DRIVER
			 * STATE */
	DEVICE_VF,	/* a row of `sriov`'s virtual functions: VF STATE VM
			 * HEALTH DRIVER */
};

/* The headers of form's table, through print_header() (print.h). */
void device_print_headers(enum device_form form);

/*
 * Prints the fields of a device through print.h: in JSON the members of
 * its object, into the open one; in text as form, the cells of the open
 * row or show's lines.
 */
void device_print_fields(const struct device_view *view,
			 enum device_form form);

/*
 * Prints n devices: as the `list` table, or as a JSON array. Returns 0,
 * -ENOMEM or -EIO.
 */
int device_print_list(FILE *f, const struct device_view *views, size_t n,
		      bool json);

/*
 * Prints one device: as show's lines (then its VFIO users, if any), or as
 * a JSON object. Returns as above.
 */
int device_print_show(FILE *f, const struct device_view *view, bool json);

#endif /* DDA_DEVICE_PRINT_H */
