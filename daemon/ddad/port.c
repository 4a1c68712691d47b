// SPDX-License-Identifier: GPL-2.0-only
/*
 * What QEMU's query-pci says of a guest: where a device can be plugged
 * in, and whether one is there.
 *
 * query-pci answers with the root buses, each with its devices; a PCI
 * bridge (a pcie-root-port among them) has "pci_bridge", with the devices
 * of its secondary bus in "devices":
 *
 *	[{"bus": 0, "devices": [
 *	   {"bus": 0, "slot": 1, "function": 0, "qdev_id": "rp0",
 *	    "class_info": {"class": 1540, "desc": "PCI bridge"},
 *	    "pci_bridge": {"bus": {"number": 0, "secondary": 1, ...},
 *			   "devices": [{"qdev_id": "dda-0000-00-02-0", ...}]}},
 *	   ...]}]
 *
 * A port is free when it is a bridge with a qdev id (device_add names it
 * as "bus") and nothing on its secondary bus: with native PCIe hotplug, a
 * pcie-root-port takes one device.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "libdda.h"
#include "port.h"

#define QDEV_PREFIX		"dda-"

void qdev_of(const char *address, char out[QDEV_SIZE])
{
	size_t i, n = strlen(QDEV_PREFIX);

	snprintf(out, QDEV_SIZE, "%s%s", QDEV_PREFIX, address);
	for (i = n; out[i]; i++)
		if (out[i] == ':' || out[i] == '.')
			out[i] = '-';
}

int qdev_address(const char *qdev, char out[DDA_ADDRESS_LEN + 1])
{
	char text[DDA_ADDRESS_LEN + 1], check[QDEV_SIZE];
	size_t n = strlen(QDEV_PREFIX);

	/* dda-DDDD-BB-DD-F */
	if (strncmp(qdev, QDEV_PREFIX, n) || strlen(qdev + n) != DDA_ADDRESS_LEN)
		return -EINVAL;
	memcpy(text, qdev + n, sizeof(text));
	if (text[4] != '-' || text[7] != '-' || text[10] != '-')
		return -EINVAL;
	text[4] = ':';
	text[7] = ':';
	text[10] = '.';
	if (dda_address_parse(text, check))
		return -EINVAL;
	/* Only the form qdev_of() makes: lower-case. */
	memcpy(text, check, sizeof(text));
	qdev_of(text, check);
	if (strcmp(check, qdev))
		return -EINVAL;
	memcpy(out, text, sizeof(text));
	return 0;
}

static const char *qdev_id(struct json_object *dev)
{
	struct json_object *id;

	if (!json_object_object_get_ex(dev, "qdev_id", &id) ||
	    !json_object_is_type(id, json_type_string))
		return "";
	return json_object_get_string(id);
}

/* The devices of a bus or a bridge's secondary bus; NULL if none. */
static struct json_object *devices_of(struct json_object *obj)
{
	struct json_object *devices;

	if (!json_object_object_get_ex(obj, "devices", &devices) ||
	    !json_object_is_type(devices, json_type_array))
		return NULL;
	return devices;
}

static struct json_object *bridge_of(struct json_object *dev)
{
	struct json_object *bridge;

	if (!json_object_object_get_ex(dev, "pci_bridge", &bridge) ||
	    !json_object_is_type(bridge, json_type_object))
		return NULL;
	return bridge;
}

static bool taken_has(const char *const *taken, size_t ntaken,
		      const char *id)
{
	size_t i;

	for (i = 0; i < ntaken; i++)
		if (taken[i] && !strcmp(taken[i], id))
			return true;
	return false;
}

/* Depth first, in query-pci's order: the first free port under devices. */
static bool pick_in(struct json_object *devices, const char *const *taken,
		    size_t ntaken, char out[QDEV_SIZE], int depth)
{
	struct json_object *dev, *bridge, *below;
	size_t i, n;
	const char *id;

	if (!devices || depth > 16)
		return false;
	n = json_object_array_length(devices);
	for (i = 0; i < n; i++) {
		dev = json_object_array_get_idx(devices, i);
		bridge = bridge_of(dev);
		if (!bridge)
			continue;
		below = devices_of(bridge);
		id = qdev_id(dev);
		if ((!below || !json_object_array_length(below)) && *id &&
		    strlen(id) < QDEV_SIZE && !taken_has(taken, ntaken, id)) {
			snprintf(out, QDEV_SIZE, "%s", id);
			return true;
		}
		if (pick_in(below, taken, ntaken, out, depth + 1))
			return true;
	}
	return false;
}

int port_pick(struct json_object *pci, const char *const *taken,
	      size_t ntaken, char out[QDEV_SIZE])
{
	size_t i, n;

	if (!json_object_is_type(pci, json_type_array))
		return -EPROTO;
	n = json_object_array_length(pci);
	for (i = 0; i < n; i++)
		if (pick_in(devices_of(json_object_array_get_idx(pci, i)),
			    taken, ntaken, out, 0))
			return 0;
	return -ENOSPC;
}

static bool find_in(struct json_object *devices, const char *qdev,
		    const char *parent, char port[QDEV_SIZE], int depth)
{
	struct json_object *dev, *bridge;
	size_t i, n;

	if (!devices || depth > 16)
		return false;
	n = json_object_array_length(devices);
	for (i = 0; i < n; i++) {
		dev = json_object_array_get_idx(devices, i);
		if (!strcmp(qdev_id(dev), qdev)) {
			if (port)
				snprintf(port, QDEV_SIZE, "%s", parent);
			return true;
		}
		bridge = bridge_of(dev);
		if (bridge && find_in(devices_of(bridge), qdev, qdev_id(dev),
				      port, depth + 1))
			return true;
	}
	return false;
}

bool pci_has_qdev(struct json_object *pci, const char *qdev,
		  char port[QDEV_SIZE])
{
	size_t i, n;

	if (!json_object_is_type(pci, json_type_array) || !*qdev)
		return false;
	n = json_object_array_length(pci);
	for (i = 0; i < n; i++)
		if (find_in(devices_of(json_object_array_get_idx(pci, i)),
			    qdev, "", port, 0))
			return true;
	return false;
}

static int collect_in(struct json_object *devices, const char *parent,
		      struct guest_dev **out, size_t *n, int depth)
{
	char address[DDA_ADDRESS_LEN + 1];
	struct json_object *dev, *bridge;
	struct guest_dev *more;
	size_t i, count;
	const char *id;
	int err;

	if (!devices || depth > 16)
		return 0;
	count = json_object_array_length(devices);
	for (i = 0; i < count; i++) {
		dev = json_object_array_get_idx(devices, i);
		id = qdev_id(dev);
		if (!qdev_address(id, address)) {
			more = reallocarray(*out, *n + 1, sizeof(*more));
			if (!more)
				return -ENOMEM;
			*out = more;
			snprintf(more[*n].qdev, QDEV_SIZE, "%s", id);
			snprintf(more[*n].port, QDEV_SIZE, "%s", parent);
			(*n)++;
		}
		bridge = bridge_of(dev);
		if (bridge && strlen(id) < QDEV_SIZE) {
			err = collect_in(devices_of(bridge), id, out, n,
					 depth + 1);
			if (err)
				return err;
		}
	}
	return 0;
}

int pci_dda_devices(struct json_object *pci, struct guest_dev **out,
		    size_t *count)
{
	struct guest_dev *devs = NULL;
	size_t i, n = 0;
	int err = 0;

	if (!json_object_is_type(pci, json_type_array))
		return -EPROTO;
	for (i = 0; i < json_object_array_length(pci) && !err; i++)
		err = collect_in(devices_of(json_object_array_get_idx(pci, i)),
				 "", &devs, &n, 0);
	if (err) {
		free(devs);
		return err;
	}
	*out = devs;
	*count = n;
	return 0;
}
