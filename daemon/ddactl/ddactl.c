// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl: the command line of dda, discrete device assignment.
 *
 * ddactl [--socket PATH] COMMAND [ARGS...] runs the command of that name
 * in commands[], which declares each command's options and operands for
 * the one parser, args.c, as root declares ddactl's own; each command
 * group lives in a file of its own.
 *
 * Exit codes:
 *	0	success
 *	1	the operation failed: the kernel or the daemon refused
 *		it, the device is missing, dda.ko is not loaded
 *	2	bad usage or bad input, refused before anything was asked
 */
#include <err.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ddactl.h"
#include "ddad_socket.h"

#ifndef DDA_VERSION
#define DDA_VERSION "unknown"
#endif

static int help_main(const struct command *cmd, const struct args *args);

#define OPTION_VM	{ "--vm", 0, OPTION_VALUE, offsetof(struct args, vm), \
			  "NAME", true, "the guest to give the device to" }

/* Each command: its function, options, operands and what it does. */
static const struct command commands[] = {
	{ .name = "list", .function = list_main,
	  .options = (const struct command_option[]){ OPTION_JSON, { NULL } },
	  .help = "list the PCI devices and their dda state" },
	{ .name = "show", .function = show_main,
	  .options = (const struct command_option[]){ OPTION_JSON, { NULL } },
	  .operands = "ADDRESS", .min = 1, .max = 1,
	  .help = "show one PCI device" },
	{ .name = "survey", .function = survey_main,
	  .options = (const struct command_option[]){ OPTION_JSON, { NULL } },
	  .operands = "[ADDRESS]", .min = 0, .max = 1,
	  .help = "may a device be assigned, and why not" },
	{ .name = "dismount", .function = dismount_main,
	  .options = (const struct command_option[]){
		OPTION_GROUP, OPTION_FORCE, OPTION_JSON, { NULL } },
	  .operands = "ADDRESS", .min = 1, .max = 1,
	  .help = "take a device into quarantine (root)",
	  .notes = "A device the host uses is refused, naming each use: a filesystem\n"
		   "mounted from it, its swap, an md, dm or LVM stack on it, vfio-pci\n"
		   "bound by another than dda. --force takes it anyway, and says so in\n"
		   "the kernel log.\n" },
	{ .name = "mount", .function = mount_main,
	  .options = (const struct command_option[]){
		OPTION_GROUP, OPTION_JSON, { NULL } },
	  .operands = "ADDRESS", .min = 1, .max = 1,
	  .help = "give a device back to its host (root)" },
	{ .name = "reset", .function = reset_main,
	  .options = (const struct command_option[]){
		OPTION_GROUP, OPTION_JSON, { NULL } },
	  .operands = "ADDRESS", .min = 1, .max = 1,
	  .help = "reset a quarantined device again; clears unhealthy (root)" },
	{ .name = "handover", .function = handover_main,
	  .options = (const struct command_option[]){
		{ "--hold", 0, OPTION_FLAG, offsetof(struct args, hold), NULL,
		  false, NULL },
		OPTION_JSON, { NULL } },
	  .operands = "ADDRESS", .min = 1, .max = 1,
	  .help = "hand a quarantined group to vfio-pci, for a QEMU of your own (root)",
	  .notes = "The window between owners, when the group's DMA has no owner, runs\n"
		   "from the handover to QEMU's open of the device. --hold keeps the\n"
		   "group's DMA blocked by dda meanwhile, and QEMU cannot open it:\n"
		   "run 'ddactl release ADDRESS' right before QEMU's device_add, and\n"
		   "the window is that open's alone. ddad always hands over this way.\n" },
	{ .name = "release", .function = release_main,
	  .options = (const struct command_option[]){ OPTION_JSON, { NULL } },
	  .operands = "ADDRESS", .min = 1, .max = 1,
	  .help = "let QEMU open a group handed over with --hold: right before its device_add (root)" },
	{ .name = "sriov", .function = sriov_main,
	  .options = (const struct command_option[]){
		{ "--vfs", 0, OPTION_UINT16, offsetof(struct args, vfs), "N",
		  false, "virtual functions" },
		OPTION_JSON, { NULL } },
	  .operands = "PF", .min = 1, .max = 1,
	  .help = "the SR-IOV VFs of PF; --vfs N makes N, into quarantine (root)" },
	{ .name = "events", .function = events_main,
	  .options = (const struct command_option[]){ OPTION_JSON, { NULL } },
	  .help = "print state changes live, until killed" },
	{ .name = "policy", .subcommands = policy_commands,
	  .notes = policy_notes,
	  .help = "the policy of quarantine at boot (dda.conf(5))" },
	{ .name = "status", .function = status_main,
	  .options = (const struct command_option[]){ OPTION_JSON, { NULL } },
	  .help = "the devices ddad manages, and their guests (ddad)" },
	{ .name = "assign", .function = assign_main,
	  .options = (const struct command_option[]){
		OPTION_VM,
		{ "--vf-of", 0, OPTION_VALUE, offsetof(struct args, vf_of),
		  "PF", false, NULL },
		{ "--persistent", 0, OPTION_FLAG,
		  offsetof(struct args, persistent), NULL, false, NULL },
		OPTION_JSON, { NULL } },
	  .operands = "ADDRESS", .min = 0, .max = 1,
	  .help = "give a quarantined device (or a free VF of PF) to a running guest (root, ddad)" },
	{ .name = "unassign", .function = unassign_main,
	  .options = (const struct command_option[]){
		OPTION_TIMEOUT, OPTION_JSON, { NULL } },
	  .operands = "ADDRESS", .min = 1, .max = 1,
	  .help = "take a device back from its guest into quarantine (root, ddad)" },
	{ .name = "reassign", .function = reassign_main,
	  .options = (const struct command_option[]){
		OPTION_VM, OPTION_TIMEOUT, OPTION_JSON, { NULL } },
	  .operands = "ADDRESS", .min = 1, .max = 1,
	  .help = "move a device to another guest, through quarantine (root, ddad)" },
	{ .name = "reclaim", .function = reclaim_main,
	  .options = (const struct command_option[]){ OPTION_JSON, { NULL } },
	  .operands = "ADDRESS", .min = 1, .max = 1,
	  .help = "take back a device assigned to no guest ddad knows, held by no process (root, ddad)" },
	{ .name = "vm", .subcommands = vm_commands,
	  .help = "the guests ddad manages (ddad)" },
	{ .name = "help", .function = help_main,
	  .operands = "[COMMAND [SUBCOMMAND]]", .min = 0, .max = 2,
	  .help = "show this help, or a command's" },
	{ NULL }
};

/* ddactl's own options, before its command; and --help, the parser's. */
static const struct command_option root_options[] = {
	{ "--socket", 0, OPTION_VALUE, offsetof(struct args, socket), "PATH",
	  false, "ddad's socket, for the commands marked ddad (else "
	  "$DDA_SOCKET, else " DDAD_SOCKET ")" },
	{ "--version", 'V', OPTION_FLAG, offsetof(struct args, version), NULL,
	  false, "print ddactl's version" },
	{ NULL }
};

static int root_main(const struct command *cmd, const struct args *args);

/* ddactl itself: its options, then one of its commands. */
static const struct command root = {
	.name = "", .function = root_main, .options = root_options,
	.subcommands = commands, .operands = "COMMAND [ARGS...]",
	.notes = "ADDRESS is a PCI address, DDDD:BB:DD.F or BB:DD.F.\n"
		 "--group acts on every device of its IOMMU group at once.\n"
		 "--json prints JSON for scripts instead of text.\n"
		 "Exit status: 0 success, 1 the operation failed,"
		 " 2 bad usage or input.\n",
};

/* What ddactl's own options say: -1 to go on to the command. */
static int root_main(const struct command *cmd, const struct args *args)
{
	(void)cmd;
	if (args->version) {
		printf("ddactl %s\n", DDA_VERSION);
		return DDACTL_OK;
	}
	ddactl_socket = args->socket;
	return -1;
}

static int help_main(const struct command *cmd, const struct args *args)
{
	const struct command *topic = NULL, *sub;
	size_t i;

	(void)cmd;
	if (!args->n_operands) {
		command_usage(stdout, &root);
		return DDACTL_OK;
	}
	for (i = 0; i < args->n_operands; i++) {
		sub = !topic ? command_find(commands, args->operands[i]) :
		      topic->subcommands ?
		      command_find(topic->subcommands, args->operands[i]) :
		      NULL;
		if (!sub) {
			warnx("'%s' is not a command; see 'ddactl help%s%s'",
			      args->operands[i], topic ? " " : "",
			      topic ? topic->name : "");
			return DDACTL_USAGE;
		}
		topic = sub;
	}
	command_usage(stdout, topic);
	return DDACTL_OK;
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
	int ret = command_run(&root, argc, argv);

	if (fflush(stdout) || ferror(stdout)) {
		warn("cannot write the output");
		return DDACTL_FAILED;
	}
	return ret;
}
