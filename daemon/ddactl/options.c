// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arguments of the commands that talk to ddad: flags, options with a
 * value ("--vm NAME" or "--vm=NAME") and operands, in any order.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "ddactl.h"

static void usage_of(FILE *f, const struct command *cmd)
{
	fprintf(f, "Usage: ddactl %s %s\n%s\n", cmd->name, cmd->args,
		cmd->help);
}

static int usage_error(const struct command *cmd, const char *what,
		       const char *arg) __attribute__((format(printf, 2, 0)));

static int usage_error(const struct command *cmd, const char *what,
		       const char *arg)
{
	warnx(what, arg);
	usage_of(stderr, cmd);
	return DDACTL_USAGE;
}

int command_options(const struct command *cmd, int argc, char *argv[],
		    bool *json, const struct option_value *values,
		    const char **operands, int min, int max)
{
	const struct option_value *v;
	bool options = true;
	int i, count = 0;
	size_t n;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!options || arg[0] != '-' || !arg[1]) {
			if (count == max)
				return usage_error(cmd, "unexpected parameter '%s'",
						   arg);
			operands[count++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			options = false;
			continue;
		}
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage_of(stdout, cmd);
			return DDACTL_OK;
		}
		if (json && (!strcmp(arg, "--json") || !strcmp(arg, "-j"))) {
			*json = true;
			continue;
		}
		for (v = values; v && v->name; v++) {
			n = strlen(v->name);
			if (strncmp(arg, v->name, n))
				continue;
			if (arg[n] == '=') {
				*v->value = arg + n + 1;
				break;
			}
			if (!arg[n]) {
				if (i + 1 == argc)
					return usage_error(cmd,
						"option '%s' needs a value", arg);
				*v->value = argv[++i];
				break;
			}
		}
		if (!v || !v->name)
			return usage_error(cmd, "unexpected parameter '%s'",
					   arg);
	}
	for (v = values; v && v->name; v++) {
		if (*v->value && !**v->value)
			return usage_error(cmd, "option '%s' needs a value",
					   v->name);
	}
	if (count < min) {
		warnx("%s: missing arguments", cmd->name);
		usage_of(stderr, cmd);
		return DDACTL_USAGE;
	}
	return -1;
}
