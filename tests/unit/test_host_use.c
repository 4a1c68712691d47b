// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the host uses of a PCI device (lib/host_use.c), on trees of plain
 * files shaped as /sys and /proc: mountinfo and swaps parsed, block devices
 * found below a PCI device (and an NVMe multipath head, which is not),
 * their holders, vfio-pci bound by another than dda and who holds its
 * group, and with group every member of the IOMMU group checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "unit.h"

static char root[] = "/tmp/dda-test-host-use.XXXXXX";
static char sys[256], proc[256];

/* Every directory on the way to path, under root. */
static void dirs(const char *path)
{
	char full[512], *p;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	for (p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	mkdir(full, 0755);
}

static void put(const char *path, const char *text)
{
	char full[512], dir[512], *slash;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		dirs(dir);
	}
	snprintf(full, sizeof(full), "%s/%s", root, path);
	f = fopen(full, "w");
	if (!f) {
		printf("# cannot write %s: %s\n", full, strerror(errno));
		return;
	}
	fputs(text, f);
	fclose(f);
}

/* path -> target; a target beginning with '@' is under root. */
static void link_to(const char *target, const char *path)
{
	char full[512], to[512], dir[512], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		dirs(dir);
	}
	snprintf(full, sizeof(full), "%s/%s", root, path);
	if (target[0] == '@')
		snprintf(to, sizeof(to), "%s/%s", root, target + 1);
	else
		snprintf(to, sizeof(to), "%s", target);
	if (symlink(to, full))
		printf("# cannot link %s: %s\n", full, strerror(errno));
}

#define PCI	"sys/devices/pci0000:00/0000:00:02.0"
#define NVME	PCI "/0000:01:00.0/nvme/nvme0/nvme0n1"
#define SDA	PCI "/0000:01:00.1/host0/target0:0:0/0:0:0:0/block/sda"
#define SDB	PCI "/0000:02:00.0/host1/target1:0:0/1:0:0:0/block/sdb"
#define SUBSYS	"sys/devices/virtual/nvme-subsystem/nvme-subsys1"

/* A block device at dir (under root), in class/block, with dev. */
static void block(const char *dir, const char *name, const char *dev)
{
	char path[512], target[512];

	snprintf(path, sizeof(path), "%s/dev", dir);
	put(path, dev);
	snprintf(path, sizeof(path), "%s/holders", dir);
	dirs(path);
	snprintf(path, sizeof(path), "sys/class/block/%s", name);
	snprintf(target, sizeof(target), "@%s", dir);
	link_to(target, path);
}

static void pci(const char *address, const char *dir, const char *group)
{
	char path[512], target[512];

	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s", address);
	snprintf(target, sizeof(target), "@%s", dir);
	link_to(target, path);
	dirs(dir);
	if (!group)
		return;
	snprintf(path, sizeof(path), "%s/iommu_group", dir);
	snprintf(target, sizeof(target), "@sys/kernel/iommu_groups/%s", group);
	link_to(target, path);
	snprintf(path, sizeof(path), "sys/kernel/iommu_groups/%s/devices/%s",
		 group, address);
	snprintf(target, sizeof(target), "@%s", dir);
	link_to(target, path);
}

static void fixture(void)
{
	/* 0000:01:00.0, an NVMe disk: p1 mounted, p2 swap, p3 under dm-0. */
	pci("0000:01:00.0", PCI "/0000:01:00.0", "7");
	block(NVME, "nvme0n1", "259:0\n");
	block(NVME "/nvme0n1p1", "nvme0n1p1", "259:1\n");
	put(NVME "/nvme0n1p1/partition", "1\n");
	block(NVME "/nvme0n1p2", "nvme0n1p2", "259:2\n");
	put(NVME "/nvme0n1p2/partition", "2\n");
	block(NVME "/nvme0n1p3", "nvme0n1p3", "259:3\n");
	put(NVME "/nvme0n1p3/partition", "3\n");
	block("sys/devices/virtual/block/dm-0", "dm-0", "253:0\n");
	put("sys/devices/virtual/block/dm-0/dm/name", "vg-data\n");
	link_to("@sys/devices/virtual/block/dm-0",
		NVME "/nvme0n1p3/holders/dm-0");
	/* 0000:01:00.1, of its group: sda mounted on /srv. */
	pci("0000:01:00.1", PCI "/0000:01:00.1", "7");
	block(SDA, "sda", "8:0\n");
	/* 0000:02:00.0, another group: sdb mounted on /home. */
	pci("0000:02:00.0", PCI "/0000:02:00.0", "8");
	block(SDB, "sdb", "8:16\n");
	/* 0000:03:00.0, NVMe multipath: the head is virtual, the path hidden. */
	pci("0000:03:00.0", PCI "/0000:03:00.0", "9");
	dirs(PCI "/0000:03:00.0/nvme/nvme1/nvme1c1n1");
	link_to("@" PCI "/0000:03:00.0/nvme/nvme1/nvme1c1n1",
		"sys/class/block/nvme1c1n1");
	link_to("@" PCI "/0000:03:00.0/nvme/nvme1", SUBSYS "/nvme1");
	block(SUBSYS "/nvme1n1", "nvme1n1", "259:10\n");
	/*
	 * 0000:04:00.0, vfio-pci's, group 10 held by a VMM; 05:00.0 handed
	 * over by dda; 06:00.0 vfio-pci's, its cdev (iommufd) held.
	 */
	pci("0000:04:00.0", PCI "/0000:04:00.0", "10");
	pci("0000:05:00.0", PCI "/0000:05:00.0", "11");
	pci("0000:06:00.0", PCI "/0000:06:00.0", "12");
	dirs(PCI "/0000:06:00.0/vfio-dev/vfio3");

	put("proc/self/mountinfo",
	    "21 1 0:19 / /sys rw,nosuid - sysfs sysfs rw\n"
	    "30 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n"
	    "31 30 8:0 / /srv rw - xfs /dev/sda rw\n"
	    "32 30 8:16 / /home rw - xfs /dev/sdb rw\n"
	    "33 30 259:1 /var /var rw - ext4 /dev/nvme0n1p1 rw\n");
	put("proc/1/mountinfo",
	    "30 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n"
	    "40 30 0:45 / /mnt/with\\040space rw - btrfs /dev/nvme1n1 rw\n");
	put("proc/swaps",
	    "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
	    "/dev/nvme0n1p2                          partition\t1048572\t\t0\t\t-2\n"
	    "/swap\\040file                           file\t\t1024\t\t0\t\t-3\n");
	link_to("/dev/vfio/10", "proc/4242/fd/7");
	link_to("/dev/null", "proc/4242/fd/0");
	put("proc/4242/comm", "qemu-kvm\n");
	link_to("/dev/vfio/11", "proc/4243/fd/3");
	put("proc/4243/comm", "other\n");
	link_to("/dev/vfio/devices/vfio3", "proc/4244/fd/9");
	link_to("/dev/vfio/devices/vfio2", "proc/4245/fd/9");
	/* A comm has 15 characters at most: cloud-hypervisor's is cut. */
	put("proc/4244/comm", "cloud-hyperviso\n");
	dirs("proc/4246");	/* no fd/: gone, or not ours to look at */
}

static void test_mountinfo(void)
{
	char path[512], point[256];

	snprintf(path, sizeof(path), "%s/self/mountinfo", proc);
	is_int(dda_mount_point(path, "nvme0n1p1", makedev(259, 1), point,
			       sizeof(point)), 1, "nvme0n1p1 is mounted");
	is_str(point, "/", "on /, its first mount");
	is_int(dda_mount_point(path, "sda", makedev(8, 0), point,
			       sizeof(point)), 1, "sda is mounted");
	is_str(point, "/srv", "on /srv");
	is_int(dda_mount_point(path, "nvme0n1p2", makedev(259, 2), point,
			       sizeof(point)), 0, "nvme0n1p2 is not");
	is_int(dda_mount_point(path, "sysfs", makedev(0, 19), point,
			       sizeof(point)), 1, "a pseudo filesystem by its dev");
	snprintf(path, sizeof(path), "%s/1/mountinfo", proc);
	is_int(dda_mount_point(path, "nvme1n1", makedev(259, 10), point,
			       sizeof(point)), 1,
	       "btrfs: an anonymous dev, found by its source /dev/nvme1n1");
	is_str(point, "/mnt/with space", "its mount point unescaped");
	snprintf(path, sizeof(path), "%s/nonexistent/mountinfo", proc);
	is_int(dda_mount_point(path, "sda", makedev(8, 0), point,
			       sizeof(point)), -ENOENT, "no file: -ENOENT");
}

static void test_swaps(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/swaps", proc);
	is_int(dda_swap_active(path, "nvme0n1p2", makedev(259, 2)), 1,
	       "nvme0n1p2 is swap");
	is_int(dda_swap_active(path, "nvme0n1p1", makedev(259, 1)), 0,
	       "nvme0n1p1 is not");
	is_int(dda_swap_active(path, "Filename", makedev(1, 1)), 0,
	       "the header line is no swap area");
	snprintf(path, sizeof(path), "%s/nonexistent", proc);
	is_int(dda_swap_active(path, "sda", makedev(8, 0)), -ENOENT,
	       "no file: -ENOENT");
}

static const struct dda_roots *roots(void)
{
	static struct dda_roots r;

	r = (struct dda_roots){ .sys = sys, .proc = proc };
	return &r;
}

static void test_block_uses(void)
{
	char text[DDA_ERROR_SIZE] = "";

	is_int(dda_block_uses(roots(), "0000:01:00.0", text, sizeof(text)), 3,
	       "three uses of the NVMe disk");
	is_str(text, "nvme0n1p1 is mounted on /; nvme0n1p2 is active swap; nvme0n1p3 is held by dm-0 (vg-data)",
	       "each named, in the order of their names");
	ok(strstr(text, "nvme0n1p1 is mounted on /") != NULL, "p1 is mounted on /");
	ok(strstr(text, "nvme0n1p2 is active swap") != NULL, "p2 is swap");
	ok(strstr(text, "nvme0n1p3 is held by dm-0 (vg-data)") != NULL,
	   "p3 is held by dm-0, named");
	ok(!strstr(text, "sda") && !strstr(text, "sdb"),
	   "nothing of the other devices");
	ok(!strstr(text, "nvme0n1 "), "nothing of the whole disk, unused");

	text[0] = '\0';
	is_int(dda_block_uses(roots(), "0000:03:00.0", text, sizeof(text)), 1,
	       "the multipath head, virtual, is on its controller's device");
	is_str(text, "nvme1n1 is mounted on /mnt/with space",
	       "mounted in init's namespace only");

	text[0] = '\0';
	is_int(dda_block_uses(roots(), "0000:05:00.0", text, sizeof(text)), 0,
	       "no block device: nothing");
	is_str(text, "", "and nothing said");
	is_int(dda_block_uses(roots(), "0000:09:00.0", text, sizeof(text)),
	       -ENOENT, "no such PCI device: -ENOENT");

	/* A short buffer ends in "..." and stays a string. */
	{
		char small[24] = "";

		dda_block_uses(roots(), "0000:01:00.0", small, sizeof(small));
		is_int(strlen(small), sizeof(small) - 1, "a short buffer is filled");
		is_str(small + sizeof(small) - 4, "...", "and ends in ...");
	}
}

/* What dda.ko says, for the fake get: the fixture's devices. */
static struct dda_device kernel[] = {
	{ .address = "0000:01:00.0", .driver = "nvme", .iommu_group = 7,
	  .state = DDA_STATE_HOST, .class_code = 0x010802 },
	{ .address = "0000:01:00.1", .driver = "ahci", .iommu_group = 7,
	  .state = DDA_STATE_HOST, .class_code = 0x010601 },
	{ .address = "0000:02:00.0", .driver = "ahci", .iommu_group = 8,
	  .state = DDA_STATE_HOST, .class_code = 0x010601 },
	{ .address = "0000:03:00.0", .driver = "nvme", .iommu_group = 9,
	  .state = DDA_STATE_HOST, .class_code = 0x010802 },
	{ .address = "0000:04:00.0", .driver = "vfio-pci", .iommu_group = 10,
	  .state = DDA_STATE_HOST, .class_code = 0x020000 },
	{ .address = "0000:05:00.0", .driver = "vfio-pci", .iommu_group = 11,
	  .state = DDA_STATE_ASSIGNED, .class_code = 0x020000 },
	{ .address = "0000:06:00.0", .driver = "vfio-pci", .iommu_group = 12,
	  .state = DDA_STATE_HOST, .class_code = 0x020000 },
};

static unsigned int gets;

static int fake_get(void *ctx, const char *address, struct dda_device *out)
{
	size_t i;

	(void)ctx;
	gets++;
	for (i = 0; i < ARRAY_SIZE(kernel); i++) {
		if (!strcmp(kernel[i].address, address)) {
			*out = kernel[i];
			return 0;
		}
	}
	return -ENODEV;
}

static void test_host_use(void)
{
	char text[DDA_ERROR_SIZE];

	gets = 0;
	is_int(dda_host_use(roots(), "0000:01:00.0", false, fake_get, NULL,
			    text, sizeof(text)), 3,
	       "alone: the three uses of its own disk");
	ok(!strstr(text, "sda"), "not its group's");
	is_int(gets, 1, "dda.ko asked of it alone");

	gets = 0;
	is_int(dda_host_use(roots(), "0000:01:00.0", true, fake_get, NULL,
			    text, sizeof(text)), 4,
	       "with group: the uses of every member");
	printf("# %s\n", text);
	ok(strstr(text, "; 0000:01:00.1, of its IOMMU group: sda is mounted on /srv") != NULL,
	   "the member's use after its address");
	ok(!strstr(text, "sdb"), "nothing of another group");
	is_int(gets, 2, "dda.ko asked of each member");

	kernel[1].state = DDA_STATE_QUARANTINED;
	is_int(dda_host_use(roots(), "0000:01:00.0", true, fake_get, NULL,
			    text, sizeof(text)), 3,
	       "a member that is not with the host is dda.ko's to answer for");
	kernel[1].state = DDA_STATE_HOST;

	is_int(dda_host_use(roots(), "0000:04:00.0", false, fake_get, NULL,
			    text, sizeof(text)), 1,
	       "vfio-pci, with the host: another VMM's");
	is_str(text, "bound to vfio-pci, which dda did not hand over (another VMM's); /dev/vfio/10 is open in pid 4242 (qemu-kvm)",
	       "named, and who has its group open");
	is_int(dda_host_use(roots(), "0000:06:00.0", false, fake_get, NULL,
			    text, sizeof(text)), 1,
	       "vfio-pci, its device file (iommufd) open");
	is_str(text, "bound to vfio-pci, which dda did not hand over (another VMM's); /dev/vfio/devices/vfio3 is open in pid 4244 (cloud-hyperviso)",
	       "named, and who has its device file open");
	kernel[5].iommu_group = -1;
	is_int(dda_host_use(roots(), "0000:06:00.0", false, fake_get, NULL,
			    text, sizeof(text)), 1,
	       "vfio-pci without an IOMMU group (noiommu): still refused");
	kernel[5].iommu_group = 12;
	is_int(dda_host_use(roots(), "0000:05:00.0", false, fake_get, NULL,
			    text, sizeof(text)), 0,
	       "vfio-pci that dda handed over (assigned): not the host's");
	is_str(text, "", "nothing said");
	is_int(dda_host_use(roots(), "0000:09:00.0", true, fake_get, NULL,
			    text, sizeof(text)), -ENODEV,
	       "no such device: get's -ENODEV");
}

int main(void)
{
	if (!mkdtemp(root)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return unit_done();
	}
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	fixture();
	test_mountinfo();
	test_swaps();
	test_block_uses();
	test_host_use();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd))
			printf("# cannot remove %s\n", root);
	}
	return unit_done();
}
