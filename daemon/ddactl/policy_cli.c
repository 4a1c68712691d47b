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
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

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

/* Adds "selector", "file" and "line" of s to obj. */
static void selector_json(struct json_object *obj,
			  const struct policy_selector *s)
{
	char text[POLICY_SELECTOR_SIZE];

	policy_selector_text(s, text);
	json_object_object_add(obj, "selector", json_object_new_string(text));
	json_object_object_add(obj, "file", json_object_new_string(s->file));
	json_object_object_add(obj, "line", json_object_new_int(s->line));
}

static int check_json(const struct policy *policy,
		      const struct dda_device *devs, size_t count)
{
	struct json_object *root, *files, *selectors, *selected, *obj;
	const struct policy_selector *s;
	struct device_view view;
	size_t i;
	int err = -ENOMEM;

	root = json_object_new_object();
	files = json_object_new_array();
	selectors = json_object_new_array();
	selected = json_object_new_array();
	if (!root || !files || !selectors || !selected)
		goto fail;
	json_object_object_add(root, "files", files);
	json_object_object_add(root, "selectors", selectors);
	json_object_object_add(root, "selected", selected);

	for (i = 0; i < policy->n_files; i++)
		if (!json_array_append(files,
			json_object_new_string(policy->files[i])))
			goto out;
	for (i = 0; i < policy->n_selectors; i++) {
		obj = json_object_new_object();
		if (!json_array_append(selectors, obj))
			goto out;
		selector_json(obj, &policy->selectors[i]);
	}
	for (i = 0; i < count; i++) {
		s = policy_match(policy, &devs[i]);
		if (!s)
			continue;
		view = (struct device_view){ .dev = &devs[i] };
		obj = device_json(&view);
		if (!json_array_append(selected, obj))
			goto out;
		selector_json(obj, s);
	}
	err = print_json(stdout, root);
out:
	json_object_put(root);
	return err;

fail:
	json_object_put(root);
	json_object_put(files);
	json_object_put(selectors);
	json_object_put(selected);
	return err;
}

enum { COL_ADDRESS, COL_ID, COL_DRIVER, COL_STATE, COL_SELECTOR, COL_SOURCE,
       N_COLS };

static int check_text(const struct policy *policy,
		      const struct dda_device *devs, size_t count)
{
	static const char *const header[N_COLS] = {
		"ADDRESS", "VENDOR:DEVICE", "DRIVER", "STATE", "SELECTOR",
		"SOURCE",
	};
	const struct policy_selector *s;
	char text[POLICY_SELECTOR_SIZE];
	size_t i, rows = 1, c;
	char **cells;
	int err = -ENOMEM;

	printf("policy: %zu selector%s in %zu file%s\n", policy->n_selectors,
	       policy->n_selectors == 1 ? "" : "s", policy->n_files,
	       policy->n_files == 1 ? "" : "s");
	for (i = 0; i < policy->n_files; i++)
		printf("  %s\n", policy->files[i]);

	cells = calloc((count + 1) * N_COLS, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	for (c = 0; c < N_COLS; c++)
		if (!(cells[c] = strdup(header[c])))
			goto out;
	for (i = 0; i < count; i++) {
		char **row = cells + rows * N_COLS;

		s = policy_match(policy, &devs[i]);
		if (!s)
			continue;
		policy_selector_text(s, text);
		rows++;
		if (asprintf(&row[COL_ADDRESS], "%s", devs[i].address) < 0 ||
		    asprintf(&row[COL_ID], "%04x:%04x", devs[i].vendor,
			     devs[i].device) < 0 ||
		    asprintf(&row[COL_DRIVER], "%s",
			     *devs[i].driver ? devs[i].driver : "-") < 0 ||
		    asprintf(&row[COL_STATE], "%s",
			     dda_state_name(devs[i].state)) < 0 ||
		    asprintf(&row[COL_SELECTOR], "%s", text) < 0 ||
		    asprintf(&row[COL_SOURCE], "%s:%u", s->file, s->line) < 0)
			goto out;
	}
	if (rows == 1) {
		printf("no device present is selected\n");
		err = ferror(stdout) ? -EIO : 0;
	} else {
		err = print_table(stdout, (const char *const *)cells, rows,
				  N_COLS);
	}
out:
	for (i = 0; i < rows * N_COLS; i++)
		free(cells[i]);
	free(cells);
	return err;
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

	err = a->json ? check_json(policy, devs, count) :
			check_text(policy, devs, count);
	return err ? command_failed(NULL, err, "policy check") : DDACTL_OK;
}

static int check_main(const struct command *cmd, const struct args *a)
{
	(void)cmd;
	return with_devices(a, check);
}

static int apply_main(const struct command *cmd, const struct args *a)
{
	struct policy_apply result;
	struct policy policy;
	char *log = NULL, *line, *next;
	size_t log_size = 0;
	FILE *report = stdout;
	int ret, err;

	(void)cmd;
	ret = policy_load(a, &policy);
	if (ret >= 0)
		return ret;
	if (a->udev) {
		report = open_memstream(&log, &log_size);
		if (!report) {
			policy_free(&policy);
			return command_failed(NULL, -errno, "policy apply");
		}
	}
	err = policy_apply(&policy, SYSFS_ROOT, report, &result);
	policy_free(&policy);

	if (a->udev) {
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

	printf("%zu selected, %zu marked, %zu waiting for dda.ko%s\n",
	       result.selected, result.marked, result.pending,
	       result.pending && !result.dda_loaded ? " (modprobe dda)" : "");
	if (err)
		return command_failed(NULL, err, "policy apply");
	return DDACTL_OK;
}

static int modprobe(const struct args *a, const struct policy *policy,
		    const struct dda_device *devs, size_t count)
{
	int err;

	(void)a;
	err = policy_modprobe(policy, devs, count, stdout);
	if (err == -E2BIG) {
		warnx("dda.ko takes at most %d ids and %d addresses",
		      POLICY_SELECT_MAX, POLICY_SELECT_MAX);
		return DDACTL_FAILED;
	}
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
		OPTION_FILE, OPTION_UDEV, { NULL } },
	  .help = "set driver_override \"dda\" on the selected devices "
		  "that have no driver yet (root)" },
	{ .name = "policy modprobe", .function = modprobe_main,
	  .options = (const struct command_option[]){ OPTION_FILE, { NULL } },
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
