// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl policy check|apply|modprobe: the policy of quarantine at boot
 * (dda.conf(5)).
 *
 *   check     validates the policy and lists the devices it selects now
 *   apply     sets driver_override "dda" on the selected devices that have
 *             no driver yet; what udev/60-dda.rules runs, with --udev
 *   modprobe  prints modprobe.d lines doing the same when dda.ko loads:
 *             "options dda ids=... addresses=..." and a "softdep DRIVER
 *             pre: dda" for each host driver of a selected device
 *
 * The devices come from dda.ko when it is loaded, else from sysfs; what to
 * do with them is policy.c's.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddactl.h"
#include "device_print.h"
#include "policy.h"
#include "print.h"
#include "sysfs_pci.h"

/*
 * A line for the kernel log, as "<level>ddactl: ...": at boot, udev keeps
 * what its programs print for its debug log only. Else to stderr.
 */
static void kmsg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void kmsg(int level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int fd, n;

	n = snprintf(line, sizeof(line), "<%d>ddactl: ", level);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	/* Without its newline, readers see a record only once another comes. */
	strcat(line, "\n");
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, strlen(line)) < 0)
		fprintf(stderr, "%s", line + n);
	if (fd >= 0)
		close(fd);
}

/* Reads the policy; DDACTL_USAGE after saying why not, else -1. */
static int policy_load(const struct args *a, struct policy *policy)
{
	char error[POLICY_ERROR_SIZE];
	size_t i;
	int err = 0;

	memset(policy, 0, sizeof(*policy));
	if (!a->files.n)
		err = policy_read(policy, error);
	for (i = 0; !err && i < a->files.n; i++)
		err = policy_read_file(policy, a->files.items[i], error);
	if (!err)
		return -1;
	if (a->udev)
		kmsg(3, "policy refused, nothing applied: %s", error);
	else
		warnx("%s", error);
	policy_free(policy);
	return err == -ENOMEM ? DDACTL_FAILED : DDACTL_USAGE;
}

/*
 * Every PCI device: from dda.ko when it is loaded, with their states; else
 * from sysfs, where nothing is quarantined. -1 to go on, else the exit code.
 */
static int devices_get(struct dda_device **out, size_t *count)
{
	struct sysfs_pci_device *sdevs;
	struct dda *dda;
	size_t i;
	int err;

	err = dda_open(&dda);
	if (!err) {
		err = dda_device_list(dda, out, count);
		if (err)
			command_failed(dda, err, "cannot list the devices");
		dda_close(dda);
		return err ? DDACTL_FAILED : -1;
	}
	if (err != -ENOENT)
		return command_failed(NULL, err, "cannot connect to dda.ko");

	err = sysfs_pci_list(SYSFS_ROOT, &sdevs, count);
	if (err)
		return command_failed(NULL, err, "cannot list the PCI devices");
	*out = NULL;
	if (*count) {
		*out = calloc(*count, sizeof(**out));
		if (!*out) {
			free(sdevs);
			return command_failed(NULL, -ENOMEM, "policy");
		}
	}
	for (i = 0; i < *count; i++)
		(*out)[i] = sdevs[i].dev;
	free(sdevs);
	return -1;
}

/* The selector s: its text as fmt; where it is written, in JSON only. */
static void selector_print(const struct policy_selector *s, const char *fmt)
{
	char text[POLICY_SELECTOR_SIZE];

	policy_selector_text(s, text);
	print_string(PRINT_ANY, "selector", fmt, text);
	print_string(PRINT_JSON, "file", NULL, s->file);
	print_int(PRINT_JSON, "line", NULL, s->line);
}

/* Where s is written, "FILE:LINE", as a text cell. */
static void source_print(const struct policy_selector *s)
{
	char source[PATH_MAX + 16];

	snprintf(source, sizeof(source), "%s:%u", s->file, s->line);
	print_string(PRINT_TEXT, NULL, "%s", source);
}

/*
 * The policy's files and selectors, then the devices it selects now, with
 * the selector of each: in text, a table of them.
 */
static int check_print(const struct policy *policy,
		       const struct dda_device *devs, size_t count, bool json)
{
	const struct policy_selector *s;
	struct device_view view;
	size_t i;

	print_start(stdout, json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	print_open_object(NULL);
	print_text("policy: %zu selector%s in %zu file%s\n",
		   policy->n_selectors, policy->n_selectors == 1 ? "" : "s",
		   policy->n_files, policy->n_files == 1 ? "" : "s");
	print_open_array("files");
	for (i = 0; i < policy->n_files; i++)
		print_string(PRINT_ANY, NULL, "  %s\n", policy->files[i]);
	print_close_array();

	print_open_array("selectors");
	for (i = 0; i < policy->n_selectors; i++) {
		print_open_object(NULL);
		selector_print(&policy->selectors[i], NULL);
		print_close_object();
	}
	print_close_array();

	print_open_table("selected");
	device_print_headers(DEVICE_BRIEF);
	print_header("SELECTOR");
	print_header("SOURCE");
	for (i = 0; i < count; i++) {
		s = policy_match(policy, &devs[i]);
		if (!s)
			continue;
		view = (struct device_view){ .dev = &devs[i] };
		print_open_row();
		device_print_fields(&view, DEVICE_BRIEF);
		selector_print(s, "%s");
		source_print(s);
		print_close_row();
	}
	print_close_table("no device present is selected");
	print_close_object();
	return print_end();
}

/* What check and modprobe do with the policy and every PCI device. */
typedef int (*devices_fn)(const struct args *a, const struct policy *policy,
			  const struct dda_device *devs, size_t count);

/* Reads the policy and the devices, then hands them to use. */
static int with_devices(const struct args *a, devices_fn use)
{
	struct dda_device *devs = NULL;
	struct policy policy;
	size_t count = 0;
	int ret;

	ret = policy_load(a, &policy);
	if (ret >= 0)
		return ret;
	ret = devices_get(&devs, &count);
	if (ret < 0)
		ret = use(a, &policy, devs, count);
	free(devs);
	policy_free(&policy);
	return ret;
}

static int check(const struct args *a, const struct policy *policy,
		 const struct dda_device *devs, size_t count)
{
	int err;

	err = check_print(policy, devs, count, a->json);
	return err ? command_failed(NULL, err, "policy check") : DDACTL_OK;
}

static int check_main(const struct command *cmd, const struct args *a)
{
	(void)cmd;
	return with_devices(a, check);
}

/*
 * udev's apply: what it did to the kernel log, a line each, as text; on
 * stdout "load" when dda.ko must load for the devices waiting for it.
 */
static int apply_udev(const struct policy *policy)
{
	struct policy_apply result;
	char *log = NULL, *line, *next;
	size_t log_size = 0;
	FILE *report;
	int err;

	report = open_memstream(&log, &log_size);
	if (!report)
		return command_failed(NULL, -errno, "policy apply");
	print_start(report, PRINT_FORMAT_TEXT);
	print_open_array(NULL);
	err = policy_apply(policy, SYSFS_ROOT, POLICY_MOUNTED_DIR, true,
			   &result);
	print_close_array();
	print_end();
	fclose(report);
	for (line = log; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		kmsg(5, "policy: %s", line);
	}
	free(log);
	if (err)
		kmsg(3, "policy: cannot apply it: %s", strerror(-err));
	/* What the rule reads: dda.ko has devices waiting for it. */
	if (result.pending && !result.dda_loaded)
		printf("load\n");
	/* Whatever went wrong is logged: dda.ko still has to load. */
	return DDACTL_OK;
}

/*
 * What each selected device went through, then how many were selected,
 * marked, and wait for dda.ko; in JSON {"steps": [...], "selected",
 * "marked", "pending", "dda_loaded"}.
 */
static int apply(const struct policy *policy, bool json)
{
	struct policy_apply result;
	int err, perr;

	print_start(stdout, json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	print_open_object(NULL);
	print_open_array("steps");
	err = policy_apply(policy, SYSFS_ROOT, NULL, true, &result);
	print_close_array();
	print_int(PRINT_ANY, "selected", "%lld selected", result.selected);
	print_int(PRINT_ANY, "marked", ", %lld marked", result.marked);
	print_int(PRINT_ANY, "pending", ", %lld waiting for dda.ko",
		  result.pending);
	print_bool(PRINT_JSON, "dda_loaded", NULL, result.dda_loaded);
	if (result.pending && !result.dda_loaded)
		print_text(" (modprobe dda)");
	print_text("\n");
	print_close_object();
	perr = print_end();
	if (err)
		return command_failed(NULL, err, "policy apply");
	return perr ? command_failed(NULL, perr, "policy apply") : DDACTL_OK;
}

static int apply_main(const struct command *cmd, const struct args *a)
{
	struct policy policy;
	int ret, err;

	(void)cmd;
	ret = policy_load(a, &policy);
	if (ret >= 0)
		return ret;
	if (a->udev) {
		ret = apply_udev(&policy);
		policy_free(&policy);
		return ret;
	}
	/*
	 * udev leaves what an administrator mounted by hand with the host;
	 * an administrator's own apply takes it all again.
	 */
	err = policy_mounted_clear(POLICY_MOUNTED_DIR);
	if (err)
		warnx("cannot forget the devices mounted by hand (%s): %s",
		      POLICY_MOUNTED_DIR, strerror(-err));
	ret = apply(&policy, a->json);
	policy_free(&policy);
	return ret;
}

static int modprobe(const struct args *a, const struct policy *policy,
		    const struct dda_device *devs, size_t count)
{
	int err, perr;

	print_start(stdout, a->json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	print_open_object(NULL);
	err = policy_modprobe(policy, devs, count);
	print_close_object();
	perr = print_end();
	if (err == -E2BIG) {
		warnx("dda.ko takes at most %d ids and %d addresses",
		      POLICY_SELECT_MAX, POLICY_SELECT_MAX);
		return DDACTL_FAILED;
	}
	if (!err)
		err = perr;
	return err ? command_failed(NULL, err, "policy modprobe") : DDACTL_OK;
}

static int modprobe_main(const struct command *cmd, const struct args *a)
{
	(void)cmd;
	return with_devices(a, modprobe);
}

#define OPTION_UDEV	{ "--udev", 0, OPTION_FLAG, offsetof(struct args, udev), \
			  NULL, false, NULL }

const struct command policy_commands[] = {
	{ .name = "policy check", .function = check_main,
	  .options = (const struct command_option[]){
		OPTION_FILE, OPTION_JSON, { NULL } },
	  .help = "validate the policy; list the devices it selects now" },
	{ .name = "policy apply", .function = apply_main,
	  .options = (const struct command_option[]){
		OPTION_FILE, OPTION_UDEV, OPTION_JSON, { NULL } },
	  .help = "set driver_override \"dda\" on the selected devices "
		  "that have no driver yet (root)" },
	{ .name = "policy modprobe", .function = modprobe_main,
	  .options = (const struct command_option[]){
		OPTION_FILE, OPTION_JSON, { NULL } },
	  .help = "print modprobe.d lines quarantining the selected devices "
		  "when dda.ko loads, before their host drivers (softdep)" },
	{ NULL }
};

const char policy_notes[] =
	"apply --udev is for udev/60-dda.rules: it prints \"load\" when dda.ko\n"
	"must load, and logs to the kernel log.\n"
	"The policy is every *.conf in " POLICY_PATH "\n"
	"(or $" POLICY_PATH_ENV "), or the --file given. See dda.conf(5).\n"
	"Exit status: 0 success, 1 the operation failed, 2 bad usage or a\n"
	"malformed policy.\n";
