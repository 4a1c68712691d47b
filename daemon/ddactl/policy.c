// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy: its files, their syntax, which devices it selects, applying
 * it to them, and the modprobe.d lines that apply it when dda.ko loads. The syntax is in policy.h and dda.conf(5). Parsing is all or nothing: a file
 * with one bad line adds no selector, and a path with one bad file adds
 * none of its files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libkmod.h>

#include "policy.h"
#include "print.h"
#include "sysfs_pci.h"
#include "util.h"

/* A policy file larger than this is refused: it is not a policy. */
#define POLICY_FILE_MAX		(1 << 20)

/* Words on a line: a selector has at most 4, one more shows the excess. */
#define LINE_WORDS		5

static void error_at(char error[POLICY_ERROR_SIZE], const char *file,
		     unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void error_at(char error[POLICY_ERROR_SIZE], const char *file,
		     unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = line ? snprintf(error, POLICY_ERROR_SIZE, "%s:%u: ", file, line) :
		   snprintf(error, POLICY_ERROR_SIZE, "%s: ", file);
	if (n < 0 || n >= POLICY_ERROR_SIZE)
		return;
	va_start(ap, fmt);
	vsnprintf(error + n, POLICY_ERROR_SIZE - n, fmt, ap);
	va_end(ap);
}

/* Exactly n hex digits, text[0] to text[n - 1], into *value. */
static int hex_exact(const char *text, size_t n, uint32_t *value)
{
	uint32_t v = 0;
	size_t i;
	int d;

	for (i = 0; i < n; i++) {
		d = hex_digit(text[i]);
		if (d < 0)
			return -EINVAL;
		v = v << 4 | d;
	}
	*value = v;
	return 0;
}

/* "8086:10d3": 4 hex digits, a colon, 4 hex digits. */
static int id_parse(const char *text, uint16_t *vendor, uint16_t *device)
{
	uint32_t v, d;

	if (strlen(text) != 9 || text[4] != ':' || hex_exact(text, 4, &v) ||
	    hex_exact(text + 5, 4, &d))
		return -EINVAL;
	*vendor = v;
	*device = d;
	return 0;
}

/* Hex digits after an optional "0x": how many, or 0 for anything else. */
static size_t hex_run(const char **text, size_t len)
{
	size_t i;

	if (len >= 2 && (*text)[0] == '0' &&
	    ((*text)[1] == 'x' || (*text)[1] == 'X')) {
		*text += 2;
		len -= 2;
	}
	for (i = 0; i < len; i++)
		if (hex_digit((*text)[i]) < 0)
			return 0;
	return len;
}

/*
 * "0xBB", "0xBBSS", "0xBBSSPP", each optionally "/0xMMMMMM". -EINVAL for a
 * malformed value, -ERANGE for a value with bits outside its mask.
 */
static int class_parse(const char *text, uint32_t *code, uint32_t *mask)
{
	const char *slash = strchr(text, '/'), *value = text, *m;
	size_t len = slash ? (size_t)(slash - text) : strlen(text), digits;
	uint32_t v, mv;

	digits = hex_run(&value, len);
	if (digits != 2 && digits != 4 && digits != 6)
		return -EINVAL;
	if (hex_exact(value, digits, &v))
		return -EINVAL;
	v <<= 4 * (6 - digits);
	mv = 0xffffff & ~((1u << 4 * (6 - digits)) - 1);

	if (slash) {
		m = slash + 1;
		if (hex_run(&m, strlen(m)) != 6 || hex_exact(m, 6, &mv))
			return -EINVAL;
		if (v & ~mv)
			return -ERANGE;
	}
	*code = v;
	*mask = mv;
	return 0;
}

/* Splits line at blanks into at most max words; returns how many. */
static size_t words_split(char *line, char *words[], size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' ||
		       *p == '\f')
			p++;
		if (!*p || n == max)
			return n;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' &&
		       *p != '\v' && *p != '\f')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

/*
 * Parses one line, its comment already cut. Returns 1 with a selector in
 * *s, 0 for a blank line, -EINVAL after writing the error.
 */
static int line_parse(char *text, const char *file, unsigned int line,
		      struct policy_selector *s,
		      char error[POLICY_ERROR_SIZE])
{
	char *w[LINE_WORDS];
	size_t n, want;
	int err;

	n = words_split(text, w, LINE_WORDS);
	if (!n)
		return 0;

	memset(s, 0, sizeof(*s));
	s->line = line;
	if (!strcmp(w[0], "address") || !strcmp(w[0], "vf-of")) {
		bool vf_of = !strcmp(w[0], "vf-of");

		s->kind = vf_of ? POLICY_VF_OF : POLICY_ADDRESS;
		want = 2;
		if (n < want) {
			error_at(error, file, line, "%s",
				 vf_of ? "'vf-of' needs the PCI address of an SR-IOV physical function (DDDD:BB:DD.F or BB:DD.F)" :
				 "'address' needs a PCI address (DDDD:BB:DD.F or BB:DD.F)");
			return -EINVAL;
		}
		if (dda_address_parse(w[1], s->address)) {
			error_at(error, file, line,
				 "'%s' is not a PCI address (expected DDDD:BB:DD.F or BB:DD.F)",
				 w[1]);
			return -EINVAL;
		}
	} else if (!strcmp(w[0], "id")) {
		s->kind = POLICY_ID;
		want = 2;
		if (n < want) {
			error_at(error, file, line,
				 "'id' needs VENDOR:DEVICE (4 hex digits each)");
			return -EINVAL;
		}
		if (id_parse(w[1], &s->vendor, &s->device)) {
			error_at(error, file, line,
				 "'%s' is not an id (expected VENDOR:DEVICE, 4 hex digits each)",
				 w[1]);
			return -EINVAL;
		}
		if (n > 2 && !strcmp(w[2], "subsystem")) {
			want = 4;
			if (n < want) {
				error_at(error, file, line,
					 "'subsystem' needs VENDOR:DEVICE (4 hex digits each)");
				return -EINVAL;
			}
			if (id_parse(w[3], &s->subsys_vendor,
				     &s->subsys_device)) {
				error_at(error, file, line,
					 "'%s' is not a subsystem id (expected VENDOR:DEVICE, 4 hex digits each)",
					 w[3]);
				return -EINVAL;
			}
			s->subsystem = true;
		}
	} else if (!strcmp(w[0], "class")) {
		s->kind = POLICY_CLASS;
		want = 2;
		if (n < want) {
			error_at(error, file, line,
				 "'class' needs a class code (0xBB, 0xBBSS or 0xBBSSPP, optionally /0xMMMMMM)");
			return -EINVAL;
		}
		err = class_parse(w[1], &s->class_code, &s->class_mask);
		if (err == -ERANGE) {
			error_at(error, file, line,
				 "'%s' has bits outside its mask", w[1]);
			return -EINVAL;
		}
		if (err) {
			error_at(error, file, line,
				 "'%s' is not a class code (expected 0xBB, 0xBBSS or 0xBBSSPP, optionally /0xMMMMMM)",
				 w[1]);
			return -EINVAL;
		}
		/* It would take the boot disk along with everything else. */
		if (!s->class_mask) {
			error_at(error, file, line,
				 "'%s' matches every device, the host's own among them: name a class (a mask that is not 0)",
				 w[1]);
			return -EINVAL;
		}
	} else {
		error_at(error, file, line,
			 "unknown word '%s' (expected address, vf-of, id or class)",
			 w[0]);
		return -EINVAL;
	}

	if (n > want) {
		error_at(error, file, line, "unexpected word '%s'", w[want]);
		return -EINVAL;
	}
	return 1;
}

/* Appends count selectors and the file they come from to policy. */
static int policy_append(struct policy *policy, const char *file,
			 const struct policy_selector *selectors, size_t count)
{
	struct policy_selector *s;
	char **files, *name;
	size_t i;

	name = strdup(file);
	if (!name)
		return -ENOMEM;
	files = realloc(policy->files,
			(policy->n_files + 1) * sizeof(*files));
	if (!files) {
		free(name);
		return -ENOMEM;
	}
	policy->files = files;
	if (count) {
		s = realloc(policy->selectors,
			    (policy->n_selectors + count) * sizeof(*s));
		if (!s) {
			free(name);
			return -ENOMEM;
		}
		policy->selectors = s;
		for (i = 0; i < count; i++) {
			s[policy->n_selectors + i] = selectors[i];
			s[policy->n_selectors + i].file = name;
		}
		policy->n_selectors += count;
	}
	policy->files[policy->n_files++] = name;
	return 0;
}

int policy_parse(struct policy *policy, const char *file, const char *text,
		 char error[POLICY_ERROR_SIZE])
{
	struct policy_selector *selectors = NULL, *grown;
	size_t count = 0, size = 0, len;
	const char *p = text, *end;
	unsigned int line = 0;
	char *buf, *hash;
	int err = 0, ret;

	error[0] = '\0';
	while (*p) {
		end = strchr(p, '\n');
		len = end ? (size_t)(end - p) : strlen(p);
		line++;
		buf = strndup(p, len);
		if (!buf) {
			err = -ENOMEM;
			break;
		}
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		if (count == size) {
			size = size ? 2 * size : 8;
			grown = realloc(selectors, size * sizeof(*grown));
			if (!grown) {
				free(buf);
				err = -ENOMEM;
				break;
			}
			selectors = grown;
		}
		ret = line_parse(buf, file, line, &selectors[count], error);
		free(buf);
		if (ret < 0) {
			err = ret;
			break;
		}
		count += ret;
		p += len + !!end;
	}

	if (!err)
		err = policy_append(policy, file, selectors, count);
	if (err == -ENOMEM)
		snprintf(error, POLICY_ERROR_SIZE, "%s: out of memory", file);
	free(selectors);
	return err;
}

int policy_read_file(struct policy *policy, const char *path,
		     char error[POLICY_ERROR_SIZE])
{
	size_t size = 0, n;
	char *text, *grown;
	FILE *f;
	int err;

	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		error_at(error, path, 0, "%s", strerror(-err));
		return err;
	}
	text = NULL;
	for (;;) {
		grown = realloc(text, size + 4096 + 1);
		if (!grown) {
			err = -ENOMEM;
			error_at(error, path, 0, "out of memory");
			goto out;
		}
		text = grown;
		n = fread(text + size, 1, 4096, f);
		size += n;
		if (n < 4096)
			break;
		if (size > POLICY_FILE_MAX) {
			err = -EFBIG;
			error_at(error, path, 0,
				 "larger than %d bytes: not a policy",
				 POLICY_FILE_MAX);
			goto out;
		}
	}
	if (ferror(f)) {
		err = -EIO;
		error_at(error, path, 0, "cannot read it");
		goto out;
	}
	text[size] = '\0';
	if (strlen(text) != size) {
		err = -EINVAL;
		error_at(error, path, 0, "a NUL byte: not a text file");
		goto out;
	}
	err = policy_parse(policy, path, text, error);
out:
	free(text);
	fclose(f);
	return err;
}

struct policy_file {
	char *name;		/* its name, what orders and overrides */
	char *path;		/* where it is */
};

static int policy_file_cmp(const void *a, const void *b)
{
	const struct policy_file *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static bool policy_file_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".conf");
}

/* Adds the "*.conf" of dir not yet in files[]. */
static int policy_dir_scan(const char *dir, struct policy_file **files,
			   size_t *count, char error[POLICY_ERROR_SIZE])
{
	struct policy_file *grown;
	struct dirent *de;
	size_t i, known = *count;
	DIR *d;
	int err = 0;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		err = -errno;
		error_at(error, dir, 0, "%s", strerror(-err));
		return err;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!policy_file_name(de->d_name))
			continue;
		for (i = 0; i < known; i++)
			if (!strcmp((*files)[i].name, de->d_name))
				break;
		if (i < known)
			continue;
		grown = realloc(*files, (*count + 1) * sizeof(*grown));
		if (!grown)
			goto nomem;
		*files = grown;
		grown[*count].name = strdup(de->d_name);
		if (!grown[*count].name)
			goto nomem;
		if (asprintf(&grown[*count].path, "%s/%s", dir,
			     de->d_name) < 0) {
			free(grown[*count].name);
			goto nomem;
		}
		(*count)++;
	}
	if (errno) {
		err = -errno;
		error_at(error, dir, 0, "%s", strerror(-err));
	}
	closedir(d);
	return err;

nomem:
	closedir(d);
	error_at(error, dir, 0, "out of memory");
	return -ENOMEM;
}

/* Moves what from holds to the end of to; from is left empty. */
static int policy_move(struct policy *to, struct policy *from)
{
	struct policy_selector *s;
	char **files;

	s = realloc(to->selectors, (to->n_selectors + from->n_selectors + 1) *
				   sizeof(*s));
	if (!s)
		return -ENOMEM;
	to->selectors = s;
	files = realloc(to->files,
			(to->n_files + from->n_files + 1) * sizeof(*files));
	if (!files)
		return -ENOMEM;
	to->files = files;
	if (from->n_selectors)
		memcpy(s + to->n_selectors, from->selectors,
		       from->n_selectors * sizeof(*s));
	if (from->n_files)
		memcpy(files + to->n_files, from->files,
		       from->n_files * sizeof(*files));
	to->n_selectors += from->n_selectors;
	to->n_files += from->n_files;
	free(from->selectors);
	free(from->files);
	memset(from, 0, sizeof(*from));
	return 0;
}

int policy_read_path(struct policy *policy, const char *path,
		     char error[POLICY_ERROR_SIZE])
{
	struct policy_file *files = NULL;
	struct policy read = { 0 };
	char *dirs, *cursor, *dir;
	size_t count = 0, i;
	int err = 0;

	error[0] = '\0';
	dirs = strdup(path);
	if (!dirs) {
		snprintf(error, POLICY_ERROR_SIZE, "out of memory");
		return -ENOMEM;
	}
	cursor = dirs;
	while (!err && (dir = strsep(&cursor, ":")))
		if (*dir)
			err = policy_dir_scan(dir, &files, &count, error);
	if (!err && count)
		qsort(files, count, sizeof(*files), policy_file_cmp);
	for (i = 0; !err && i < count; i++)
		err = policy_read_file(&read, files[i].path, error);
	if (!err) {
		err = policy_move(policy, &read);
		if (err)
			snprintf(error, POLICY_ERROR_SIZE, "out of memory");
	}

	policy_free(&read);
	for (i = 0; i < count; i++) {
		free(files[i].name);
		free(files[i].path);
	}
	free(files);
	free(dirs);
	return err;
}

int policy_read(struct policy *policy, char error[POLICY_ERROR_SIZE])
{
	const char *path = getenv(POLICY_PATH_ENV);

	return policy_read_path(policy, path ? path : POLICY_PATH, error);
}

static bool selector_matches(const struct policy_selector *s,
			     const struct dda_device *dev)
{
	switch (s->kind) {
	case POLICY_ADDRESS:
		return !strcmp(s->address, dev->address);
	case POLICY_VF_OF:
		return !strcmp(s->address, dev->physfn);
	case POLICY_ID:
		return s->vendor == dev->vendor && s->device == dev->device &&
		       (!s->subsystem ||
			(s->subsys_vendor == dev->subsys_vendor &&
			 s->subsys_device == dev->subsys_device));
	case POLICY_CLASS:
		return (dev->class_code & s->class_mask) == s->class_code;
	}
	return false;
}

const struct policy_selector *policy_match(const struct policy *policy,
					   const struct dda_device *dev)
{
	size_t i;

	/* Bridges are never dda's. */
	if (dda_class_is_bridge(dev->class_code))
		return NULL;
	for (i = 0; i < policy->n_selectors; i++)
		if (selector_matches(&policy->selectors[i], dev))
			return &policy->selectors[i];
	return NULL;
}

void policy_selector_text(const struct policy_selector *s,
			  char text[POLICY_SELECTOR_SIZE])
{
	switch (s->kind) {
	case POLICY_ADDRESS:
		snprintf(text, POLICY_SELECTOR_SIZE, "address %s", s->address);
		return;
	case POLICY_VF_OF:
		snprintf(text, POLICY_SELECTOR_SIZE, "vf-of %s", s->address);
		return;
	case POLICY_ID:
		if (s->subsystem)
			snprintf(text, POLICY_SELECTOR_SIZE,
				 "id %04x:%04x subsystem %04x:%04x",
				 s->vendor, s->device, s->subsys_vendor,
				 s->subsys_device);
		else
			snprintf(text, POLICY_SELECTOR_SIZE, "id %04x:%04x",
				 s->vendor, s->device);
		return;
	case POLICY_CLASS:
		if (s->class_mask == 0xff0000)
			snprintf(text, POLICY_SELECTOR_SIZE, "class 0x%02x",
				 s->class_code >> 16);
		else if (s->class_mask == 0xffff00)
			snprintf(text, POLICY_SELECTOR_SIZE, "class 0x%04x",
				 s->class_code >> 8);
		else if (s->class_mask == 0xffffff)
			snprintf(text, POLICY_SELECTOR_SIZE, "class 0x%06x",
				 s->class_code);
		else
			snprintf(text, POLICY_SELECTOR_SIZE,
				 "class 0x%06x/0x%06x", s->class_code,
				 s->class_mask);
		return;
	}
	snprintf(text, POLICY_SELECTOR_SIZE, "unknown");
}

void policy_free(struct policy *policy)
{
	size_t i;

	for (i = 0; i < policy->n_files; i++)
		free(policy->files[i]);
	free(policy->files);
	free(policy->selectors);
	memset(policy, 0, sizeof(*policy));
}

/*
 * Applying a policy is what udev/60-dda.rules runs (ddactl policy apply
 * --udev) on every PCI "add". At coldplug udevd handles the events of
 * several devices at once, and the first "kmod load" of a host driver binds
 * every device it matches that has no driver_override yet. So each run
 * marks every selected device present, not only the one of its event:
 * whichever event comes first, all selected devices carry driver_override
 * "dda" before any host driver is loaded.
 */
/* What became of a selected device, as policy_apply() says it. */
enum apply_step {
	APPLY_MOUNTED,		/* mounted by hand: left with the host */
	APPLY_MARK_FAILED,	/* its driver_override could not be set */
	APPLY_MARKED,		/* driver_override set to dda */
	APPLY_QUARANTINED,	/* then probed: dda.ko has it */
	APPLY_NOT_TAKEN,	/* then probed: dda.ko did not take it */
};

static const struct {
	const char *name;	/* in JSON */
	const char *text;
} apply_steps[] = {
	[APPLY_MOUNTED] = { "mounted", "mounted by hand: left with the host until the next boot or `ddactl policy apply`" },
	[APPLY_MARK_FAILED] = { "mark_failed", "cannot set its driver_override" },
	[APPLY_MARKED] = { "marked", "driver_override set to dda" },
	[APPLY_QUARANTINED] = { "quarantined", "quarantined" },
	[APPLY_NOT_TAKEN] = { "not_taken", "dda.ko did not take it" },
};

/*
 * One step of policy_apply(), when it reports: "ADDRESS: what (SELECTOR,
 * FILE:LINE)", or ": ERROR" after what; in JSON an object.
 */
static void apply_report(bool report, const char *address,
			 enum apply_step step,
			 const struct policy_selector *s, int err)
{
	char text[POLICY_SELECTOR_SIZE];

	if (!report)
		return;
	print_open_object(NULL);
	print_string(PRINT_ANY, "address", "%s: ", address);
	print_string(PRINT_JSON, "step", NULL, apply_steps[step].name);
	print_text("%s", apply_steps[step].text);
	if (err)
		print_string(PRINT_ANY, "error", ": %s", strerror(-err));
	if (step == APPLY_NOT_TAKEN)
		print_text(" (see the kernel log)");
	if (s) {
		policy_selector_text(s, text);
		print_string(PRINT_ANY, "selector", " (%s", text);
		print_string(PRINT_ANY, "file", ", %s", s->file);
		print_int(PRINT_ANY, "line", ":%lld)", s->line);
	}
	print_text("\n");
	print_close_object();
}

static void mounted_path(char *path, size_t size, const char *dir,
			 const char *address)
{
	snprintf(path, size, "%s/%s", dir, address);
}

/* dir and its parent ("/run/dda"), as needed; 0 or -1 with errno. */
static int mounted_dir_make(const char *dir)
{
	char parent[PATH_MAX], *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) && errno != EEXIST)
			return -1;
	}
	return mkdir(dir, 0755) && errno != EEXIST ? -1 : 0;
}

int policy_mounted_set(const char *dir, const char *address, bool mounted)
{
	char path[PATH_MAX];
	int fd;

	mounted_path(path, sizeof(path), dir, address);
	if (!mounted)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	if (mounted_dir_make(dir))
		return -errno;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static bool policy_mounted(const char *dir, const char *address)
{
	char path[PATH_MAX];

	if (!dir)
		return false;
	mounted_path(path, sizeof(path), dir, address);
	return !access(path, F_OK);
}

int policy_mounted_clear(const char *dir)
{
	struct dirent *d;
	int err = 0;
	DIR *h;

	h = opendir(dir);
	if (!h)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(h)))
		if (d->d_name[0] != '.' && unlinkat(dirfd(h), d->d_name, 0))
			err = -errno;
	closedir(h);
	return err;
}

int policy_apply(const struct policy *policy, const char *root,
		 const char *mounted_dir, bool report,
		 struct policy_apply *result)
{
	const struct policy_selector *s;
	struct sysfs_pci_device *devs;
	char driver[DDA_DRIVER_SIZE];
	bool *marked = NULL;
	size_t count, i;
	int lock, err, ret = 0;

	memset(result, 0, sizeof(*result));
	if (!policy->n_selectors)
		return 0;
	/*
	 * One run at a time (udevd runs one per event, several at once): each
	 * device is marked, and reported, once.
	 */
	lock = sysfs_pci_lock(root);
	if (lock < 0)
		return lock;
	err = sysfs_pci_list(root, &devs, &count);
	if (err) {
		close(lock);
		return err;
	}
	if (count) {
		marked = calloc(count, sizeof(*marked));
		if (!marked) {
			free(devs);
			close(lock);
			return -ENOMEM;
		}
	}

	for (i = 0; i < count; i++) {
		struct sysfs_pci_device *d = &devs[i];

		s = policy_match(policy, &d->dev);
		if (!s)
			continue;
		result->selected++;
		/* Taken by a driver, or promised to one: left alone. */
		if (d->dev.driver[0] || d->boot_vga)
			continue;
		if (d->driver_override[0]) {
			if (!strcmp(d->driver_override, SYSFS_DDA_DRIVER))
				result->pending++;
			continue;
		}
		if (policy_mounted(mounted_dir, d->dev.address)) {
			result->mounted++;
			apply_report(report, d->dev.address, APPLY_MOUNTED, s,
				     0);
			continue;
		}
		err = sysfs_pci_set_override(root, d->dev.address,
					     SYSFS_DDA_DRIVER);
		if (err) {
			apply_report(report, d->dev.address,
				     APPLY_MARK_FAILED, NULL, err);
			if (!ret)
				ret = err;
			continue;
		}
		marked[i] = true;
		result->marked++;
		result->pending++;
		apply_report(report, d->dev.address, APPLY_MARKED, s, 0);
	}

	/*
	 * Looked at after marking: a dda.ko registering its driver since binds
	 * what we marked; one registered before needs to be asked.
	 */
	result->dda_loaded = sysfs_pci_dda_loaded(root);
	for (i = 0; result->dda_loaded && i < count; i++) {
		if (!marked[i])
			continue;
		err = sysfs_pci_probe(root, devs[i].dev.address);
		sysfs_pci_driver(root, devs[i].dev.address, driver,
				 sizeof(driver));
		if (!strcmp(driver, SYSFS_DDA_DRIVER)) {
			result->pending--;
			apply_report(report, devs[i].dev.address,
				     APPLY_QUARANTINED, NULL, 0);
		} else {
			apply_report(report, devs[i].dev.address,
				     APPLY_NOT_TAKEN, NULL, err);
		}
	}

	close(lock);
	free(marked);
	free(devs);
	return ret;
}

/* A list of distinct words, for ids=, addresses= and softdeps. */
struct words {
	char **word;
	size_t n;
};

static int words_add(struct words *w, const char *word)
{
	char **grown;
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->word[i], word))
			return 0;
	grown = realloc(w->word, (w->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	w->word = grown;
	w->word[w->n] = strdup(word);
	if (!w->word[w->n])
		return -ENOMEM;
	w->n++;
	return 0;
}

/*
 * The words of w after prefix, "," between them, in text where mode says
 * (nothing when there are none); in JSON an array key.
 */
static void words_print(enum print_mode mode, const char *key,
			const char *prefix, const struct words *w)
{
	char first[32];
	size_t i;

	snprintf(first, sizeof(first), "%s%%s", prefix);
	if (mode & PRINT_JSON)
		print_open_array(key);
	for (i = 0; i < w->n; i++)
		print_string(mode, NULL, i ? ",%s" : first, w->word[i]);
	if (mode & PRINT_JSON)
		print_close_array();
}

static void words_free(struct words *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->word[i]);
	free(w->word);
}

/*
 * The module parameters of policy: ids= from its ids without subsystem,
 * addresses= from its addresses and the devices its other selectors
 * (classes, ids with a subsystem) select now, which dda.ko cannot express;
 * printed of each, a comment in text, in JSON the array "by_address".
 */
static int modprobe_options(const struct policy *policy,
			    const struct dda_device *devs, size_t count,
			    struct words *ids, struct words *addresses)
{
	const struct policy_selector *s;
	char text[POLICY_SELECTOR_SIZE];
	size_t i;
	int err = 0;

	for (i = 0; !err && i < policy->n_selectors; i++) {
		s = &policy->selectors[i];
		if (s->kind == POLICY_ID && !s->subsystem) {
			snprintf(text, sizeof(text), "%04x:%04x", s->vendor,
				 s->device);
			err = words_add(ids, text);
		} else if (s->kind == POLICY_ADDRESS) {
			err = words_add(addresses, s->address);
		}
	}
	print_open_array("by_address");
	for (i = 0; !err && i < count; i++) {
		s = policy_match(policy, &devs[i]);
		if (!s || s->kind == POLICY_ADDRESS ||
		    (s->kind == POLICY_ID && !s->subsystem))
			continue;
		policy_selector_text(s, text);
		print_open_object(NULL);
		print_string(PRINT_ANY, "address", "# %s", devs[i].address);
		print_string(PRINT_ANY, "selector", " is selected by %s", text);
		print_string(PRINT_ANY, "file", " (%s", s->file);
		print_int(PRINT_ANY, "line", ":%lld): by its address\n",
			  s->line);
		print_close_object();
		err = words_add(addresses, devs[i].address);
	}
	print_close_array();
	return err;
}

/* The modalias of a PCI device, as the kernel writes it in its uevent. */
static void modalias(const struct dda_device *dev, char *buf, size_t size)
{
	snprintf(buf, size, "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X",
		 dev->vendor, dev->device, dev->subsys_vendor,
		 dev->subsys_device, dev->class_code >> 16 & 0xff,
		 dev->class_code >> 8 & 0xff, dev->class_code & 0xff);
}

/*
 * Adds to drivers the modules that alias resolves to, as modprobe would
 * load them for it (libkmod: its configuration, modules.alias, built-in
 * modules), dda.ko's own left out. 0 or -errno.
 */
static int drivers_add(struct kmod_ctx *kmod, const char *alias,
		       struct words *drivers)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod;
	const char *name;
	int err;

	err = kmod_module_new_from_lookup(kmod, alias, &list);
	if (err)
		return err;
	kmod_list_foreach(l, list) {
		mod = kmod_module_get_module(l);
		name = kmod_module_get_name(mod);
		if (!err && strcmp(name, SYSFS_DDA_DRIVER))
			err = words_add(drivers, name);
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	return err;
}

int policy_modprobe(const struct policy *policy,
		    const struct dda_device *devs, size_t count)
{
	struct words ids = { 0 }, addresses = { 0 }, drivers = { 0 };
	struct kmod_ctx *kmod;
	char alias[64];
	size_t i;
	int err;

	kmod = kmod_new(NULL, NULL);
	if (!kmod)
		return -ENOMEM;
	print_text("# dda: quarantine at load, before the host drivers; from\n"
		   "# 'ddactl policy modprobe' (dda.conf(5)).\n");
	err = modprobe_options(policy, devs, count, &ids, &addresses);
	for (i = 0; !err && i < count; i++) {
		if (!policy_match(policy, &devs[i]))
			continue;
		modalias(&devs[i], alias, sizeof(alias));
		err = drivers_add(kmod, alias, &drivers);
	}
	if (err)
		goto out;

	if (ids.n || addresses.n) {
		print_text("# or on the kernel command line:");
		words_print(PRINT_TEXT, NULL, " dda.ids=", &ids);
		words_print(PRINT_TEXT, NULL, " dda.addresses=", &addresses);
		print_text("\noptions dda");
	}
	words_print(PRINT_ANY, "ids", " ids=", &ids);
	words_print(PRINT_ANY, "addresses", " addresses=", &addresses);
	if (ids.n || addresses.n)
		print_text("\n");
	print_open_array("softdeps");
	for (i = 0; i < drivers.n; i++)
		print_string(PRINT_ANY, NULL, "softdep %s pre: dda\n",
			     drivers.word[i]);
	print_close_array();
	if (ids.n > POLICY_SELECT_MAX || addresses.n > POLICY_SELECT_MAX)
		err = -E2BIG;
out:
	words_free(&ids);
	words_free(&addresses);
	words_free(&drivers);
	kmod_unref(kmod);
	return err;
}
