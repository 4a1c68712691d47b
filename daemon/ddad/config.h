/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config.h: ddad's configuration, from its command line (main.c).
 */
#ifndef DDAD_CONFIG_H
#define DDAD_CONFIG_H

#include <stdbool.h>
#include <sys/types.h>

#define DDAD_STATE_DIR		"/var/lib/dda"

struct ddad_config {
	const char *socket_path;
	const char *state_dir;
	const char *group_name;	/* may change state besides root; or NULL */
	gid_t group;		/* its id, when group_name is set */
	bool foreground;	/* log to stderr too */
	const char *libvirt_uri;	/* NULL: libvirt's default */

	int events_buffer;	/* SO_RCVBUF of the events socket; 0: default */
};

#endif /* DDAD_CONFIG_H */
