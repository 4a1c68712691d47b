// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Transitions: DDA_CMD_DEV_DISMOUNT (host -> quarantined) and
 * DDA_CMD_DEV_MOUNT (quarantined -> host), of one device or of its whole
 * IOMMU group; DDA_CMD_DEV_HANDOVER (quarantined -> assigned, to vfio-pci;
 * with DDA_A_DEV_HOLD dda keeps the group's DMA), DDA_CMD_DEV_RELEASE (dda
 * lets go of it) and DDA_CMD_DEV_RECLAIM (assigned -> quarantined), of the
 * whole group; DDA_CMD_DEV_RESET (quarantined, reset again). A dismount
 * first asks host_use.c whether the host uses the device
 * (DDA_DISMOUNT_FORCE: logs it and goes on).
 *
 * dda.ko runs every change in a worker of its own and answers -EINPROGRESS
 * when it is not done within two seconds (a reclaim waits until the guest's
 * QEMU has closed the device); the device is busy until it is done. libdda
 * then waits as dda_set_wait() says, by asking after the device.
 *
 * All are admin commands. The genetlink core refuses them without
 * CAP_NET_ADMIN before dda.ko sees them, with -EPERM and no extended ACK;
 * libdda gives that refusal its reason. dda.ko's own refusals, CAP_SYS_ADMIN
 * missing among them, always come with one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netlink/genl/genl.h>

#include "internal.h"

struct nl_msg *dda_change_msg(struct dda *dda, uint8_t cmd,
			      const char *canonical, int flag)
{
	struct nl_msg *msg;

	msg = dda_msg_new(dda, cmd, 0);
	if (!msg)
		return NULL;
	if (nla_put_string(msg, DDA_A_DEV_ADDRESS, canonical) < 0 ||
	    (flag && nla_put_flag(msg, flag) < 0)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int dda_change_reply(struct nlmsghdr *nlh, void *arg)
{
	struct dda_change_reply *reply = arg;
	struct dda_device dev;
	int err;

	err = dda_device_parse(nlh, &dev);
	if (err)
		return err;
	if (strcmp(dev.address, reply->address))
		return 0;	/* another member of its group */
	if (reply->found)
		return -EBADMSG;	/* the same device twice */
	reply->dev = dev;
	reply->found = true;
	return 0;
}

int dda_change_error(struct dda *dda, int err)
{
	if (err == -EPERM && !dda->error[0])
		dda_set_error(dda, "changing a device needs CAP_SYS_ADMIN and CAP_NET_ADMIN (run as root)");
	return err;
}

static long long dda_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int dda_wait_canonical(struct dda *dda, const char *canonical,
			      int timeout_ms, struct dda_device *out)
{
	const struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
	long long end = dda_now_ms() + timeout_ms;
	struct dda_device dev;
	bool busy;
	int err;

	for (;;) {
		err = dda_device_get_busy(dda, canonical, &dev, &busy);
		if (err)
			return err;
		if (!busy)
			break;
		if (timeout_ms >= 0 && dda_now_ms() >= end) {
			dda_set_error(dda, "%s: a change is still under way",
				      canonical);
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
	if (out)
		*out = dev;
	return 0;
}

int dda_wait(struct dda *dda, const char *address, int timeout_ms,
	     struct dda_device *out)
{
	char canonical[DDA_ADDRESS_LEN + 1];
	int err;

	dda->error[0] = '\0';
	err = dda_address_arg(dda, address, canonical);
	if (err)
		return err;
	return dda_wait_canonical(dda, canonical, timeout_ms, out);
}

void dda_set_wait(struct dda *dda, int timeout_ms)
{
	dda->wait_ms = timeout_ms < 0 ? -1 : timeout_ms;
}

/* Where each change leaves a device when it goes well. */
static enum dda_state dda_change_target(uint8_t cmd)
{
	switch (cmd) {
	case DDA_CMD_DEV_MOUNT:
		return DDA_STATE_HOST;
	case DDA_CMD_DEV_HANDOVER:
	case DDA_CMD_DEV_RELEASE:
		return DDA_STATE_ASSIGNED;
	default:
		return DDA_STATE_QUARANTINED;
	}
}

/*
 * Say who keeps a change under way: for a device with VFIO users, that
 * vfio-pci waits for them; else the kernel's word stands.
 */
static void dda_in_progress(struct dda *dda, const char *canonical)
{
	struct dda_vfio_user *users;
	size_t n;

	if (dda_vfio_users(canonical, &users, &n) || !n)
		return;
	dda_set_error(dda, "%s: in progress: vfio-pci waits for pid %d (%s)%s to close the device",
		      canonical, users[0].pid, users[0].command,
		      n > 1 ? " and others" : "");
	free(users);
}

/*
 * A change dda.ko took on but had not done when it answered: wait for its
 * end, as dda_set_wait() says, and judge it by where the device is.
 */
static int dda_change_wait(struct dda *dda, uint8_t cmd,
			   const char *canonical, struct dda_change_reply *reply)
{
	struct dda_device dev;
	int err;

	if (dda->wait_ms == 0) {
		dda_in_progress(dda, canonical);
		return -EINPROGRESS;
	}
	err = dda_wait_canonical(dda, canonical, dda->wait_ms, &dev);
	if (err == -ETIMEDOUT) {
		dda_in_progress(dda, canonical);
		return -EINPROGRESS;
	}
	if (err)
		return err;
	if (dev.state != dda_change_target(cmd) ||
	    (cmd == DDA_CMD_DEV_RESET && dev.health != DDA_HEALTH_OK)) {
		dda_set_error(dda, "%s: the change did not go through; the device is %s%s%s (see the kernel log)",
			      canonical, dda_state_name(dev.state),
			      dev.health == DDA_HEALTH_OK ? "" : ", unhealthy: ",
			      dev.health == DDA_HEALTH_OK ? "" :
			      dda_health_name(dev.health));
		return dev.health == DDA_HEALTH_OK ? -EBUSY : -EIO;
	}
	reply->dev = dev;
	reply->found = true;
	return 0;
}

static int dda_change(struct dda *dda, uint8_t cmd, const char *address,
		      int flag, struct dda_device *out)
{
	char canonical[DDA_ADDRESS_LEN + 1];
	struct dda_change_reply reply = { .address = canonical };
	struct nl_msg *msg;
	int err;

	dda->error[0] = '\0';
	err = dda_address_arg(dda, address, canonical);
	if (err)
		return err;

	msg = dda_change_msg(dda, cmd, canonical, flag);
	if (!msg)
		return -ENOMEM;
	err = dda_request(dda, msg, dda_change_reply, &reply);
	nlmsg_free(msg);
	if (err == -EINPROGRESS)
		err = dda_change_wait(dda, cmd, canonical, &reply);
	if (err)
		return dda_change_error(dda, err);
	if (!reply.found) {
		dda_set_error(dda, "dda.ko acknowledged without the device");
		return -EBADMSG;
	}
	if (out)
		*out = reply.dev;
	return 0;
}

int dda_dismount_flags(struct dda *dda, const char *address,
		       unsigned int flags, struct dda_device *out)
{
	char canonical[DDA_ADDRESS_LEN + 1];
	int err;

	dda->error[0] = '\0';
	if (flags & ~(unsigned int)(DDA_DISMOUNT_GROUP | DDA_DISMOUNT_FORCE)) {
		dda_set_error(dda, "unknown dismount flags 0x%x", flags);
		return -EINVAL;
	}
	err = dda_address_arg(dda, address, canonical);
	if (!err)
		err = dda_host_check(dda, canonical, flags);
	if (err)
		return err;
	return dda_change(dda, DDA_CMD_DEV_DISMOUNT, canonical,
			  flags & DDA_DISMOUNT_GROUP ? DDA_A_DEV_GROUP : 0, out);
}

int dda_dismount(struct dda *dda, const char *address, bool group,
		 struct dda_device *out)
{
	return dda_dismount_flags(dda, address,
				  group ? DDA_DISMOUNT_GROUP : 0, out);
}

int dda_mount(struct dda *dda, const char *address, bool group,
	      struct dda_device *out)
{
	return dda_change(dda, DDA_CMD_DEV_MOUNT, address,
			  group ? DDA_A_DEV_GROUP : 0, out);
}

int dda_handover_flags(struct dda *dda, const char *address,
		       unsigned int flags, struct dda_device *out)
{
	dda->error[0] = '\0';
	if (flags & ~(unsigned int)DDA_HANDOVER_HOLD) {
		dda_set_error(dda, "unknown handover flags 0x%x", flags);
		return -EINVAL;
	}
	return dda_change(dda, DDA_CMD_DEV_HANDOVER, address,
			  flags & DDA_HANDOVER_HOLD ? DDA_A_DEV_HOLD : 0, out);
}

int dda_handover(struct dda *dda, const char *address, struct dda_device *out)
{
	return dda_handover_flags(dda, address, 0, out);
}

int dda_release(struct dda *dda, const char *address, struct dda_device *out)
{
	return dda_change(dda, DDA_CMD_DEV_RELEASE, address, 0, out);
}

int dda_reclaim(struct dda *dda, const char *address, struct dda_device *out)
{
	return dda_change(dda, DDA_CMD_DEV_RECLAIM, address, 0, out);
}

int dda_reset(struct dda *dda, const char *address, bool group,
	      struct dda_device *out)
{
	return dda_change(dda, DDA_CMD_DEV_RESET, address,
			  group ? DDA_A_DEV_GROUP : 0, out);
}
