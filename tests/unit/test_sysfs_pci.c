// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI devices read from sysfs and the policy applied to them
 * (daemon/ddactl/sysfs_pci.c), on a tree of plain files shaped as sysfs:
 * which devices get driver_override "dda", which are left alone, and when
 * dda.ko is asked to probe them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "print.h"
#include "sysfs_pci.h"
#include "unit.h"
#include "util.h"

static char root[] = "/tmp/dda-test-sysfs.XXXXXX";

static void put(const char *path, const char *text)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	f = fopen(full, "w");
	if (!f) {
		printf("# cannot write %s: %s\n", full, strerror(errno));
		return;
	}
	fputs(text, f);
	fclose(f);
}

static void dir(const char *path)
{
	char full[512];

	snprintf(full, sizeof(full), "%s/%s", root, path);
	mkdir(full, 0755);
}

static void link_to(const char *target, const char *path)
{
	char full[512];

	snprintf(full, sizeof(full), "%s/%s", root, path);
	if (symlink(target, full))
		printf("# cannot link %s: %s\n", full, strerror(errno));
}

/* The report, as comments. */
static void show(const char *log)
{
	const char *p = log, *end;

	while (p && *p) {
		end = strchr(p, '\n');
		printf("# %.*s\n", end ? (int)(end - p) : (int)strlen(p), p);
		p = end ? end + 1 : NULL;
	}
}

static const char *get(const char *path)
{
	static char buf[256];
	char full[512];
	size_t n;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	f = fopen(full, "r");
	if (!f)
		return "(missing)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A device as sysfs has it; driver NULL for none, override NULL too. */
static void device(const char *address, const char *vendor,
		   const char *dev, const char *class_code,
		   const char *driver, const char *override)
{
	char path[256], text[64];

	snprintf(path, sizeof(path), "bus/pci/devices/%s", address);
	dir(path);
#define ATTR(name, value) do { \
		snprintf(path, sizeof(path), "bus/pci/devices/%s/%s", \
			 address, name); \
		snprintf(text, sizeof(text), "%s\n", value); \
		put(path, text); \
	} while (0)
	ATTR("vendor", vendor);
	ATTR("device", dev);
	ATTR("subsystem_vendor", "0x1af4");
	ATTR("subsystem_device", "0x1100");
	ATTR("class", class_code);
	ATTR("driver_override", override ? override : "(null)");
#undef ATTR
	if (driver) {
		snprintf(text, sizeof(text), "../../../../bus/pci/drivers/%s",
			 driver);
		snprintf(path, sizeof(path), "bus/pci/devices/%s/driver",
			 address);
		link_to(text, path);
	}
	snprintf(path, sizeof(path), "bus/pci/devices/%s/iommu_group",
		 address);
	link_to("../../../../kernel/iommu_groups/7", path);
}

static const char *override_of(const char *address)
{
	char path[256];

	snprintf(path, sizeof(path), "bus/pci/devices/%s/driver_override",
		 address);
	return get(path);
}

static void listing(void)
{
	struct sysfs_pci_device *devs;
	size_t count;

	is_int(sysfs_pci_list(root, &devs, &count), 0, "sysfs_pci_list()");
	if (!is_int(count, 8, "every device, nothing else"))
		return;
	is_str(devs[0].dev.address, "0000:00:00.0", "in address order");
	is_str(devs[7].dev.address, "0000:03:00.0", "to the last");
	is_str(devs[5].dev.address, "0000:01:00.0", "an e1000e");
	is_int(devs[5].dev.vendor, 0x8086, "its vendor");
	is_int(devs[5].dev.device, 0x10d3, "device");
	is_int(devs[5].dev.subsys_vendor, 0x1af4, "subsystem vendor");
	is_int(devs[5].dev.subsys_device, 0x1100, "subsystem device");
	is_int(devs[5].dev.class_code, 0x020000, "class");
	is_str(devs[5].dev.driver, "", "no driver");
	is_str(devs[5].driver_override, "", "no driver_override: (null)");
	is_int(devs[5].dev.iommu_group, 7, "its IOMMU group");
	is_int(devs[5].dev.state, DDA_STATE_HOST, "state host");
	is_str(devs[6].dev.driver, "e1000e", "a driver");
	is_str(devs[7].driver_override, "vfio-pci", "a driver_override");
	ok(devs[2].boot_vga, "the boot VGA device");
	ok(!devs[5].boot_vga, "and only it");
	free(devs);
}

/*
 * An SR-IOV physical function 0000:3b:00.0 with two virtual functions, as
 * sysfs links them (virtfnN, physfn), and one device that has no SR-IOV.
 */
static void sriov(void)
{
	char vf[DDA_ADDRESS_LEN + 1] = "x", pf[DDA_ADDRESS_LEN + 1] = "x";
	struct sysfs_pci_sriov sr = { 0 };
	struct policy policy = { 0 };
	char error[POLICY_ERROR_SIZE];
	struct sysfs_pci_device *devs;
	struct policy_apply r;
	size_t count, i, vfs = 0;

	device("0000:3b:00.0", "0x8086", "0x10fb", "0x020000", "ixgbe", NULL);
	put("bus/pci/devices/0000:3b:00.0/sriov_totalvfs", "63\n");
	put("bus/pci/devices/0000:3b:00.0/sriov_numvfs", "2\n");
	put("bus/pci/devices/0000:3b:00.0/sriov_drivers_autoprobe", "1\n");
	device("0000:3b:10.0", "0x8086", "0x10ed", "0x020000", NULL, NULL);
	device("0000:3b:10.2", "0x8086", "0x10ed", "0x020000", NULL, NULL);
	link_to("../0000:3b:10.0", "bus/pci/devices/0000:3b:00.0/virtfn0");
	link_to("../0000:3b:10.2", "bus/pci/devices/0000:3b:00.0/virtfn1");
	link_to("../0000:3b:00.0", "bus/pci/devices/0000:3b:10.0/physfn");
	link_to("../0000:3b:00.0", "bus/pci/devices/0000:3b:10.2/physfn");

	is_int(sysfs_pci_sriov_read(root, "0000:3b:00.0", &sr), 0,
	       "sysfs_pci_sriov_read() of a PF");
	is_int(sr.total, 63, "its sriov_totalvfs");
	is_int(sr.num, 2, "its sriov_numvfs");
	ok(sr.autoprobe, "its sriov_drivers_autoprobe");
	is_int(sysfs_pci_sriov_read(root, "0000:01:00.0", &sr), -EOPNOTSUPP,
	       "a device without SR-IOV: -EOPNOTSUPP");
	put("bus/pci/devices/0000:3b:00.0/sriov_numvfs", "two\n");
	is_int(sysfs_pci_sriov_read(root, "0000:3b:00.0", &sr), -EINVAL,
	       "an sriov_numvfs that is no number: -EINVAL");
	put("bus/pci/devices/0000:3b:00.0/sriov_numvfs", "2\n");

	is_int(sysfs_pci_virtfn(root, "0000:3b:00.0", 1, vf), 0,
	       "sysfs_pci_virtfn() 1");
	is_str(vf, "0000:3b:10.2", "its address, from the virtfn1 link");
	is_int(sysfs_pci_virtfn(root, "0000:3b:00.0", 2, vf), -ENOENT,
	       "no virtfn2: -ENOENT");
	sysfs_pci_physfn(root, "0000:3b:10.0", pf);
	is_str(pf, "0000:3b:00.0", "sysfs_pci_physfn() of a VF");
	sysfs_pci_physfn(root, "0000:3b:00.0", pf);
	is_str(pf, "", "of a PF: none");

	is_int(sysfs_pci_set_autoprobe(root, "0000:3b:00.0", false), 0,
	       "sysfs_pci_set_autoprobe() off");
	is_str(get("bus/pci/devices/0000:3b:00.0/sriov_drivers_autoprobe"),
	       "0", "writes 0");
	is_int(sysfs_pci_set_numvfs(root, "0000:3b:00.0", 7), 0,
	       "sysfs_pci_set_numvfs() 7");
	is_str(get("bus/pci/devices/0000:3b:00.0/sriov_numvfs"), "7",
	       "writes 7");
	is_int(sysfs_pci_set_numvfs(root, "0000:01:00.0", 1), -ENOENT,
	       "on a device without SR-IOV: -ENOENT");

	is_int(sysfs_pci_list(root, &devs, &count), 0, "list with VFs");
	for (i = 0; i < count; i++) {
		if (!strncmp(devs[i].dev.address, "0000:3b:1", 9))
			vfs += !strcmp(devs[i].dev.physfn, "0000:3b:00.0");
		else if (devs[i].dev.physfn[0])
			ok(0, "%s is no VF", devs[i].dev.address);
	}
	is_int(vfs, 2, "the VFs name their PF, no other device does");
	free(devs);

	is_int(policy_parse(&policy, "v.conf", "vf-of 3b:00.0\n", error), 0,
	       "a vf-of policy");
	put("bus/pci/drivers_probe", "");
	is_int(policy_apply(&policy, root, NULL, false, &r), 0, "applied");
	is_int(r.selected, 2, "selects the two VFs");
	is_str(override_of("0000:3b:10.0"), "dda", "the first is marked");
	is_str(override_of("0000:3b:10.2"), "dda", "the second too");
	is_str(override_of("0000:3b:00.0"), "(null)\n",
	       "the PF is left alone");
	policy_free(&policy);
}

/* A device an administrator mounted by hand: udev's apply leaves it. */
static void mounted_by_hand(void)
{
	char error[POLICY_ERROR_SIZE], mounted[160], *log = NULL;
	struct policy policy = { 0 };
	struct policy_apply r;
	size_t log_size = 0;
	FILE *report;

	snprintf(mounted, sizeof(mounted), "%s/run/mounted", root);
	device("0000:07:00.0", "0x8086", "0x1533", "0x020000", NULL, NULL);
	is_int(policy_parse(&policy, "m.conf", "id 8086:1533\n", error), 0,
	       "a policy selecting the i210");
	is_int(policy_mounted_set(mounted, "0000:07:00.0", true), 0,
	       "remember the i210 as mounted by hand");
	report = open_memstream(&log, &log_size);
	print_start(report, PRINT_FORMAT_TEXT);
	print_open_array(NULL);
	is_int(policy_apply(&policy, root, mounted, true, &r), 0,
	       "udev's apply");
	print_close_array();
	print_end();
	fclose(report);
	show(log);
	is_int(r.mounted, 1, "one selected device was mounted by hand");
	is_int(r.marked, 0, "nothing marked");
	is_str(override_of("0000:07:00.0"), "(null)\n",
	       "the i210 keeps no driver_override");
	ok(log && strstr(log, "0000:07:00.0: mounted by hand: left with the host"),
	   "the report says why");
	free(log);

	is_int(policy_apply(&policy, root, NULL, false, &r), 0,
	       "an apply that does not look at what was mounted");
	is_str(override_of("0000:07:00.0"), "dda", "marks it");
	put("bus/pci/devices/0000:07:00.0/driver_override", "(null)\n");

	is_int(policy_mounted_clear(mounted), 0, "forget every one");
	is_int(policy_apply(&policy, root, mounted, false, &r), 0,
	       "udev's apply again");
	is_int(r.mounted, 0, "none is mounted by hand now");
	is_str(override_of("0000:07:00.0"), "dda", "the i210 is marked");
	is_int(policy_mounted_set(mounted, "0000:07:00.0", false), 0,
	       "forgetting one that is not remembered is fine");
	is_int(policy_mounted_clear("/nonexistent/dda"), 0,
	       "clearing a directory that does not exist is fine");
	policy_free(&policy);
}

/* What policy_apply() says of each step it took, in text and in JSON. */
static const struct {
	enum print_format format;
	const char *want;
} applied[] = {
	{ PRINT_FORMAT_TEXT,
	  "0000:09:00.0: driver_override set to dda (address 0000:09:00.0, p.conf:1)\n"
	  "0000:0a:00.0: mounted by hand: left with the host until the next boot or `ddactl policy apply` (address 0000:0a:00.0, p.conf:2)\n"
	  "0000:09:00.0: dda.ko did not take it (see the kernel log)\n" },
	{ PRINT_FORMAT_JSON_LINE,
	  "[ { \"address\": \"0000:09:00.0\", \"step\": \"marked\", "
	  "\"selector\": \"address 0000:09:00.0\", \"file\": \"p.conf\", "
	  "\"line\": 1 }, "
	  "{ \"address\": \"0000:0a:00.0\", \"step\": \"mounted\", "
	  "\"selector\": \"address 0000:0a:00.0\", \"file\": \"p.conf\", "
	  "\"line\": 2 }, "
	  "{ \"address\": \"0000:09:00.0\", \"step\": \"not_taken\" } ]\n" },
};

static void apply_printed(void)
{
	char error[POLICY_ERROR_SIZE], mounted[160], *log;
	struct policy policy = { 0 };
	struct policy_apply r;
	size_t log_size, i;
	FILE *f;

	snprintf(mounted, sizeof(mounted), "%s/run/mounted", root);
	is_int(policy_parse(&policy, "p.conf",
			    "address 0000:09:00.0\naddress 0000:0a:00.0\n",
			    error), 0, "a policy of two addresses");
	device("0000:09:00.0", "0x1234", "0x11e8", "0x00ff00", NULL, NULL);
	device("0000:0a:00.0", "0x1234", "0x11e8", "0x00ff00", NULL, NULL);
	for (i = 0; i < ARRAY_SIZE(applied); i++) {
		put("bus/pci/devices/0000:09:00.0/driver_override", "(null)\n");
		policy_mounted_set(mounted, "0000:0a:00.0", true);
		log = NULL;
		f = open_memstream(&log, &log_size);
		print_start(f, applied[i].format);
		print_open_array(NULL);
		is_int(policy_apply(&policy, root, mounted, true, &r), 0,
		       "policy_apply(), reported");
		print_close_array();
		is_int(print_end(), 0, "printed");
		fclose(f);
		is_str(log, applied[i].want,
		       "%s: each step, marked, mounted by hand, not taken",
		       applied[i].format ? "JSON" : "text");
		free(log);
	}
	policy_mounted_clear(mounted);
	policy_free(&policy);
}

int main(void)
{
	struct policy policy = { 0 };
	struct policy_apply r;
	char error[POLICY_ERROR_SIZE], *log = NULL, cmd[128];
	size_t log_size = 0;
	FILE *report;

	if (!mkdtemp(root)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return unit_done();
	}
	dir("bus");
	dir("bus/pci");
	dir("bus/pci/devices");
	dir("bus/pci/drivers");
	put("bus/pci/drivers_probe", "");
	put("bus/pci/devices/README", "not a device");
	device("0000:00:00.0", "0x8086", "0x29c0", "0x060000", NULL, NULL);
	device("0000:00:01.0", "0x1b36", "0x000c", "0x060400", "pcieport",
	       NULL);
	device("0000:00:04.0", "0x8086", "0x293e", "0x040300", NULL, NULL);
	device("0000:00:02.0", "0x1234", "0x1111", "0x030000", NULL, NULL);
	put("bus/pci/devices/0000:00:02.0/boot_vga", "1\n");
	device("0000:01:00.0", "0x8086", "0x10d3", "0x020000", NULL, NULL);
	device("0000:02:00.0", "0x8086", "0x10d3", "0x020000", "e1000e",
	       NULL);
	device("0000:03:00.0", "0x8086", "0x10d3", "0x020000", NULL,
	       "vfio-pci");
	device("0000:00:05.0", "0x1234", "0x11e8", "0x00ff00", NULL, NULL);

	listing();

	is_int(policy_parse(&policy, "f.conf",
			    "id 8086:10d3\nclass 0x0403\nclass 0x03\n"
			    "class 0x06\n", error), 0, "a policy");
	report = open_memstream(&log, &log_size);
	print_start(report, PRINT_FORMAT_TEXT);
	print_open_array(NULL);
	is_int(policy_apply(&policy, root, NULL, true, &r), 0, "policy_apply()");
	print_close_array();
	print_end();
	fclose(report);
	show(log);
	is_int(r.selected, 5, "selects the 3 e1000e, the sound card, the VGA");
	is_int(r.marked, 2, "marks 2");
	is_int(r.pending, 2, "which wait for dda.ko");
	ok(!r.dda_loaded, "dda.ko is not loaded");
	is_str(override_of("0000:01:00.0"), "dda",
	       "the e1000e without a driver gets driver_override dda");
	is_str(override_of("0000:00:04.0"), "dda", "so does the sound card");
	is_str(override_of("0000:02:00.0"), "(null)\n",
	       "the one bound to e1000e is left alone");
	is_str(override_of("0000:03:00.0"), "vfio-pci\n",
	       "so is the one promised to vfio-pci");
	is_str(override_of("0000:00:02.0"), "(null)\n",
	       "and the boot VGA device");
	is_str(override_of("0000:00:00.0"), "(null)\n",
	       "class 0x06 selects no bridge");
	is_str(override_of("0000:00:05.0"), "(null)\n",
	       "a device selected by nothing is not touched");
	is_str(get("bus/pci/drivers_probe"), "",
	       "without dda.ko, nothing is probed");
	ok(log && strstr(log, "0000:01:00.0: driver_override set to dda (id 8086:10d3, f.conf:1)\n"),
	   "the report names the device, its selector, file and line");
	ok(log && strstr(log, "0000:00:04.0: driver_override set to dda (class 0x0403, f.conf:2)\n"),
	   "for each device marked");
	ok(log && !strstr(log, "0000:02:00.0"),
	   "and says nothing of those left alone");
	free(log);

	is_int(policy_apply(&policy, root, NULL, false, &r), 0, "applied again");
	is_int(r.marked, 0, "marks nothing more");
	is_int(r.pending, 2, "the 2 still wait for dda.ko");

	/* dda.ko is loaded: what is marked is probed at once. */
	put("bus/pci/devices/0000:01:00.0/driver_override", "(null)\n");
	dir("bus/pci/drivers/dda");
	ok(sysfs_pci_dda_loaded(root), "with dda.ko loaded");
	log = NULL;
	report = open_memstream(&log, &log_size);
	print_start(report, PRINT_FORMAT_TEXT);
	print_open_array(NULL);
	is_int(policy_apply(&policy, root, NULL, true, &r), 0, "policy_apply()");
	print_close_array();
	print_end();
	fclose(report);
	show(log);
	is_int(r.marked, 1, "marks the e1000e again");
	ok(r.dda_loaded, "sees dda.ko");
	is_str(get("bus/pci/drivers_probe"), "0000:01:00.0",
	       "and asks the kernel to probe it");
	ok(log && strstr(log, "0000:01:00.0: dda.ko did not take it (see the kernel log)\n"),
	   "here no driver binds: the report says so");
	free(log);

	policy_free(&policy);
	is_int(policy_parse(&policy, "g.conf", "", error), 0, "no selector");
	put("bus/pci/drivers_probe", "");
	is_int(policy_apply(&policy, root, NULL, false, &r), 0,
	       "an empty policy applies");
	is_int(r.selected + r.marked + r.pending, 0, "and does nothing");
	policy_free(&policy);

	is_int(policy_parse(&policy, "h.conf", "class 0x02", error), 0,
	       "a policy");
	snprintf(cmd, sizeof(cmd), "%s/nowhere", root);
	is_int(policy_apply(&policy, cmd, NULL, false, &r), -ENOENT,
	       "no sysfs: -ENOENT");
	policy_free(&policy);

	mounted_by_hand();
	apply_printed();
	sriov();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		printf("# cannot remove %s\n", root);
	return unit_done();
}
