/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ddactl's commands and their arguments, declared: each command is a row of
 * a table with the options it takes (ethtool's way), and one parser reads
 * every command's argv from it, and one printer writes every usage.
 *
 *	--opt VALUE and --opt=VALUE	an option with a value
 *	--opt VALUE --opt VALUE		a list option, each value kept
 *	--vfs 2, --timeout 2.5		a number, checked here: its kind, its range
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

/* The value of an OPTION_UINT; given is false when the option was not. */
struct args_uint {
	bool given;
	unsigned int value;
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
	double timeout;		/* --timeout SECONDS, or 0: none given */
	struct args_uint vfs;	/* --vfs N */
	const char *vf_of;	/* --vf-of PF */
	struct args_list files;	/* --file FILE, each */
	/* ddactl's own options, before the command's name */
	const char *socket;	/* --socket PATH */
	bool version;		/* --version, -V */
	const char *operands[ARGS_OPERANDS_MAX];
	size_t n_operands;
	int subcommand;		/* of a group: argv's index of its operand */
};

enum option_kind {
	OPTION_FLAG,		/* sets a bool */
	OPTION_VALUE,		/* sets a string; the last one given wins */
	OPTION_LIST,		/* adds a string to a struct args_list */
	/* Numbers: their kind is their range. */
	OPTION_UINT16,		/* sets a struct args_uint: decimal digits,
				 * 0 to ARGS_UINT16_MAX */
	OPTION_SECONDS,		/* sets a double: decimal digits, maybe a
				 * fraction, more than 0, at most
				 * ARGS_SECONDS_MAX */
};

#define ARGS_UINT16_MAX		65535
#define ARGS_SECONDS_MAX	3600	/* an hour */

struct command_option {
	const char *name;	/* "--vm" */
	char letter;		/* 'j' for -j, or 0 */
	enum option_kind kind;
	size_t target;		/* offsetof() its field in struct args */
	const char *value;	/* what its value is called: "NAME" */
	bool required;		/* the command needs it */
	/*
	 * What it is: said when a required one is missing ("the guest"), of
	 * a number what it counts ("seconds"), in ddactl's usage what its
	 * option does.
	 */
	const char *help;
};

/* The options every command may share; a table ends with { NULL }. */
#define OPTION_JSON	{ "--json", 'j', OPTION_FLAG, \
			  offsetof(struct args, json), NULL, false, NULL }
#define OPTION_GROUP	{ "--group", 0, OPTION_FLAG, \
			  offsetof(struct args, group), NULL, false, NULL }
#define OPTION_FORCE	{ "--force", 0, OPTION_FLAG, \
			  offsetof(struct args, force), NULL, false, NULL }
#define OPTION_TIMEOUT	{ "--timeout", 0, OPTION_SECONDS, \
			  offsetof(struct args, timeout), "SECONDS", false, \
			  "seconds" }
#define OPTION_FILE	{ "--file", 0, OPTION_LIST, \
			  offsetof(struct args, files), "FILE", false, NULL }

struct command {
	/* "vm add" for a subcommand; "" for ddactl itself, the root */
	const char *name;
	/*
	 * Runs the command on what its arguments say; its exit code. Of a
	 * group with options, what they say, before its subcommand: -1 to go
	 * on to it.
	 */
	int (*function)(const struct command *cmd, const struct args *args);
	const struct command_option *options;
	const char *operands;	/* their synopsis: "ADDRESS", "[ADDRESS]" */
	unsigned int min, max;	/* how many operands */
	const char *help;	/* what it does, in one line */
	/*
	 * Or a group: its subcommands, the first word after its name and
	 * the group's own options, if any (ddactl --socket PATH status).
	 */
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
 * subcommands; of the root, each of its options and commands; then its
 * notes. A mistake prints it without the notes.
 */
void command_usage(FILE *f, const struct command *cmd);

/*
 * Reads argv[1..argc) of cmd into *args, zeroed first; of a group, only
 * its options before its subcommand's word, its one operand, at argv's
 * index args->subcommand. Returns -1 to go on, else the exit code to end
 * with: 0 after printing the usage to out (--help), 2 after printing what
 * is wrong and the usage to err, a number of the wrong kind or range too.
 * args_free() it either way.
 */
int command_parse(const struct command *cmd, int argc, char *argv[],
		  struct args *args, FILE *out, FILE *err);

void args_free(struct args *args);

/*
 * The value of a number, "8": decimal digits only, 0 to max, into *out.
 * 0, or -EINVAL leaving *out alone.
 */
int args_uint(const char *text, unsigned int max, unsigned int *out);

/*
 * Runs cmd with argv[0] its name: a group reads its options, if it has
 * any, then picks its subcommand by the next word. Parses the arguments,
 * says what is wrong as command_parse(), and returns cmd's exit code.
 */
int command_run(const struct command *cmd, int argc, char *argv[]);

#endif /* DDACTL_ARGS_H */
