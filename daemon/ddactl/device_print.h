/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices for people and for scripts: the `list` table, the `show` lines
 * and their JSON.
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
 *	vm			string, or null: the guest it is assigned to
 *	original_driver		string, or null: the host driver before
 *				DISMOUNT
 *	health			"ok", "reset_failed" or "no_answer"
 *	physfn			string, or null: of an SR-IOV virtual
 *				function, its physical function's address
 */
#ifndef DDA_DEVICE_PRINT_H
#define DDA_DEVICE_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "libdda.h"

struct json_object;

/*
 * A device as ddactl presents it: what dda.ko says of it, and the
 * guest it is assigned to, which only ddad knows (NULL if none or unknown).
 */
struct device_view {
	const struct dda_device *dev;
	const char *vm;
};

/* The JSON object of a device, or NULL when out of memory. */
struct json_object *device_json(const struct device_view *view);

/*
 * Prints n devices: as a table (ADDRESS CLASS VENDOR:DEVICE DRIVER GROUP
 * STATE VM DESCRIPTION), or as a JSON array. Returns 0, -ENOMEM or -EIO.
 */
int device_print_list(FILE *f, const struct device_view *views, size_t n,
		      bool json);

/*
 * Prints one device: as "key: value" lines, "-" standing for none, or as a
 * JSON object. Returns 0, -ENOMEM or -EIO.
 */
int device_print_show(FILE *f, const struct device_view *view, bool json);

#endif /* DDA_DEVICE_PRINT_H */
