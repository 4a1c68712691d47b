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

static int ran, passed;
static const char *socket_seen;

static int run(const struct command *cmd, const struct args *args)
{
	(void)cmd;
	(void)args;
	return ++ran;
}

/* ddactl's own options: what they say, then on to the command. */
static int pass(const struct command *cmd, const struct args *args)
{
	(void)cmd;
	passed++;
	socket_seen = args->socket;
	return -1;
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

/* A number of each kind. */
static const struct command sriov = {
	.name = "sriov", .function = run,
	.options = (const struct command_option[]){
		{ "--vfs", 0, OPTION_UINT16, offsetof(struct args, vfs), "N",
		  false, "virtual functions" },
		OPTION_TIMEOUT, { NULL } },
	.operands = "PF", .min = 1, .max = 1,
	.help = "make VFs",
};

static const struct command commands[] = {
	{ .name = "assign", .function = run, .help = "give a device" },
	{ .name = "policy", .subcommands = sub, .help = "the policy" },
	{ NULL }
};

/* ddactl itself: its own options, before its command. */
static const struct command root = {
	.name = "", .function = pass,
	.options = (const struct command_option[]){
		{ "--socket", 0, OPTION_VALUE, offsetof(struct args, socket),
		  "PATH", false, "ddad's socket" },
		{ "--version", 'V', OPTION_FLAG,
		  offsetof(struct args, version), NULL, false,
		  "print the version" },
		{ NULL } },
	.subcommands = commands, .operands = "COMMAND [ARGS...]",
	.notes = "Notes.\n",
};

/* What args says, in one line. */
static void args_text(const struct args *a, char *buf, size_t size)
{
	size_t i, len;

	char timeout[32] = "-";

	if (a->timeout)
		snprintf(timeout, sizeof(timeout), "%g", a->timeout);
	len = snprintf(buf, size, "json=%d group=%d vm=%s timeout=%s files=",
		       a->json, a->group, a->vm ? a->vm : "-", timeout);
	for (i = 0; i < a->files.n; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? "," : "",
				a->files.items[i]);
	len += snprintf(buf + len, size - len, " operands=");
	for (i = 0; i < a->n_operands; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? "," : "",
				a->operands[i]);
	/* What few commands take, only when given. */
	if (a->vfs.given)
		len += snprintf(buf + len, size - len, " vfs=%u", a->vfs.value);
	if (a->socket)
		len += snprintf(buf + len, size - len, " socket=%s", a->socket);
	if (a->version)
		len += snprintf(buf + len, size - len, " version=1");
	if (a->subcommand)
		snprintf(buf + len, size - len, " at=%d", a->subcommand);
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
	/* Numbers: the parser checks their kind and its range. */
	{ &sriov, "pf --vfs 0", -1,
	  "json=0 group=0 vm=- timeout=- files= operands=pf vfs=0", "" },
	{ &sriov, "pf --vfs=65535 --timeout=.5", -1,
	  "json=0 group=0 vm=- timeout=0.5 files= operands=pf vfs=65535", "" },
	{ &sriov, "pf --vfs 007 --timeout 3600", -1,
	  "json=0 group=0 vm=- timeout=3600 files= operands=pf vfs=7", "" },
	{ &sriov, "pf", -1,
	  "json=0 group=0 vm=- timeout=- files= operands=pf", "" },
	{ &sriov, "pf --vfs two", 2, NULL,
	  "ddactl: --vfs 'two' is not a number of virtual functions, 0 to 65535" },
	{ &sriov, "pf --vfs=65536", 2, NULL,
	  "ddactl: --vfs '65536' is not a number of virtual functions, 0 to 65535" },
	{ &sriov, "pf --vfs -1", 2, NULL,
	  "ddactl: --vfs '-1' is not a number of virtual functions, 0 to 65535" },
	{ &sriov, "pf --vfs 0x2", 2, NULL,
	  "ddactl: --vfs '0x2' is not a number of virtual functions, 0 to 65535" },
	{ &sriov, "pf --vfs=", 2, NULL, "ddactl: option '--vfs' needs a value" },
	{ &sriov, "pf --vfs", 2, NULL, "ddactl: option '--vfs' needs a value" },
	{ &sriov, "pf --timeout 0", 2, NULL,
	  "ddactl: --timeout '0' is not a number of seconds, more than 0 and at most 3600" },
	{ &sriov, "pf --timeout 3600.5", 2, NULL,
	  "ddactl: --timeout '3600.5' is not a number of seconds, more than 0 and at most 3600" },
	{ &sriov, "pf --timeout=1e3", 2, NULL,
	  "ddactl: --timeout '1e3' is not a number of seconds, more than 0 and at most 3600" },
	{ &sriov, "pf --timeout .", 2, NULL,
	  "ddactl: --timeout '.' is not a number of seconds, more than 0 and at most 3600" },
	{ &sriov, "pf --timeout inf", 2, NULL,
	  "ddactl: --timeout 'inf' is not a number of seconds, more than 0 and at most 3600" },
	{ &sriov, "pf --timeout -2", 2, NULL,
	  "ddactl: --timeout '-2' is not a number of seconds, more than 0 and at most 3600" },
	{ &sriov, "pf --timeout 1.2.3", 2, NULL,
	  "ddactl: --timeout '1.2.3' is not a number of seconds, more than 0 and at most 3600" },
	/* ddactl's own options: those before its command's name. */
	{ &root, "--socket /s assign -j x", -1,
	  "json=0 group=0 vm=- timeout=- files= operands=assign socket=/s at=3", "" },
	{ &root, "--socket=/s --socket /t policy check", -1,
	  "json=0 group=0 vm=- timeout=- files= operands=policy socket=/t at=4", "" },
	{ &root, "-V", -1,
	  "json=0 group=0 vm=- timeout=- files= operands= version=1", "" },
	{ &root, "-- --socket", -1,
	  "json=0 group=0 vm=- timeout=- files= operands=--socket at=2", "" },
	{ &root, "--help assign", 0, NULL, "" },
	{ &root, "--socket", 2, NULL, "ddactl: option '--socket' needs a value" },
	{ &root, "--socket= status", 2, NULL,
	  "ddactl: option '--socket' needs a value" },
	{ &root, "--version=1", 2, NULL,
	  "ddactl: option '--version' takes no value" },
	{ &root, "--sock /s list", 2, NULL,
	  "ddactl: unexpected parameter '--sock'" },
	{ &root, "-j list", 2, NULL, "ddactl: unexpected parameter '-j'" },
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
	{ &sriov, "PF [--vfs N] [--timeout SECONDS]" },
	{ &root, "[--socket PATH] [--version] COMMAND [ARGS...]" },
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
	{ &root,
	  "Usage: ddactl [--socket PATH] [--version] COMMAND [ARGS...]\n"
	  "\n"
	  "Options:\n"
	  "  --socket PATH  ddad's socket\n"
	  "  --version, -V  print the version\n"
	  "  --help, -h     show this help, or a command's (ddactl COMMAND --help)\n"
	  "\n"
	  "Commands:\n"
	  "  assign                  give a device\n"
	  "  policy check|apply ...  the policy\n"
	  "\n"
	  "Notes.\n",
	  "ddactl's usage: its options, its commands, its notes" },
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
	char *line[] = { "ddactl", "--socket=/s", "policy", "apply", "--group",
			 NULL };

	ran = 0;
	is_int(command_run(&policy, 3, argv), 1,
	       "a group runs the subcommand its second word names");
	is_int(ran, 1, "once");

	ran = 0;
	is_int(command_run(&root, 5, line), 1,
	       "ddactl runs the command after its own options");
	is_int(passed, 1, "after its function read them");
	is_str(socket_seen, "/s", "--socket's value");
	is_int(ran, 1, "the command once");
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
