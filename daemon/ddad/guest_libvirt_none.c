// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest_libvirt.h in a build without libvirt (guest_libvirt.c is built
 * with it): there are no libvirt domains, and asking for one says so.
 */
#include <stddef.h>
#include <syslog.h>

#include "guest_libvirt.h"
#include "log.h"

#define UNSUPPORTED	"libvirt domains are unsupported in this build"

int libvirt_guests_start(struct ddad *ddad, const char *uri)
{
	(void)ddad;
	if (uri)
		log_msg(LOG_WARNING, "%s: --libvirt-uri %s is not taken",
			UNSUPPORTED, uri);
	return 0;
}

void libvirt_guests_stop(struct ddad *ddad)
{
	(void)ddad;
}

int libvirt_guests_fd(const struct ddad *ddad)
{
	(void)ddad;
	return -1;
}

void libvirt_guests_service(struct ddad *ddad)
{
	(void)ddad;
}

const char *libvirt_guests_why(const struct ddad *ddad)
{
	(void)ddad;
	return UNSUPPORTED;
}
