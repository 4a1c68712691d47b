// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Who holds a device through VFIO: the processes with its VFIO group
 * (/dev/vfio/N) or its VFIO device (/dev/vfio/devices/vfioN) open. This is
 * whom a reclaim waits for, named from /proc, since the kernel keeps no
 * owner. Without root, only the caller's own processes can be seen.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* The last path component of the link at fmt..., or "". */
static void link_name(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void link_name(char *out, size_t size, const char *fmt, ...)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *slash;
	va_list ap;
	ssize_t n;

	out[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	slash = strrchr(target, '/');
	slash = slash ? slash + 1 : target;
	if (strlen(slash) < size)
		memcpy(out, slash, strlen(slash) + 1);
}

/* The VFIO nodes of the device at address, as /proc/PID/fd links show them. */
struct vfio_nodes {
	char group[PATH_MAX];	/* "/dev/vfio/N", or "" */
	char device[PATH_MAX];	/* "/dev/vfio/devices/vfioN", or "" */
};

static void vfio_nodes(const char *sysfs, const char *address,
		       struct vfio_nodes *nodes)
{
	char name[NAME_MAX + 1];
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	link_name(name, sizeof(name), "%s/bus/pci/devices/%s/iommu_group",
		  sysfs, address);
	snprintf(nodes->group, sizeof(nodes->group), "%s%s",
		 name[0] ? "/dev/vfio/" : "", name);
	nodes->device[0] = '\0';
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/vfio-dev", sysfs,
		 address);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "vfio", 4))
			snprintf(nodes->device, sizeof(nodes->device),
				 "/dev/vfio/devices/%s", d->d_name);
	closedir(dir);
}

/* Has process pid one of nodes open? Which one goes to file. */
static bool holds(const char *proc, const char *pid,
		  const struct vfio_nodes *nodes, char *file, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	bool found = false;
	struct dirent *d;
	ssize_t n;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%s/fd", proc, pid);
	dir = opendir(path);
	if (!dir)
		return false;	/* gone, or not ours to see */
	while (!found && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/fd/%s", proc, pid,
			 d->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = (nodes->group[0] && !strcmp(target, nodes->group)) ||
			(nodes->device[0] && !strcmp(target, nodes->device));
		if (found)
			snprintf(file, size, "%.63s", target);
	}
	closedir(dir);
	return found;
}

static void command_of(const char *proc, const char *pid, char *out,
		       size_t size)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(out, size, "?");
	snprintf(path, sizeof(path), "%s/%s/comm", proc, pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(out, (int)size, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

int dda_vfio_users_at(const struct dda_roots *roots, const char *canonical,
		      struct dda_vfio_user **out, size_t *count)
{
	const char *proc = roots->proc;
	char file[64];
	struct dda_vfio_user *users = NULL, *grown;
	struct vfio_nodes nodes;
	size_t n = 0, size = 0;
	struct dirent *d;
	char *end;
	DIR *dir;

	*out = NULL;
	*count = 0;
	vfio_nodes(roots->sys, canonical, &nodes);
	if (!nodes.group[0] && !nodes.device[0])
		return 0;
	dir = opendir(proc);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0 ||
		    !holds(proc, d->d_name, &nodes, file, sizeof(file)))
			continue;
		if (n == size) {
			size = size ? 2 * size : 4;
			grown = reallocarray(users, size, sizeof(*users));
			if (!grown) {
				free(users);
				closedir(dir);
				return -ENOMEM;
			}
			users = grown;
		}
		users[n].pid = (int)pid;
		memcpy(users[n].file, file, sizeof(file));
		command_of(proc, d->d_name, users[n].command,
			   sizeof(users[n].command));
		n++;
	}
	closedir(dir);
	*out = users;
	*count = n;
	return 0;
}

int dda_vfio_held_by_at(const struct dda_roots *roots, const char *canonical,
			int pid)
{
	struct vfio_nodes nodes;
	char name[16], path[PATH_MAX], file[64];

	snprintf(name, sizeof(name), "%d", pid);
	snprintf(path, sizeof(path), "%s/%s", roots->proc, name);
	if (pid <= 0 || access(path, F_OK))
		return -ESRCH;
	vfio_nodes(roots->sys, canonical, &nodes);
	if (!nodes.group[0] && !nodes.device[0])
		return 0;
	return holds(roots->proc, name, &nodes, file, sizeof(file));
}

int dda_vfio_held_by(const char *address, int pid)
{
	char canonical[DDA_ADDRESS_LEN + 1];
	int err;

	err = dda_address_parse(address, canonical);
	if (err)
		return err;
	return dda_vfio_held_by_at(&dda_host_roots, canonical, pid);
}

int dda_vfio_users(const char *address, struct dda_vfio_user **out,
		   size_t *count)
{
	char canonical[DDA_ADDRESS_LEN + 1];
	int err;

	*out = NULL;
	*count = 0;
	err = dda_address_parse(address, canonical);
	if (err)
		return err;
	return dda_vfio_users_at(&dda_host_roots, canonical, out, count);
}
