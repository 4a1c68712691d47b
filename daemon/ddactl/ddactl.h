/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What ddactl's subcommand files share: the command table's entries, the
 * exit codes, and the helpers that parse arguments and report failures.
 */
#ifndef DDACTL_H
#define DDACTL_H

#include <stdbool.h>

#include "libdda.h"

/* Exit codes; see the top of ddactl.c. */
enum {
	DDACTL_OK = 0,
	DDACTL_FAILED = 1,
	DDACTL_USAGE = 2,
};

struct command {
	const char *name;
	/* argv[0] is the subcommand's name; returns an exit code. */
	int (*function)(const struct command *cmd, int argc, char *argv[]);
	const char *args;	/* the synopsis of its arguments */
	const char *help;	/* what it does, in one line */
};

/* device.c */
int list_main(const struct command *cmd, int argc, char *argv[]);
int show_main(const struct command *cmd, int argc, char *argv[]);

/* transition.c */
int dismount_main(const struct command *cmd, int argc, char *argv[]);
int mount_main(const struct command *cmd, int argc, char *argv[]);

/* survey.c */
int survey_main(const struct command *cmd, int argc, char *argv[]);

/* event.c */
int events_main(const struct command *cmd, int argc, char *argv[]);

/*
 * Reads a subcommand's arguments, in any order: --json or -j when json is
 * not NULL, --group when group is not NULL, --help or -h, and from min to
 * max operands into operands[], those not given left alone; "--" ends the
 * options. Returns -1 to go on, else the exit code to end with: 0 after
 * printing the help, DDACTL_USAGE after saying what is wrong.
 */
int command_args(const struct command *cmd, int argc, char *argv[],
		 bool *json, bool *group, const char **operands, int min,
		 int max);

/*
 * Canonicalizes a PCI address given on the command line. Returns -1 to go
 * on, else DDACTL_USAGE after saying the text is not an address.
 */
int command_address(const char *text, char out[DDA_ADDRESS_LEN + 1]);

/*
 * Connects to dda.ko. Returns -1 to go on, else DDACTL_FAILED after saying
 * why not, e.g. that the dda kernel module is not loaded.
 */
int command_open(struct dda **dda);

/* As command_open(), for a handle that hears dda.ko's events. */
int command_open_events(struct dda **dda);

/*
 * Says that what failed with err, a negative errno: the reason dda_error()
 * gives, when dda is not NULL and it gives one, then the errno text.
 * Returns DDACTL_FAILED.
 */
int command_failed(const struct dda *dda, int err, const char *what);

#endif /* DDACTL_H */
