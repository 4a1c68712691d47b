/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * guest_libvirt.h: libvirt's domains as guests of ddad (guest.h), known
 * by their names without registering, through one connection to libvirtd
 * (libvirt.h). In a build without libvirt there are none, and asking for
 * one says so.
 */
#ifndef DDAD_GUEST_LIBVIRT_H
#define DDAD_GUEST_LIBVIRT_H

#include <stdbool.h>

struct ddad;

/*
 * Connects to libvirt at uri (NULL: qemu:///system), retrying while
 * libvirtd is down: the domains come and go as guests of ddad. 0, or
 * -ENOMEM. In a build without libvirt, a uri asked for is logged as
 * unsupported, and 0.
 */
int libvirt_guests_start(struct ddad *ddad, const char *uri);

/* Forgets the domains and closes the connection. */
void libvirt_guests_stop(struct ddad *ddad);

/* The file descriptor to poll for POLLIN (-1: none): service then. */
int libvirt_guests_fd(const struct ddad *ddad);
void libvirt_guests_service(struct ddad *ddad);

/*
 * Why a name that no guest has is not a libvirt domain either, for an
 * error message: "no libvirt domain of that name", "libvirt is not
 * connected: ...", "libvirt domains are unsupported in this build".
 */
const char *libvirt_guests_why(const struct ddad *ddad);

#endif /* DDAD_GUEST_LIBVIRT_H */
