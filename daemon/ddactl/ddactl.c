// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl: the command line of dda, discrete device assignment.
 *
 * ddactl COMMAND [ARGS...] runs the command of that name in commands[];
 * each command group lives in a file of its own.
 *
 * Exit codes:
 *	0	success
 *	1	the operation failed: the kernel or the daemon refused
 *		it, the device is missing, dda.ko is not loaded
 *	2	bad usage or bad input, refused before anything was asked
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ddactl.h"

#ifndef DDA_VERSION
#define DDA_VERSION "unknown"
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int help_main(const struct command *cmd, int argc, char *argv[]);

static const struct command commands[] = {
	{ "list", list_main, "[--json]",
	  "list the PCI devices and their dda state" },
	{ "show", show_main, "ADDRESS [--json]",
	  "show one PCI device" },
	{ "survey", survey_main, "[ADDRESS] [--json]",
	  "may a device be assigned, and why not" },
	{ "dismount", dismount_main, "ADDRESS [--group] [--json]",
	  "take a device into quarantine (root)" },
	{ "mount", mount_main, "ADDRESS [--group] [--json]",
	  "give a device back to its host (root)" },
	{ "reset", reset_main, "ADDRESS [--group] [--json]",
	  "reset a quarantined device again; clears unhealthy (root)" },
	{ "events", events_main, "[--json]",
	  "print state changes live, until killed" },
	{ "policy", policy_main,
	  "check|apply|modprobe [--file FILE] [--json|--udev]",
	  "the policy of quarantine at boot (dda.conf(5))" },
	{ "status", status_main, "[--json]",
	  "the devices ddad manages, and their guests (ddad)" },
	{ "assign", assign_main, "ADDRESS --vm NAME [--json]",
	  "give a quarantined device to a running guest (root, ddad)" },
	{ "unassign", unassign_main, "ADDRESS [--timeout SECONDS] [--json]",
	  "take a device back from its guest into quarantine (root, ddad)" },
	{ "reassign", reassign_main,
	  "ADDRESS --vm NAME [--timeout SECONDS] [--json]",
	  "move a device to another guest, through quarantine (root, ddad)" },
	{ "vm", vm_main, "add|list|remove ...",
	  "the guests ddad manages (ddad)" },
	{ "help", help_main, "[COMMAND]",
	  "show this help, or a command's" },
};

static const struct command *command_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	const struct command *cmd;
	int width = 0, len;

	for (cmd = commands; cmd < commands + ARRAY_SIZE(commands); cmd++) {
		len = strlen(cmd->name) + 1 + strlen(cmd->args);
		if (len > width)
			width = len;
	}

	fprintf(f, "Usage: ddactl [--socket PATH] COMMAND [ARGS...]\n"
		   "       ddactl --version\n\n"
		   "Commands:\n");
	for (cmd = commands; cmd < commands + ARRAY_SIZE(commands); cmd++)
		fprintf(f, "  %s %-*s  %s\n", cmd->name,
			width - (int)strlen(cmd->name) - 1, cmd->args,
			cmd->help);
	fprintf(f, "\nADDRESS is a PCI address, DDDD:BB:DD.F or BB:DD.F.\n"
		   "--group acts on every device of its IOMMU group at once.\n"
		   "--json prints JSON for scripts instead of text.\n"
		   "--socket PATH (or $DDA_SOCKET) is ddad's socket, for the commands\n"
		   "marked ddad (default /run/dda/ddad.sock).\n"
		   "Exit status: 0 success, 1 the operation failed,"
		   " 2 bad usage or input.\n");
}

static void command_usage(FILE *f, const struct command *cmd)
{
	fprintf(f, "Usage: ddactl %s %s\n%s\n", cmd->name, cmd->args,
		cmd->help);
}

static int help_main(const struct command *cmd, int argc, char *argv[])
{
	const struct command *topic;
	const char *name = NULL;
	int ret;

	if (argc > 1) {
		ret = command_args(cmd, argc, argv, NULL, NULL, &name, 1, 1);
		if (ret >= 0)
			return ret;
	}
	if (!name) {
		usage(stdout);
		return DDACTL_OK;
	}
	topic = command_find(name);
	if (!topic) {
		warnx("'%s' is not a command; see 'ddactl help'", name);
		return DDACTL_USAGE;
	}
	command_usage(stdout, topic);
	return DDACTL_OK;
}

int command_args(const struct command *cmd, int argc, char *argv[],
		 bool *json, bool *group, const char **operands, int min,
		 int max)
{
	bool options = true;
	int i, count = 0;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (options && arg[0] == '-' && arg[1]) {
			if (!strcmp(arg, "--")) {
				options = false;
			} else if (!strcmp(arg, "--help") ||
				   !strcmp(arg, "-h")) {
				command_usage(stdout, cmd);
				return DDACTL_OK;
			} else if (json && (!strcmp(arg, "--json") ||
					    !strcmp(arg, "-j"))) {
				*json = true;
			} else if (group && !strcmp(arg, "--group")) {
				*group = true;
			} else {
				warnx("unexpected parameter '%s'", arg);
				command_usage(stderr, cmd);
				return DDACTL_USAGE;
			}
			continue;
		}
		if (count == max) {
			warnx("unexpected parameter '%s'", arg);
			command_usage(stderr, cmd);
			return DDACTL_USAGE;
		}
		operands[count++] = arg;
	}
	if (count < min) {
		warnx("%s: missing arguments", cmd->name);
		command_usage(stderr, cmd);
		return DDACTL_USAGE;
	}
	return -1;
}

int command_address(const char *text, char out[DDA_ADDRESS_LEN + 1])
{
	if (!dda_address_parse(text, out))
		return -1;
	warnx("'%s' is not a PCI address (expected DDDD:BB:DD.F or BB:DD.F)",
	      text);
	return DDACTL_USAGE;
}

/* Says why a connection to dda.ko failed with err; DDACTL_FAILED. */
static int command_open_failed(int err)
{
	const char *reason = dda_error(NULL);

	/* -ENOENT's reason says it all: the dda kernel module is not loaded. */
	if (err == -ENOENT && *reason)
		warnx("%s", reason);
	else if (*reason)
		warnx("%s (%s)", reason, strerror(-err));
	else
		warnx("cannot connect to dda.ko: %s", strerror(-err));
	return DDACTL_FAILED;
}

int command_open(struct dda **dda)
{
	int err = dda_open(dda);

	return err ? command_open_failed(err) : -1;
}

int command_open_events(struct dda **dda)
{
	int err = dda_events_open(dda);

	return err ? command_open_failed(err) : -1;
}

int command_failed(const struct dda *dda, int err, const char *what)
{
	const char *reason = dda ? dda_error(dda) : "";

	if (*reason)
		warnx("%s: %s (%s)", what, reason, strerror(-err));
	else
		warnx("%s: %s", what, strerror(-err));
	return DDACTL_FAILED;
}

int main(int argc, char *argv[])
{
	const struct command *cmd;
	int ret, used;

	/* --socket PATH: the ddad to talk to (else $DDA_SOCKET). */
	while (argc > 2 && !strncmp(argv[1], "--socket", 8) &&
	       (!argv[1][8] || argv[1][8] == '=')) {
		used = argv[1][8] ? 1 : 2;
		ddactl_socket = used == 1 ? argv[1] + 9 : argv[2];
		argc -= used;
		argv += used;
	}
	if (argc < 2) {
		usage(stderr);
		return DDACTL_USAGE;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("ddactl %s\n", DDA_VERSION);
		return DDACTL_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return DDACTL_OK;
	}

	cmd = command_find(argv[1]);
	if (!cmd) {
		warnx("'%s' is not a command; see 'ddactl help'", argv[1]);
		return DDACTL_USAGE;
	}
	ret = cmd->function(cmd, argc - 1, argv + 1);

	if (fflush(stdout) || ferror(stdout)) {
		warn("cannot write the output");
		return DDACTL_FAILED;
	}
	return ret;
}
