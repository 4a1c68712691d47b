// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the host uses of a PCI device, which a dismount must not take from
 * under it: a block device on it (a disk, a partition) that is mounted,
 * active swap, or held by an assembled md, dm or LVM stack; or the device
 * bound to vfio-pci by someone other than dda (another VMM's). dda.ko only
 * sees drivers; this is the view from /sys and /proc, read as plain files
 * under roots the unit tests replace with trees of their own.
 *
 * A block device is on the PCI device when its sysfs directory is below
 * the PCI device's, or, for a virtual one (an NVMe multipath head such as
 * nvme0n1 under /sys/devices/virtual/nvme-subsystem/nvme-subsys0/), when
 * the directory holding its disk links to a device below it (nvme0 there).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "internal.h"

const struct dda_roots dda_host_roots = { .sys = "/sys", .proc = "/proc" };

/* Appends "; " and what fmt says to text, "..." when it no longer fits. */
static void phrase(char *text, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void phrase(char *text, size_t size, const char *fmt, ...)
{
	size_t len = strlen(text);
	va_list ap;
	int n;

	if (len && len + 2 < size) {
		memcpy(text + len, "; ", 3);
		len += 2;
	}
	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text + len, size - len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= size - len && size >= 4)
		memcpy(text + size - 4, "...", 4);
}

/* A path of fmt into buf (PATH_MAX bytes); false when it does not fit. */
static bool pathf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return n >= 0 && n < PATH_MAX;
}

/* The first line of a file, without its newline; -errno if unreadable. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		err = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (!err)
		buf[strcspn(buf, "\n")] = '\0';
	return err;
}

/* Is path the directory dir or below it? */
static bool below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || !path[n]);
}

/* "\040" and the like, as mountinfo and swaps escape, in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
					(s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Is the device node path the block device name, dev? */
static bool same_node(const char *path, const char *name, dev_t dev)
{
	struct stat st;

	/* Device nodes only: a stat() elsewhere may wait on a network. */
	if (strncmp(path, "/dev/", 5))
		return false;
	if (!strcmp(path + 5, name))
		return true;
	return !stat(path, &st) && S_ISBLK(st.st_mode) && st.st_rdev == dev;
}

int dda_mount_point(const char *mountinfo, const char *name, dev_t dev,
		    char *out, size_t size)
{
	unsigned int major_, minor_;
	char *line = NULL, *p, *dash, *point, *source;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	f = fopen(mountinfo, "re");
	if (!f)
		return -errno;
	while (!found && getline(&line, &cap, f) > 0) {
		/* ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAG...] - TYPE SOURCE ... */
		if (sscanf(line, "%*u %*u %u:%u", &major_, &minor_) != 2)
			continue;
		p = line;
		for (int i = 0; i < 4 && p; i++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		dash = p ? strstr(p, " - ") : NULL;
		if (!dash)
			continue;
		point = p;
		point[strcspn(point, " ")] = '\0';
		source = strchr(dash + 3, ' ');
		if (source) {
			source++;
			source[strcspn(source, " \n")] = '\0';
			unescape(source);
		}
		/* btrfs and the like mount an anonymous device: the source says. */
		if (makedev(major_, minor_) == dev ||
		    (source && same_node(source, name, dev))) {
			unescape(point);
			snprintf(out, size, "%s", point);
			found = true;
		}
	}
	free(line);
	fclose(f);
	return found;
}

int dda_swap_active(const char *swaps, const char *name, dev_t dev)
{
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	f = fopen(swaps, "re");
	if (!f)
		return -errno;
	/* "Filename Type Size Used Priority", then one line a swap area. */
	while (!found && getline(&line, &cap, f) > 0) {
		if (line[0] != '/')
			continue;
		line[strcspn(line, " \t\n")] = '\0';
		unescape(line);
		found = same_node(line, name, dev);
	}
	free(line);
	fclose(f);
	return found;
}

/* What holds the block device at dir (holders/), one phrase each. */
static int holders(const struct dda_roots *roots, const char *dir,
		   const char *name, char *text, size_t size)
{
	char path[PATH_MAX], dm[128];
	struct dirent *d;
	int n = 0;
	DIR *h;

	pathf(path, "%s/holders", dir);
	h = opendir(path);
	if (!h)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(h))) {
		if (d->d_name[0] == '.')
			continue;
		pathf(path, "%s/class/block/%s/dm/name",
		      roots->sys, d->d_name);
		if (!read_line(path, dm, sizeof(dm)) && *dm)
			phrase(text, size, "%s is held by %s (%s)", name,
			       d->d_name, dm);
		else
			phrase(text, size, "%s is held by %s", name,
			       d->d_name);
		n++;
	}
	closedir(h);
	return n;
}

/*
 * Is the virtual block device at real (a resolved sysfs path) on the PCI
 * device at pci: does the directory holding its disk link below pci?
 */
static bool virtual_on(const struct dda_roots *roots, const char *real,
		       const char *pci)
{
	char path[PATH_MAX], dir[PATH_MAX], target[PATH_MAX], *slash;
	struct dirent *d;
	bool on = false;
	DIR *h;

	snprintf(dir, sizeof(dir), "%s", real);
	/* A partition's disk is its parent. */
	pathf(path, "%s/partition", real);
	if (!access(path, F_OK)) {
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
	}
	slash = strrchr(dir, '/');
	if (!slash)
		return false;
	*slash = '\0';
	pathf(path, "%s/devices/virtual", roots->sys);
	if (!realpath(path, target) || !below(dir, target) ||
	    !strcmp(dir, target))
		return false;
	h = opendir(dir);
	if (!h)
		return false;
	while (!on && (d = readdir(h))) {
		if (d->d_type != DT_LNK)
			continue;
		pathf(path, "%s/%s", dir, d->d_name);
		on = realpath(path, target) && below(target, pci);
	}
	closedir(h);
	return on;
}

/* The uses of the block device name, whose sysfs directory is real. */
static int block_uses(const struct dda_roots *roots, const char *name,
		      const char *real, char *text, size_t size)
{
	char path[PATH_MAX], where[PATH_MAX], devno[32];
	unsigned int major_, minor_;
	int n = 0, ret;
	dev_t dev;

	pathf(path, "%s/dev", real);
	/* A hidden disk (an NVMe multipath path, nvme0c0n1) has none. */
	if (read_line(path, devno, sizeof(devno)) ||
	    sscanf(devno, "%u:%u", &major_, &minor_) != 2)
		return 0;
	dev = makedev(major_, minor_);

	/* Our mount namespace, then init's (a mount of another namespace). */
	pathf(path, "%s/self/mountinfo", roots->proc);
	ret = dda_mount_point(path, name, dev, where, sizeof(where));
	if (ret < 0)
		return ret;
	if (!ret) {
		pathf(path, "%s/1/mountinfo", roots->proc);
		ret = dda_mount_point(path, name, dev, where, sizeof(where));
		ret = ret < 0 ? 0 : ret;	/* not ours to read: ours said */
	}
	if (ret) {
		phrase(text, size, "%s is mounted on %s", name, where);
		n++;
	}

	pathf(path, "%s/swaps", roots->proc);
	ret = dda_swap_active(path, name, dev);
	if (ret < 0 && ret != -ENOENT)	/* a kernel without swap */
		return ret;
	if (ret > 0) {
		phrase(text, size, "%s is active swap", name);
		n++;
	}

	ret = holders(roots, real, name, text, size);
	return ret < 0 ? ret : n + ret;
}

int dda_block_uses(const struct dda_roots *roots, const char *address,
		   char *text, size_t size)
{
	char path[PATH_MAX], pci[PATH_MAX], real[PATH_MAX];
	struct dirent **names;
	int i, count, n = 0, ret = 0;

	pathf(path, "%s/bus/pci/devices/%s", roots->sys, address);
	if (!realpath(path, pci))
		return -errno;
	pathf(path, "%s/class/block", roots->sys);
	/* In the order of their names, nvme0n1p2 before nvme0n1p10. */
	count = scandir(path, &names, NULL, versionsort);
	if (count < 0)
		return errno == ENOENT ? 0 : -errno;	/* no block layer */
	for (i = 0; i < count; i++) {
		const char *name = names[i]->d_name;

		if (ret < 0 || name[0] == '.')
			continue;
		pathf(path, "%s/class/block/%s", roots->sys, name);
		if (!realpath(path, real))
			continue;	/* gone meanwhile */
		if (!below(real, pci) && !virtual_on(roots, real, pci))
			continue;
		ret = block_uses(roots, name, real, text, size);
		if (ret > 0)
			n += ret;
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return ret < 0 ? ret : n;
}

/* Appends who has the device's vfio files open: the first found. */
static void vfio_users(const struct dda_roots *roots,
		       const struct dda_device *dev, char *text, size_t size)
{
	struct dda_vfio_user *users;
	size_t n;

	if (dda_vfio_users_at(roots, dev->address, &users, &n) || !n)
		return;
	phrase(text, size, "%s is open in pid %d (%s)", users[0].file,
	       users[0].pid, users[0].command);
	free(users);
}

/* The uses of one device; its phrases begin with prefix. */
static int device_uses(const struct dda_roots *roots,
		       const struct dda_device *dev, const char *prefix,
		       char *text, size_t size)
{
	char uses[DDA_ERROR_SIZE] = "";
	int n = 0, ret;

	if (dev->state != DDA_STATE_HOST ||
	    dda_class_is_bridge(dev->class_code))
		return 0;	/* not the host's: dda.ko answers for it */
	if (!strcmp(dev->driver, "vfio-pci")) {
		phrase(uses, sizeof(uses),
		       "bound to vfio-pci, which dda did not hand over (another VMM's)");
		vfio_users(roots, dev, uses, sizeof(uses));
		n++;
	}
	ret = dda_block_uses(roots, dev->address, uses, sizeof(uses));
	if (ret < 0)
		return ret;
	n += ret;
	if (n)
		phrase(text, size, "%s%s", prefix, uses);
	return n;
}

int dda_host_use(const struct dda_roots *roots, const char *address,
		 bool group, dda_get_fn *get, void *ctx, char *text,
		 size_t size)
{
	char path[PATH_MAX], prefix[DDA_ADDRESS_LEN + 32];
	struct dda_device dev;
	struct dirent *d;
	int n = 0, ret;
	DIR *h;

	*text = '\0';
	ret = get(ctx, address, &dev);
	if (ret)
		return ret;
	ret = device_uses(roots, &dev, "", text, size);
	if (ret < 0 || !group || dev.iommu_group < 0)
		return ret;
	n = ret;

	/* --group takes every member with the host: each is checked. */
	pathf(path, "%s/bus/pci/devices/%s/iommu_group/devices",
	      roots->sys, address);
	h = opendir(path);
	if (!h)
		return -errno;
	while ((d = readdir(h))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, address))
			continue;
		ret = get(ctx, d->d_name, &dev);
		if (ret == -ENODEV)
			continue;	/* gone meanwhile */
		if (!ret) {
			snprintf(prefix, sizeof(prefix),
				 "%s, of its IOMMU group: ", dev.address);
			ret = device_uses(roots, &dev, prefix, text, size);
		}
		if (ret < 0)
			break;
		n += ret;
	}
	closedir(h);
	return ret < 0 ? ret : n;
}

static int device_get(void *dda, const char *address, struct dda_device *out)
{
	return dda_device_get(dda, address, out);
}

/* A forced dismount, for the administrators: the kernel log, else syslog. */
static void log_forced(const char *address, const char *uses)
{
	char line[DDA_ERROR_SIZE + 160];
	int fd, n;

	n = snprintf(line, sizeof(line),
		     "<4>libdda: %s: dismount forced by %s (pid %d, uid %u) though %s\n",
		     address, program_invocation_short_name, (int)getpid(),
		     (unsigned int)getuid(), uses);
	if (n >= (int)sizeof(line))
		memcpy(line + sizeof(line) - 5, "...\n", 5);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, line, strlen(line)) > 0) {
		close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	syslog(LOG_AUTHPRIV | LOG_WARNING, "%s", line + 3);
}

int dda_host_check(struct dda *dda, const char *address, unsigned int flags)
{
	char uses[DDA_ERROR_SIZE];
	int n;

	n = dda_host_use(&dda_host_roots, address, flags & DDA_DISMOUNT_GROUP,
			 device_get, dda, uses, sizeof(uses));
	if (n == -ENODEV)
		return n;	/* dda_device_get() said so */
	if (n < 0)
		snprintf(uses, sizeof(uses),
			 "what the host uses of it cannot be read: %s",
			 strerror(-n));
	if (!n)
		return 0;
	if (flags & DDA_DISMOUNT_FORCE) {
		log_forced(address, uses);
		return 0;
	}
	dda_set_error(dda, "%s", uses);
	return n < 0 ? n : -EBUSY;
}
