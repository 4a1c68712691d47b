// SPDX-License-Identifier: GPL-2.0-only
/*
 * dda_vfio_users_at(): the processes holding a device's VFIO group or VFIO
 * device, found in a made-up sysfs and proc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "unit.h"

static char root[] = "/tmp/dda-vfio-users-XXXXXX";

static void path(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", root, rel);
}

static void mkdirs(const char *rel)
{
	char p[512], *s;

	path(p, sizeof(p), rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void link_to(const char *target, const char *rel)
{
	char p[512];

	path(p, sizeof(p), rel);
	if (symlink(target, p))
		perror(p);
}

static void write_file(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	path(p, sizeof(p), rel);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A process pid with comm and the fds links point at. */
static void process(const char *pid, const char *comm, const char *const *fds)
{
	char rel[256];
	int i;

	snprintf(rel, sizeof(rel), "proc/%s/fd", pid);
	mkdirs(rel);
	snprintf(rel, sizeof(rel), "proc/%s/comm", pid);
	write_file(rel, comm);
	for (i = 0; fds[i]; i++) {
		snprintf(rel, sizeof(rel), "proc/%s/fd/%d", pid, i);
		link_to(fds[i], rel);
	}
}

static int by_pid(const void *a, const void *b)
{
	return ((const struct dda_vfio_user *)a)->pid -
	       ((const struct dda_vfio_user *)b)->pid;
}

int main(void)
{
	struct dda_vfio_user *users;
	char sysfs[512], proc[512];
	struct dda_roots roots = { .sys = sysfs, .proc = proc };
	size_t n;
	int err;

	if (!mkdtemp(root))
		return 1;
	path(sysfs, sizeof(sysfs), "sys");
	path(proc, sizeof(proc), "proc");
	mkdirs("sys/bus/pci/devices/0000:00:03.0");
	mkdirs("sys/bus/pci/devices/0000:00:04.0/vfio-dev/vfio2");
	mkdirs("sys/bus/pci/devices/0000:00:05.0");
	link_to("../../../../kernel/iommu_groups/7",
		"sys/bus/pci/devices/0000:00:03.0/iommu_group");
	link_to("../../../../kernel/iommu_groups/8",
		"sys/bus/pci/devices/0000:00:04.0/iommu_group");
	process("123", "qemu-system-x86\n",
		(const char *const[]){ "/dev/null", "/dev/vfio/vfio",
				       "/dev/vfio/7", NULL });
	process("456", "other\n",
		(const char *const[]){ "/dev/vfio/17", "/dev/vfio/70",
				       "socket:[1]", NULL });
	process("789", "cdev-user\n",
		(const char *const[]){ "/dev/vfio/devices/vfio2", NULL });
	process("1000", "both\n",
		(const char *const[]){ "/dev/vfio/7", "/dev/vfio/8", NULL });
	mkdirs("proc/self");
	write_file("proc/uptime", "1.0 1.0\n");

	err = dda_vfio_users_at(&roots, "0000:00:03.0", &users, &n);
	is_int(err, 0, "group 7: found");
	if (is_int((int)n, 2, "group 7: two users, not group 17 or 70")) {
		qsort(users, n, sizeof(*users), by_pid);
		is_int(users[0].pid, 123, "the first is pid 123");
		is_str(users[0].command, "qemu-system-x86", "named by its comm");
		is_str(users[0].file, "/dev/vfio/7", "with the file it holds");
		is_int(users[1].pid, 1000, "the second is pid 1000");
	}
	free(users);

	err = dda_vfio_users_at(&roots, "0000:00:04.0", &users, &n);
	is_int(err, 0, "group 8 and vfio2: found");
	if (is_int((int)n, 2, "the group's user and the cdev's user")) {
		qsort(users, n, sizeof(*users), by_pid);
		is_int(users[0].pid, 789, "the cdev user, pid 789");
		is_str(users[0].command, "cdev-user", "named");
		is_str(users[0].file, "/dev/vfio/devices/vfio2", "the cdev");
		is_int(users[1].pid, 1000, "the group user, pid 1000");
	}
	free(users);

	err = dda_vfio_users_at(&roots, "0000:00:05.0", &users, &n);
	is_int(err, 0, "a device without a group: no error");
	is_int((int)n, 0, "and no users");
	ok(users == NULL, "nothing to free");

	is_int(dda_vfio_held_by_at(&roots, "0000:00:03.0", 123), 1,
	       "pid 123 holds group 7");
	is_int(dda_vfio_held_by_at(&roots, "0000:00:03.0", 456), 0,
	       "pid 456 holds groups 17 and 70, not 7");
	is_int(dda_vfio_held_by_at(&roots, "0000:00:04.0", 789), 1,
	       "pid 789 holds the cdev");
	is_int(dda_vfio_held_by_at(&roots, "0000:00:03.0", 4321), -ESRCH,
	       "no pid 4321");
	is_int(dda_vfio_held_by("nonsense", 1), -EINVAL,
	       "held_by: a bad address is refused");

	err = dda_vfio_users("nonsense", &users, &n);
	is_int(err, -EINVAL, "a bad address is refused");

	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd))
			fprintf(stderr, "cannot remove %s\n", root);
	}
	return unit_done();
}
