// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one parser of ddactl's arguments and the one printer of its usage,
 * both driven by the commands' tables; see args.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

/* The last word of a command's name: "add" of "vm add". */
static const char *command_word(const struct command *cmd)
{
	const char *space = strrchr(cmd->name, ' ');

	return space ? space + 1 : cmd->name;
}

const struct command *command_find(const struct command *commands,
				   const char *name)
{
	const struct command *cmd;

	for (cmd = commands; cmd->name; cmd++)
		if (!strcmp(command_word(cmd), name))
			return cmd;
	return NULL;
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

/* Appends to buf what fmt says, as far as it fits. */
static void append(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* " [--file FILE]...", " --vm NAME", " [--json]" */
static void option_synopsis(const struct command_option *opt, bool required,
			    char *buf, size_t size)
{
	append(buf, size, " %s%s%s%s%s%s", required ? "" : "[", opt->name,
	       opt->value ? " " : "", opt->value ? opt->value : "",
	       required ? "" : "]", opt->kind == OPTION_LIST ? "..." : "");
}

/* Has one of the subcommands before sub an option of that name? */
static bool option_seen(const struct command *group,
			const struct command *sub, const char *name)
{
	const struct command_option *opt;
	const struct command *cmd;

	for (cmd = group->subcommands; cmd < sub; cmd++)
		for (opt = cmd->options; opt && opt->name; opt++)
			if (!strcmp(opt->name, name))
				return true;
	return false;
}

void command_synopsis(const struct command *cmd, char *buf, size_t size)
{
	const struct command_option *opt;
	const struct command *sub;

	*buf = '\0';
	if (!*cmd->name) {
		/* ddactl's own options come before its command. */
		for (opt = cmd->options; opt && opt->name; opt++)
			option_synopsis(opt, false, buf, size);
		append(buf, size, " %s", cmd->operands);
		memmove(buf, buf + 1, strlen(buf));
		return;
	}
	if (cmd->subcommands) {
		for (sub = cmd->subcommands; sub->name; sub++)
			append(buf, size, "%s%s", sub == cmd->subcommands ?
			       "" : "|", command_word(sub));
		for (sub = cmd->subcommands; sub->name; sub++)
			for (opt = sub->options; opt && opt->name; opt++)
				if (!option_seen(cmd, sub, opt->name))
					option_synopsis(opt, false, buf, size);
		return;
	}
	if (cmd->operands)
		append(buf, size, "%s", cmd->operands);
	for (opt = cmd->options; opt && opt->name; opt++)
		option_synopsis(opt, opt->required, buf, size);
	/* Without operands, the options began with a blank. */
	if (!cmd->operands && *buf == ' ')
		memmove(buf, buf + 1, strlen(buf));
}

/* A group's synopsis, short: "add|list|remove ..." */
static void synopsis_short(const struct command *cmd, char *buf, size_t size)
{
	char *blank;

	command_synopsis(cmd, buf, size);
	blank = strchr(buf, ' ');
	if (cmd->subcommands && blank && blank + 4 < buf + size)
		strcpy(blank, " ...");
}

/* "--version, -V", "--socket PATH" */
static void option_title(const struct command_option *opt, char *buf,
			 size_t size)
{
	snprintf(buf, size, "%s", opt->name);
	if (opt->letter)
		append(buf, size, ", -%c", opt->letter);
	if (opt->value)
		append(buf, size, " %s", opt->value);
}

/*
 * ddactl's own usage, root's: its options, each with what it does, and its
 * commands, each with its synopsis, short, and what it does; after a
 * mistake, where to find them.
 */
static void root_usage(FILE *f, const struct command *root, bool commands)
{
	static const struct command_option help = {
		"--help", 'h', OPTION_FLAG, 0, NULL, false,
		"show this help, or a command's (ddactl COMMAND --help)"
	};
	const struct command_option *opt;
	const struct command *cmd;
	char synopsis[256];
	int width = 0, len;

	command_synopsis(root, synopsis, sizeof(synopsis));
	fprintf(f, "Usage: ddactl %s\n\nOptions:\n", synopsis);
	for (opt = root->options; opt && opt->name; opt++) {
		option_title(opt, synopsis, sizeof(synopsis));
		len = strlen(synopsis);
		if (len > width)
			width = len;
	}
	for (opt = root->options; opt && opt->name; opt++) {
		option_title(opt, synopsis, sizeof(synopsis));
		fprintf(f, "  %-*s  %s\n", width, synopsis, opt->help);
	}
	option_title(&help, synopsis, sizeof(synopsis));
	fprintf(f, "  %-*s  %s\n", width, synopsis, help.help);
	if (!commands) {
		fprintf(f, "\nCommands: see 'ddactl help'.\n");
		return;
	}

	width = 0;
	for (cmd = root->subcommands; cmd->name; cmd++) {
		synopsis_short(cmd, synopsis, sizeof(synopsis));
		len = strlen(cmd->name) + 1 + strlen(synopsis);
		if (len > width)
			width = len;
	}
	fprintf(f, "\nCommands:\n");
	for (cmd = root->subcommands; cmd->name; cmd++) {
		synopsis_short(cmd, synopsis, sizeof(synopsis));
		fprintf(f, "  %s %-*s  %s\n", cmd->name,
			width - (int)strlen(cmd->name) - 1, synopsis,
			cmd->help);
	}
}

/* The usage of cmd; with notes, what its --help says beyond. */
static void usage_print(FILE *f, const struct command *cmd, bool notes)
{
	const struct command *sub;
	char synopsis[256];

	if (!*cmd->name) {
		root_usage(f, cmd, notes);
	} else if (!cmd->subcommands) {
		command_synopsis(cmd, synopsis, sizeof(synopsis));
		fprintf(f, "Usage: ddactl %s %s\n%s\n", cmd->name, synopsis,
			cmd->help);
	} else {
		command_synopsis(cmd, synopsis, sizeof(synopsis));
		fprintf(f, "Usage: ddactl %s %s\n", cmd->name, synopsis);
		for (sub = cmd->subcommands; sub->name; sub++) {
			command_synopsis(sub, synopsis, sizeof(synopsis));
			fprintf(f, "  ddactl %s %s\n      %s\n", sub->name,
				synopsis, sub->help);
		}
	}
	if (notes && cmd->notes)
		fprintf(f, "\n%s", cmd->notes);
}

void command_usage(FILE *f, const struct command *cmd)
{
	usage_print(f, cmd, true);
}

/* Says what is wrong, then cmd's usage, on err; DDACTL_USAGE. */
static int usage_error(FILE *err, const struct command *cmd,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_error(FILE *err, const struct command *cmd,
		       const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "ddactl: ");
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fprintf(err, "\n");
	usage_print(err, cmd, false);
	return DDACTL_USAGE;
}

/* The option of cmd that arg names, with *value after its "=" if any. */
static const struct command_option *option_find(const struct command *cmd,
						const char *arg,
						const char **value)
{
	const struct command_option *opt;
	size_t n;

	*value = NULL;
	for (opt = cmd->options; opt && opt->name; opt++) {
		if (opt->letter && arg[1] == opt->letter && !arg[2])
			return opt;
		n = strlen(opt->name);
		if (strncmp(arg, opt->name, n))
			continue;
		if (arg[n] == '=') {
			*value = arg + n + 1;
			return opt;
		}
		if (!arg[n])
			return opt;
	}
	return NULL;
}

/* The seconds of text, decimal, a fraction allowed: more than 0, at most max. */
static int args_seconds(const char *text, unsigned int max, double *out)
{
	size_t digits = strspn(text, "0123456789");
	char *end;
	double t;

	/* strtod() would take blanks, signs, hex, exponents, "inf". */
	if (text[digits] == '.')
		digits += 1 + strspn(text + digits + 1, "0123456789");
	if (!digits || text[digits] || !strcmp(text, "."))
		return -EINVAL;
	t = strtod(text, &end);
	if (*end || !(t > 0 && t <= max))
		return -EINVAL;
	*out = t;
	return 0;
}

/*
 * Sets opt's target to value: -ENOMEM for a list out of memory, -EINVAL
 * for a number that is not one of its kind and range.
 */
static int option_set(struct args *args, const struct command_option *opt,
		      const char *value, int argc)
{
	void *target = (char *)args + opt->target;
	struct args_list *list = target;
	struct args_uint *number = target;

	switch (opt->kind) {
	case OPTION_FLAG:
		*(bool *)target = true;
		return 0;
	case OPTION_VALUE:
		*(const char **)target = value;
		return 0;
	case OPTION_LIST:
		/* No more values than arguments. */
		if (!list->items) {
			list->items = calloc(argc, sizeof(*list->items));
			if (!list->items)
				return -ENOMEM;
		}
		list->items[list->n++] = value;
		return 0;
	case OPTION_UINT16:
		if (args_uint(value, ARGS_UINT16_MAX, &number->value))
			return -EINVAL;
		number->given = true;
		return 0;
	case OPTION_SECONDS:
		return args_seconds(value, ARGS_SECONDS_MAX, target);
	}
	return 0;
}

/* Says that value is not a number of opt's kind and range; DDACTL_USAGE. */
static int number_error(FILE *err, const struct command *cmd,
			const struct command_option *opt, const char *value)
{
	char range[64];

	if (opt->kind == OPTION_SECONDS)
		snprintf(range, sizeof(range), "more than 0 and at most %d",
			 ARGS_SECONDS_MAX);
	else
		snprintf(range, sizeof(range), "0 to %d", ARGS_UINT16_MAX);
	return usage_error(err, cmd, "%s '%s' is not a number%s%s, %s",
			   opt->name, value, opt->help ? " of " : "",
			   opt->help ? opt->help : "", range);
}

/*
 * command_parse(); of a group (ddactl itself), only the options before its
 * subcommand's word, which is its one operand.
 */
int command_parse(const struct command *cmd, int argc, char *argv[],
		  struct args *args, FILE *out, FILE *err)
{
	const struct command_option *opt;
	const char *arg, *value;
	bool options = true;
	int i, ret;

	memset(args, 0, sizeof(*args));
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (!options || arg[0] != '-' || !arg[1]) {
			if (cmd->subcommands) {
				args->operands[args->n_operands++] = arg;
				args->subcommand = i;
				break;
			}
			if (args->n_operands == cmd->max)
				return usage_error(err, cmd,
					"unexpected parameter '%s'", arg);
			args->operands[args->n_operands++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			options = false;
			continue;
		}
		if (is_help(arg)) {
			command_usage(out, cmd);
			return DDACTL_OK;
		}
		opt = option_find(cmd, arg, &value);
		if (!opt)
			return usage_error(err, cmd,
					   "unexpected parameter '%s'", arg);
		if (opt->kind == OPTION_FLAG && value)
			return usage_error(err, cmd,
					   "option '%s' takes no value",
					   opt->name);
		if (opt->kind != OPTION_FLAG && !value) {
			if (i + 1 == argc)
				return usage_error(err, cmd,
					"option '%s' needs a value", arg);
			value = argv[++i];
		}
		if (opt->kind != OPTION_FLAG && !*value)
			return usage_error(err, cmd,
					   "option '%s' needs a value",
					   opt->name);
		ret = option_set(args, opt, value, argc);
		if (ret == -EINVAL)
			return number_error(err, cmd, opt, value);
		if (ret) {
			fprintf(err, "ddactl: %s: %s\n", cmd->name,
				strerror(ENOMEM));
			return DDACTL_FAILED;
		}
	}
	if (args->n_operands < cmd->min)
		return usage_error(err, cmd, "%s: missing arguments",
				   cmd->name);
	for (opt = cmd->options; opt && opt->name; opt++) {
		if (opt->required &&
		    !*(const char **)((char *)args + opt->target))
			return usage_error(err, cmd, "%s: %s %s is missing: %s",
					   cmd->name, opt->name, opt->value,
					   opt->help);
	}
	return -1;
}

void args_free(struct args *args)
{
	free(args->files.items);
	args->files = (struct args_list){ NULL, 0 };
}

/* Runs the subcommand of the group cmd that argv[1] names. */
static int group_run(const struct command *cmd, int argc, char *argv[])
{
	const struct command *sub;

	if (argc < 2)
		return usage_error(stderr, cmd, "%s%smissing arguments",
				   cmd->name, *cmd->name ? ": " : "");
	if (is_help(argv[1])) {
		command_usage(stdout, cmd);
		return DDACTL_OK;
	}
	sub = command_find(cmd->subcommands, argv[1]);
	if (sub)
		return command_run(sub, argc - 1, argv + 1);
	if (!*cmd->name) {
		fprintf(stderr, "ddactl: '%s' is not a command; see 'ddactl help'\n",
			argv[1]);
		return DDACTL_USAGE;
	}
	return usage_error(stderr, cmd, "'%s' is not a command of %s",
			   argv[1], cmd->name);
}

int command_run(const struct command *cmd, int argc, char *argv[])
{
	struct args args;
	int ret, skip;

	if (cmd->subcommands && !cmd->options)
		return group_run(cmd, argc, argv);
	ret = command_parse(cmd, argc, argv, &args, stdout, stderr);
	if (ret < 0 && cmd->function)
		ret = cmd->function(cmd, &args);
	skip = args.subcommand ? args.subcommand - 1 : argc - 1;
	args_free(&args);
	if (ret >= 0 || !cmd->subcommands)
		return ret;
	/* A group's options said to go on: to its subcommand. */
	return group_run(cmd, argc - skip, argv + skip);
}
int args_uint(const char *text, unsigned int max, unsigned int *out)
{
	unsigned long n;
	char *end;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || *end || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}
