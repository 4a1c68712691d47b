// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl's one argument parser and usage printer (daemon/ddactl/args.c),
 * on a table of command lines: what each sets, or what it says is wrong
 * and the exit code; and the synopsis each command table gives.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "unit.h"
#include "util.h"

#define OPTION_VM	{ "--vm", 0, OPTION_VALUE, offsetof(struct args, vm), \
			  "NAME", true, "the guest" }

static int ran;

static int run(const struct command *cmd, const struct args *args)
{
	(void)cmd;
	(void)args;
	return ++ran;
}

static const struct command assign = {
	.name = "assign", .function = run,
	.options = (const struct command_option[]){
		OPTION_VM, OPTION_TIMEOUT, OPTION_JSON, { NULL } },
	.operands = "ADDRESS", .min = 1, .max = 1,
	.help = "give a device to a guest",
};

static const struct command sub[] = {
	{ .name = "policy check", .function = run,
	  .options = (const struct command_option[]){
		OPTION_FILE, OPTION_JSON, { NULL } },
	  .help = "check it" },
	{ .name = "policy apply", .function = run,
	  .options = (const struct command_option[]){
		OPTION_FILE, OPTION_GROUP, { NULL } },
	  .operands = "[A [B]]", .min = 0, .max = 2,
	  .help = "apply it" },
	{ NULL }
};

static const struct command policy = {
	.name = "policy", .subcommands = sub, .help = "the policy",
	.notes = "Notes.\n",
};

/* What args says, in one line. */
static void args_text(const struct args *a, char *buf, size_t size)
{
	size_t i, len;

	len = snprintf(buf, size, "json=%d group=%d vm=%s timeout=%s files=",
		       a->json, a->group, a->vm ? a->vm : "-",
		       a->timeout ? a->timeout : "-");
	for (i = 0; i < a->files.n; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? "," : "",
				a->files.items[i]);
	len += snprintf(buf + len, size - len, " operands=");
	for (i = 0; i < a->n_operands; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? "," : "",
				a->operands[i]);
}

static const struct parse_case {
	const struct command *cmd;
	const char *line;	/* the arguments after the command's name */
	int ret;
	const char *args;	/* args_text() when ret is -1 */
	const char *err;	/* the first line on stderr, or "" */
} cases[] = {
	{ &assign, "0000:00:01.0 --vm g1", -1,
	  "json=0 group=0 vm=g1 timeout=- files= operands=0000:00:01.0", "" },
	{ &assign, "--vm=g1 -j 01.0 --timeout 2.5", -1,
	  "json=1 group=0 vm=g1 timeout=2.5 files= operands=01.0", "" },
	{ &assign, "--json --vm g1 --vm g2 x", -1,
	  "json=1 group=0 vm=g2 timeout=- files= operands=x", "" },
	{ &assign, "--vm g1 -- -x", -1,
	  "json=0 group=0 vm=g1 timeout=- files= operands=-x", "" },
	{ &assign, "--vm g1 -", -1,
	  "json=0 group=0 vm=g1 timeout=- files= operands=-", "" },
	{ &assign, "x --help", 0, NULL, "" },
	{ &assign, "-h", 0, NULL, "" },
	{ &assign, "", 2, NULL, "ddactl: assign: missing arguments" },
	{ &assign, "x", 2, NULL,
	  "ddactl: assign: --vm NAME is missing: the guest" },
	{ &assign, "x y --vm g", 2, NULL, "ddactl: unexpected parameter 'y'" },
	{ &assign, "x --vm", 2, NULL, "ddactl: option '--vm' needs a value" },
	{ &assign, "x --vm=", 2, NULL, "ddactl: option '--vm' needs a value" },
	{ &assign, "x --vm g --json=yes", 2, NULL,
	  "ddactl: option '--json' takes no value" },
	{ &assign, "x --vm g --group", 2, NULL,
	  "ddactl: unexpected parameter '--group'" },
	{ &assign, "x --vmx g", 2, NULL,
	  "ddactl: unexpected parameter '--vmx'" },
	{ &assign, "x --vm g -J", 2, NULL,
	  "ddactl: unexpected parameter '-J'" },
	{ &sub[0], "--file a --file=b -j", -1,
	  "json=1 group=0 vm=- timeout=- files=a,b operands=", "" },
	{ &sub[0], "a", 2, NULL, "ddactl: unexpected parameter 'a'" },
	{ &sub[0], "--udev", 2, NULL, "ddactl: unexpected parameter '--udev'" },
	{ &sub[1], "--group b a", -1,
	  "json=0 group=1 vm=- timeout=- files= operands=b,a", "" },
	{ &sub[1], "a b c", 2, NULL, "ddactl: unexpected parameter 'c'" },
};

static void test_parse(void)
{
	char text[256], *out, *err, *argv[16], *words, *w;
	size_t out_len, err_len, i;
	const struct parse_case *c;
	FILE *out_f, *err_f;
	struct args args;
	int argc, ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		c = &cases[i];
		words = strdup(c->line);
		argv[0] = (char *)c->cmd->name;
		argc = 1;
		for (w = strtok(words, " "); w; w = strtok(NULL, " "))
			argv[argc++] = w;
		argv[argc] = NULL;
		out_f = open_memstream(&out, &out_len);
		err_f = open_memstream(&err, &err_len);
		ret = command_parse(c->cmd, argc, argv, &args, out_f, err_f);
		fclose(out_f);
		fclose(err_f);

		is_int(ret, c->ret, "%s %s: returns %d", c->cmd->name,
		       c->line, c->ret);
		if (c->args) {
			args_text(&args, text, sizeof(text));
			is_str(text, c->args, "%s %s: sets what it says",
			       c->cmd->name, c->line);
		}
		*strchrnul(err, '\n') = '\0';
		is_str(err, c->err, "%s %s: says %s", c->cmd->name, c->line,
		       *c->err ? c->err : "nothing");
		/* A mistake shows the usage below it; --help shows it alone. */
		if (c->ret >= 0)
			ok(!strncmp(c->ret ? err + strlen(err) + 1 : out,
				    "Usage: ddactl ", 14),
			   "%s %s: then the usage", c->cmd->name, c->line);
		args_free(&args);
		free(out);
		free(err);
		free(words);
	}
}

static const struct synopsis_case {
	const struct command *cmd;
	const char *synopsis;
} synopses[] = {
	{ &assign, "ADDRESS --vm NAME [--timeout SECONDS] [--json]" },
	{ &sub[0], "[--file FILE]... [--json]" },
	{ &sub[1], "[A [B]] [--file FILE]... [--group]" },
	{ &policy, "check|apply [--file FILE]... [--json] [--group]" },
};

static void test_synopsis(void)
{
	char text[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(synopses); i++) {
		command_synopsis(synopses[i].cmd, text, sizeof(text));
		is_str(text, synopses[i].synopsis, "the synopsis of %s",
		       synopses[i].cmd->name);
	}
}

static const struct usage_case {
	const struct command *cmd;
	const char *usage;
	const char *what;
} usages[] = {
	{ &policy,
	  "Usage: ddactl policy check|apply [--file FILE]... [--json] [--group]\n"
	  "  ddactl policy check [--file FILE]... [--json]\n"
	  "      check it\n"
	  "  ddactl policy apply [A [B]] [--file FILE]... [--group]\n"
	  "      apply it\n"
	  "\n"
	  "Notes.\n",
	  "a group's usage: each subcommand, then the notes" },
	{ &assign,
	  "Usage: ddactl assign ADDRESS --vm NAME [--timeout SECONDS] [--json]\n"
	  "give a device to a guest\n",
	  "a command's usage: its synopsis and what it does" },
};

static void test_usage(void)
{
	size_t len, i;
	char *text;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(usages); i++) {
		f = open_memstream(&text, &len);
		command_usage(f, usages[i].cmd);
		fclose(f);
		is_str(text, usages[i].usage, "%s", usages[i].what);
		free(text);
	}

	ok(command_find(sub, "apply") == &sub[1], "finds a subcommand by its word");
	ok(!command_find(sub, "policy apply"), "not by its whole name");
}

static void test_run(void)
{
	char *argv[] = { "policy", "apply", "--group", NULL };

	ran = 0;
	is_int(command_run(&policy, 3, argv), 1,
	       "a group runs the subcommand its second word names");
	is_int(ran, 1, "once");
}

/* The N of `ddactl sriov PF --vfs N`, at most 65535. */
static const struct uint_case {
	const char *text;
	int err;		/* 0: taken, as want; -EINVAL: refused */
	unsigned int want;
} uints[] = {
	{ "0", 0, 0 },
	{ "2", 0, 2 },
	{ "007", 0, 7 },
	{ "65535", 0, 65535 },
	{ "65536", -EINVAL, 0 },
	{ "", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ "+1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
	{ "1 ", -EINVAL, 0 },
	{ "0x2", -EINVAL, 0 },
	{ "2.0", -EINVAL, 0 },
	{ "two", -EINVAL, 0 },
	{ "184467440737095516150", -EINVAL, 0 },	/* beyond unsigned long */
};

static void test_uint(void)
{
	unsigned int n;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(uints); i++) {
		n = 12345;
		is_int(args_uint(uints[i].text, 65535, &n), uints[i].err,
		       "count '%s' is %s", uints[i].text,
		       uints[i].err ? "refused" : "taken");
		is_int(n, uints[i].err ? 12345 : uints[i].want,
		       uints[i].err ? "count '%s': nothing written" :
				      "count '%s' is its value", uints[i].text);
	}
}

int main(void)
{
	test_parse();
	test_uint();
	test_synopsis();
	test_usage();
	test_run();
	return unit_done();
}
