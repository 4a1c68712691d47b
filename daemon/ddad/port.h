/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * port.h: what query-pci says of a guest (port.c).
 */
#ifndef DDAD_PORT_H
#define DDAD_PORT_H

#include <stdbool.h>
#include <stddef.h>

#include "libdda.h"

struct json_object;

/* Bytes for a QEMU device id, with its NUL. */
#define QDEV_SIZE		64

/* The id ddad gives the device of address in a guest: "dda-0000-01-00-0". */
void qdev_of(const char *address, char out[QDEV_SIZE]);

/* The address of such an id; -EINVAL if it is not one. */
int qdev_address(const char *qdev, char out[DDA_ADDRESS_LEN + 1]);

/*
 * The first free hotplug port of query-pci's answer: a PCI bridge (a
 * pcie-root-port) with a qdev id, nothing on its secondary bus, and not in
 * taken[ntaken]. 0 with its id in out; -ENOSPC when there is none, -EPROTO
 * when the answer is not query-pci's.
 */
int port_pick(struct json_object *pci, const char *const *taken,
	      size_t ntaken, char out[QDEV_SIZE]);

/*
 * Whether query-pci's answer has a device of id qdev; with port not NULL,
 * its bridge's id (or "" on a root bus) goes there.
 */
bool pci_has_qdev(struct json_object *pci, const char *qdev,
		  char port[QDEV_SIZE]);

/* A device of ddad's in a guest: its id, and the port it is on. */
struct guest_dev {
	char qdev[QDEV_SIZE];
	char port[QDEV_SIZE];	/* "" on a root bus */
};

/*
 * The devices of query-pci's answer whose ids qdev_of() could have made:
 * 0 with *devs (to free()) and *count; -EPROTO, -ENOMEM.
 */
int pci_dda_devices(struct json_object *pci, struct guest_dev **devs,
		    size_t *count);

#endif /* DDAD_PORT_H */
