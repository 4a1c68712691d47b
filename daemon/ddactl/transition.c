// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl dismount, ddactl mount: a device, or its whole IOMMU group, from
 * the host into quarantine and back; ddactl reset: a quarantined one reset
 * again; ddactl handover and release: a quarantined group to vfio-pci, for
 * a QEMU started by hand, and with --hold its DMA kept blocked until
 * release.
 *
 * When dda.ko refuses, its reason names one thing in the way; the survey of
 * the device names them all, so its blockers and warnings follow the
 * reason, e.g. which other member of the group is bound to which driver.
 * libdda refuses first a device the host uses, naming each use; --force
 * takes it anyway (and libdda logs it).
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "ddactl.h"
#include "policy.h"
#include "device_print.h"
#include "survey_print.h"

typedef int (*change_fn)(struct dda *dda, const char *address,
			 const struct args *args, struct dda_device *out);

/*
 * Does this process hold what admin commands need: CAP_SYS_ADMIN, which
 * dda.ko asks for, and CAP_NET_ADMIN, which the genetlink core asks for?
 */
static bool admin(void)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &header, data))
		return false;
	return (data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective &
		CAP_TO_MASK(CAP_NET_ADMIN)) &&
	       (data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
		CAP_TO_MASK(CAP_SYS_ADMIN));
}

/*
 * Did dda.ko refuse by its policy, so that the survey says why? -EPERM is
 * policy only for an administrator: without the capabilities the genetlink
 * core or dda.ko refused before looking at the device.
 */
static bool refused(int err)
{
	switch (err) {
	case -EBUSY:
	case -EOPNOTSUPP:
	case -EINVAL:
	case -E2BIG:
		return true;
	case -EPERM:
		return admin();
	default:
		return false;
	}
}

void transition_explain(struct dda *dda, const char *address)
{
	struct dda_survey survey;

	if (dda_survey_get(dda, address, &survey))
		return;
	survey_print_findings(stderr, &survey, DDA_SEVERITY_WARNING);
	dda_survey_free(&survey);
}

/*
 * Run @change on the operand; a refusal the survey can explain
 * (@surveyed: what may be quarantined or assigned) is followed by its
 * warnings. A release's refusal is only dda.ko's reason: the survey knows
 * nothing of a held group.
 */
static int change_main(const struct command *cmd, const struct args *args,
		       change_fn change, bool surveyed)
{
	char address[DDA_ADDRESS_LEN + 1];
	struct device_view view;
	struct dda_device dev;
	struct dda *dda;
	int ret, err;

	ret = command_address(args->operands[0], address);
	if (ret >= 0)
		return ret;
	ret = command_open(&dda);
	if (ret >= 0)
		return ret;

	err = change(dda, address, args, &dev);
	if (err) {
		ret = command_failed(dda, err, address);
		if (surveyed && refused(err))
			transition_explain(dda, address);
		goto out;
	}
	view = (struct device_view){ .dev = &dev };
	err = device_print_show(stdout, &view, args->json);
	ret = err ? command_failed(NULL, err, cmd->name) : DDACTL_OK;
out:
	dda_close(dda);
	return ret;
}

/*
 * Remembers (mounted) or forgets the devices a mount or dismount moved: dev,
 * and with group the other members of its IOMMU group, for the policy that
 * udev applies (policy.h, POLICY_MOUNTED_DIR). A failure is only said.
 */
static void remember_mounted(struct dda *dda, const struct dda_device *dev,
			     bool group, bool mounted)
{
	struct dda_device *all = NULL;
	size_t i, n = 0;
	int err;

	err = policy_mounted_set(POLICY_MOUNTED_DIR, dev->address, mounted);
	if (!err && group && dev->iommu_group >= 0)
		err = dda_device_list(dda, &all, &n);
	for (i = 0; !err && i < n; i++)
		if (all[i].iommu_group == dev->iommu_group &&
		    strcmp(all[i].address, dev->address) &&
		    (!mounted || all[i].state == DDA_STATE_HOST))
			err = policy_mounted_set(POLICY_MOUNTED_DIR,
						 all[i].address, mounted);
	free(all);
	if (err && mounted)
		warnx("%s: cannot remember it was mounted by hand (%s): udev's policy may quarantine it again at the next PCI event",
		      dev->address, strerror(-err));
}

static int dismount_fn(struct dda *dda, const char *address,
		       const struct args *args, struct dda_device *out)
{
	int err;

	err = dda_dismount_flags(dda, address,
				 (args->group ? DDA_DISMOUNT_GROUP : 0) |
				 (args->force ? DDA_DISMOUNT_FORCE : 0), out);
	if (!err)
		remember_mounted(dda, out, args->group, false);
	return err;
}

static int mount_fn(struct dda *dda, const char *address,
		    const struct args *args, struct dda_device *out)
{
	int err;

	err = dda_mount(dda, address, args->group, out);
	if (!err)
		remember_mounted(dda, out, args->group, true);
	return err;
}

static int reset_fn(struct dda *dda, const char *address,
		    const struct args *args, struct dda_device *out)
{
	return dda_reset(dda, address, args->group, out);
}

int dismount_main(const struct command *cmd, const struct args *args)
{
	return change_main(cmd, args, dismount_fn, true);
}

int mount_main(const struct command *cmd, const struct args *args)
{
	return change_main(cmd, args, mount_fn, true);
}

int reset_main(const struct command *cmd, const struct args *args)
{
	return change_main(cmd, args, reset_fn, true);
}

static int handover_fn(struct dda *dda, const char *address,
		       const struct args *args, struct dda_device *out)
{
	return dda_handover_flags(dda, address,
				  args->hold ? DDA_HANDOVER_HOLD : 0, out);
}

static int release_fn(struct dda *dda, const char *address,
		      const struct args *args, struct dda_device *out)
{
	(void)args;
	return dda_release(dda, address, out);
}

int handover_main(const struct command *cmd, const struct args *args)
{
	return change_main(cmd, args, handover_fn, true);
}

int release_main(const struct command *cmd, const struct args *args)
{
	return change_main(cmd, args, release_fn, false);
}
