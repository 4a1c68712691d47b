/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ddactl's commands and their arguments, declared: each command is a row of
 * a table with the options it takes (ethtool's way), and one parser reads
 * every command's argv from it, and one printer writes every usage.
 *
 *	--opt VALUE and --opt=VALUE	an option with a value
 *	--opt VALUE --opt VALUE		a list option, each value kept
 *	--json, -j			a flag, and its letter
 *	--				the end of the options
 *	--help, -h			the usage of the command, on stdout
 *
 * Options and operands come in any order. Every mistake is said the same
 * way, "ddactl: ..." and the command's usage on stderr, exit code 2.
 */
#ifndef DDACTL_ARGS_H
#define DDACTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes; see the top of ddactl.c. */
enum {
	DDACTL_OK = 0,
	DDACTL_FAILED = 1,
	DDACTL_USAGE = 2,
};

/* The most operands a command takes. */
#define ARGS_OPERANDS_MAX	2

/* The values of a list option, in the order given. */
struct args_list {
	const char **items;
	size_t n;
};

/* What a command's options and operands say, filled by command_parse(). */
struct args {
	bool json;		/* --json, -j: JSON for scripts */
	bool group;		/* --group: the whole IOMMU group */
	bool force;		/* --force: even what the host uses */
	bool udev;		/* --udev: policy apply as udev runs it */
	bool persistent;	/* --persistent: in a libvirt domain's config too */
	bool hold;		/* --hold: handover keeps the group's DMA */
	const char *vm;		/* --vm NAME */
	const char *qmp;	/* --qmp PATH */
	const char *timeout;	/* --timeout SECONDS */
	const char *vfs;	/* --vfs N */
	const char *vf_of;	/* --vf-of PF */
	struct args_list files;	/* --file FILE, each */
	const char *operands[ARGS_OPERANDS_MAX];
	size_t n_operands;
};

enum option_kind {
	OPTION_FLAG,		/* sets a bool */
	OPTION_VALUE,		/* sets a string; the last one given wins */
	OPTION_LIST,		/* adds a string to a struct args_list */
};

struct command_option {
	const char *name;	/* "--vm" */
	char letter;		/* 'j' for -j, or 0 */
	enum option_kind kind;
	size_t target;		/* offsetof() its field in struct args */
	const char *value;	/* what its value is called: "NAME" */
	bool required;		/* the command needs it */
	const char *help;	/* of a required option: what it is */
};

/* The options every command may share; a table ends with { NULL }. */
#define OPTION_JSON	{ "--json", 'j', OPTION_FLAG, \
			  offsetof(struct args, json), NULL, false, NULL }
#define OPTION_GROUP	{ "--group", 0, OPTION_FLAG, \
			  offsetof(struct args, group), NULL, false, NULL }
#define OPTION_FORCE	{ "--force", 0, OPTION_FLAG, \
			  offsetof(struct args, force), NULL, false, NULL }
#define OPTION_TIMEOUT	{ "--timeout", 0, OPTION_VALUE, \
			  offsetof(struct args, timeout), "SECONDS", false, \
			  NULL }
#define OPTION_FILE	{ "--file", 0, OPTION_LIST, \
			  offsetof(struct args, files), "FILE", false, NULL }

struct command {
	const char *name;	/* "vm add" for a subcommand */
	/* Runs the command on what its arguments say; its exit code. */
	int (*function)(const struct command *cmd, const struct args *args);
	const struct command_option *options;
	const char *operands;	/* their synopsis: "ADDRESS", "[ADDRESS]" */
	unsigned int min, max;	/* how many operands */
	const char *help;	/* what it does, in one line */
	/* Or a group: its subcommands, the first word after its name. */
	const struct command *subcommands;	/* ended by { NULL } */
	const char *notes;	/* more for its --help, or NULL */
};

/* The command called name among commands[] (ended by { NULL }), or NULL. */
const struct command *command_find(const struct command *commands,
				   const char *name);

/*
 * The synopsis of cmd into buf: its operands, then its options in the
 * order of its table, "[--json]", "--vm NAME", "[--file FILE]...". Of a
 * group, its subcommands "add|list|remove" and every option they take.
 */
void command_synopsis(const struct command *cmd, char *buf, size_t size);

/*
 * "Usage: ddactl NAME SYNOPSIS" and what it does; of a group, each of its
 * subcommands; then its notes. A mistake prints it without the notes.
 */
void command_usage(FILE *f, const struct command *cmd);

/*
 * Reads argv[1..argc) of cmd, a command that is not a group, into *args,
 * zeroed first. Returns -1 to go on, else the exit code to end with: 0
 * after printing the usage to out (--help), 2 after printing what is wrong
 * and the usage to err. args_free() it either way.
 */
int command_parse(const struct command *cmd, int argc, char *argv[],
		  struct args *args, FILE *out, FILE *err);

void args_free(struct args *args);

/*
 * The value of a count option, "8": decimal digits only, 0 to max, into
 * *out. 0, or -EINVAL leaving *out alone.
 */
int args_uint(const char *text, unsigned int max, unsigned int *out);

/*
 * Runs cmd with argv[0] its name: a group picks its subcommand by argv[1]
 * first. Parses the arguments, says what is wrong as command_parse(), and
 * returns cmd's exit code.
 */
int command_run(const struct command *cmd, int argc, char *argv[]);

#endif /* DDACTL_ARGS_H */
