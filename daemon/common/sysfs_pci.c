// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI devices as sysfs shows them, and the policy applied to them: what
 * udev/60-dda.rules runs (ddactl policy apply --udev) on every PCI "add".
 *
 * At coldplug udevd handles the events of several devices at once, and the
 * first "kmod load" of a host driver binds every device it matches that has
 * no driver_override yet. So each run marks every selected device present,
 * not only the one of its event: whichever event comes first, all selected
 * devices carry driver_override "dda" before any host driver is loaded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "sysfs_pci.h"

/* Reads the attribute name of the device at address, its newline cut. */
static int attr_read(const char *root, const char *address, const char *name,
		     char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/%s", root,
		 address, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* An attribute in hex, "0x8086", into *value. */
static int attr_hex(const char *root, const char *address, const char *name,
		    unsigned long max, uint32_t *value)
{
	unsigned long v;
	char buf[32], *end;
	int err;

	err = attr_read(root, address, name, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	v = strtoul(buf, &end, 16);
	if (errno || end == buf || *end || v > max)
		return -EINVAL;
	*value = v;
	return 0;
}

/* The last component of the link name of the device at address, or "". */
static void link_name(const char *root, const char *address,
		      const char *name, char *buf, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX], *base;
	size_t len;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/%s", root,
		 address, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	len = strlen(base);
	if (len < size)
		memcpy(buf, base, len + 1);
}

static int device_read(const char *root, const char *address,
		       struct sysfs_pci_device *d)
{
	uint32_t vendor, device, sv, sd, class_code;
	char group[32], vga[8];
	int err;

	memset(d, 0, sizeof(*d));
	err = attr_hex(root, address, "vendor", 0xffff, &vendor);
	if (!err)
		err = attr_hex(root, address, "device", 0xffff, &device);
	if (!err)
		err = attr_hex(root, address, "subsystem_vendor", 0xffff, &sv);
	if (!err)
		err = attr_hex(root, address, "subsystem_device", 0xffff, &sd);
	if (!err)
		err = attr_hex(root, address, "class", 0xffffff, &class_code);
	if (err)
		return err;
	snprintf(d->dev.address, sizeof(d->dev.address), "%s", address);
	d->dev.vendor = vendor;
	d->dev.device = device;
	d->dev.subsys_vendor = sv;
	d->dev.subsys_device = sd;
	d->dev.class_code = class_code;
	d->dev.state = DDA_STATE_HOST;
	d->dev.reset_method = DDA_RESET_NONE;
	link_name(root, address, "driver", d->dev.driver,
		  sizeof(d->dev.driver));
	link_name(root, address, "iommu_group", group, sizeof(group));
	d->dev.iommu_group = *group ? atoi(group) : -1;

	if (attr_read(root, address, "driver_override", d->driver_override,
		      sizeof(d->driver_override)) ||
	    !strcmp(d->driver_override, "(null)"))
		d->driver_override[0] = '\0';
	d->boot_vga = !attr_read(root, address, "boot_vga", vga, sizeof(vga)) &&
		      !strcmp(vga, "1");
	return 0;
}

static int device_cmp(const void *a, const void *b)
{
	const struct sysfs_pci_device *x = a, *y = b;

	return strcmp(x->dev.address, y->dev.address);
}

int sysfs_pci_list(const char *root, struct sysfs_pci_device **out,
		   size_t *count)
{
	struct sysfs_pci_device *devs = NULL, *grown;
	char path[PATH_MAX], address[DDA_ADDRESS_LEN + 1];
	size_t n = 0, size = 0;
	struct dirent *de;
	DIR *dir;
	int err = 0;

	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((errno = 0, de = readdir(dir))) {
		if (dda_address_parse(de->d_name, address) ||
		    strcmp(address, de->d_name))
			continue;
		if (n == size) {
			size = size ? 2 * size : 32;
			grown = realloc(devs, size * sizeof(*grown));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			devs = grown;
		}
		/* Gone meanwhile, or not readable: not there. */
		if (!device_read(root, address, &devs[n]))
			n++;
	}
	if (!err && errno)
		err = -errno;
	closedir(dir);
	if (err) {
		free(devs);
		return err;
	}
	if (n)
		qsort(devs, n, sizeof(*devs), device_cmp);
	*out = devs;
	*count = n;
	return 0;
}

bool sysfs_pci_dda_loaded(const char *root)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bus/pci/drivers/%s", root,
		 SYSFS_DDA_DRIVER);
	return !access(path, F_OK);
}

static int attr_write(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	/* O_TRUNC as a shell's "echo dda >": sysfs ignores it, a file not. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static void report_selector(FILE *report, const struct sysfs_pci_device *d,
			    const struct policy_selector *s, const char *what)
{
	char text[POLICY_SELECTOR_SIZE];

	if (!report)
		return;
	policy_selector_text(s, text);
	fprintf(report, "%s: %s (%s, %s:%u)\n", d->dev.address, what, text,
		s->file, s->line);
}

int policy_apply(const struct policy *policy, const char *root,
		 FILE *report, struct policy_apply *result)
{
	const struct policy_selector *s;
	struct sysfs_pci_device *devs;
	char path[PATH_MAX], driver[DDA_DRIVER_SIZE];
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
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	lock = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0)
		return -errno;
	while (flock(lock, LOCK_EX) && errno == EINTR)
		;
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
		snprintf(path, sizeof(path),
			 "%s/bus/pci/devices/%s/driver_override", root,
			 d->dev.address);
		err = attr_write(path, SYSFS_DDA_DRIVER);
		if (err) {
			if (report)
				fprintf(report,
					"%s: cannot set its driver_override: %s\n",
					d->dev.address, strerror(-err));
			if (!ret)
				ret = err;
			continue;
		}
		marked[i] = true;
		result->marked++;
		result->pending++;
		report_selector(report, d, s, "driver_override set to dda");
	}

	/*
	 * Looked at after marking: a dda.ko registering its driver since binds
	 * what we marked; one registered before needs to be asked.
	 */
	result->dda_loaded = sysfs_pci_dda_loaded(root);
	for (i = 0; result->dda_loaded && i < count; i++) {
		if (!marked[i])
			continue;
		snprintf(path, sizeof(path), "%s/bus/pci/drivers_probe", root);
		err = attr_write(path, devs[i].dev.address);
		link_name(root, devs[i].dev.address, "driver", driver,
			  sizeof(driver));
		if (!strcmp(driver, SYSFS_DDA_DRIVER)) {
			result->pending--;
			if (report)
				fprintf(report, "%s: quarantined\n",
					devs[i].dev.address);
		} else if (report) {
			fprintf(report,
				"%s: dda.ko did not take it%s%s (see the kernel log)\n",
				devs[i].dev.address, err ? ": " : "",
				err ? strerror(-err) : "");
		}
	}

	close(lock);
	free(marked);
	free(devs);
	return ret;
}
