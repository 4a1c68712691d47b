// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI devices as sysfs shows them, read and written as plain files: the
 * few attributes the policy needs, under a root that tests replace.
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

/* An attribute in base, at most max, into *value. */
static int attr_number(const char *root, const char *address,
		       const char *name, int base, unsigned long max,
		       unsigned long *value)
{
	unsigned long v;
	char buf[32], *end;
	int err;

	err = attr_read(root, address, name, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	v = strtoul(buf, &end, base);
	if (errno || end == buf || *end || v > max)
		return -EINVAL;
	*value = v;
	return 0;
}

/* An attribute in hex, "0x8086", into *value. */
static int attr_hex(const char *root, const char *address, const char *name,
		    unsigned long max, uint32_t *value)
{
	unsigned long v;
	int err = attr_number(root, address, name, 16, max, &v);

	if (!err)
		*value = v;
	return err;
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
	sysfs_pci_physfn(root, address, d->dev.physfn);

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

/* Writes text into the attribute name of the device at address. */
static int attr_set(const char *root, const char *address, const char *name,
		    const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/%s", root,
		 address, name);
	return attr_write(path, text);
}

int sysfs_pci_lock(const char *root)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	return fd;
}

int sysfs_pci_set_override(const char *root, const char *address,
			   const char *driver)
{
	return attr_set(root, address, "driver_override", driver);
}

int sysfs_pci_probe(const char *root, const char *address)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/bus/pci/drivers_probe", root);
	return attr_write(path, address);
}

void sysfs_pci_driver(const char *root, const char *address, char *buf,
		      size_t size)
{
	link_name(root, address, "driver", buf, size);
}

void sysfs_pci_physfn(const char *root, const char *address,
		      char out[DDA_ADDRESS_LEN + 1])
{
	char name[DDA_ADDRESS_LEN + 2];

	link_name(root, address, "physfn", name, sizeof(name));
	if (dda_address_parse(name, out) || strcmp(name, out))
		out[0] = '\0';
}

/* An attribute in decimal, "8", into *value. */
static int attr_uint(const char *root, const char *address, const char *name,
		     unsigned int *value)
{
	unsigned long v;
	int err = attr_number(root, address, name, 10, UINT_MAX, &v);

	if (!err)
		*value = v;
	return err;
}

int sysfs_pci_sriov_read(const char *root, const char *address,
			 struct sysfs_pci_sriov *out)
{
	unsigned int autoprobe;
	int err;

	err = attr_uint(root, address, "sriov_totalvfs", &out->total);
	if (err == -ENOENT)
		return -EOPNOTSUPP;
	if (!err)
		err = attr_uint(root, address, "sriov_numvfs", &out->num);
	if (!err)
		err = attr_uint(root, address, "sriov_drivers_autoprobe",
				&autoprobe);
	if (err)
		return err;
	out->autoprobe = autoprobe;
	return 0;
}

int sysfs_pci_virtfn(const char *root, const char *address, unsigned int n,
		     char out[DDA_ADDRESS_LEN + 1])
{
	char name[32], vf[DDA_ADDRESS_LEN + 2];

	snprintf(name, sizeof(name), "virtfn%u", n);
	link_name(root, address, name, vf, sizeof(vf));
	if (!*vf)
		return -ENOENT;
	if (dda_address_parse(vf, out) || strcmp(vf, out))
		return -EINVAL;
	return 0;
}

int sysfs_pci_set_autoprobe(const char *root, const char *address, bool on)
{
	return attr_set(root, address, "sriov_drivers_autoprobe",
			on ? "1" : "0");
}

int sysfs_pci_set_numvfs(const char *root, const char *address,
			 unsigned int n)
{
	char text[16];

	snprintf(text, sizeof(text), "%u", n);
	return attr_set(root, address, "sriov_numvfs", text);
}
