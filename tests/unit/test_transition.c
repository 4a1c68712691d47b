// SPDX-License-Identifier: GPL-2.0-only
/*
 * DISMOUNT, MOUNT, HANDOVER and RELEASE, without dda.ko: the requests
 * dda_change_msg() builds,
 * the answers dda_change_reply() reads (a device message per device moved,
 * the addressed one among them), the reason dda_change_error() gives an
 * -EPERM of the genetlink core, and addresses refused before anything is
 * sent.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "internal.h"
#include "unit.h"

#define FAMILY		0x1d	/* any id: parsing does not read it */
#define CAP_REASON	"changing a device needs CAP_SYS_ADMIN and CAP_NET_ADMIN (run as root)"
#define RMRR_REASON	\
	"firmware keeps DMA to a reserved region (RMRR) of this device"

/* A device message of address in state, as an answer to cmd. */
static struct nl_msg *device_msg(uint8_t cmd, const char *address,
				 enum dda_state state)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, FAMILY, 0,
				 0, cmd, DDA_GENL_VERSION)) {
		ok(0, "allocating a message");
		exit(1);
	}
	if (nla_put_string(msg, DDA_A_DEV_ADDRESS, address) < 0 ||
	    nla_put_u16(msg, DDA_A_DEV_VENDOR, 0x8086) < 0 ||
	    nla_put_u16(msg, DDA_A_DEV_DEVICE, 0x10fb) < 0 ||
	    nla_put_u16(msg, DDA_A_DEV_SUBSYS_VENDOR, 0x1028) < 0 ||
	    nla_put_u16(msg, DDA_A_DEV_SUBSYS_DEVICE, 0x1f72) < 0 ||
	    nla_put_u32(msg, DDA_A_DEV_CLASS, 0x020000) < 0 ||
	    nla_put_u32(msg, DDA_A_DEV_STATE, state) < 0 ||
	    nla_put_string(msg, DDA_A_DEV_DRIVER, "dda") < 0 ||
	    nla_put_u32(msg, DDA_A_DEV_IOMMU_GROUP, 42) < 0 ||
	    nla_put_string(msg, DDA_A_DEV_ORIGINAL_DRIVER, "ixgbe") < 0)
		ok(0, "building the message");
	return msg;
}

/* Hands msg to dda_change_reply(), and frees it. */
static int reply_with(struct dda_change_reply *reply, struct nl_msg *msg)
{
	int err = dda_change_reply(nlmsg_hdr(msg), reply);

	nlmsg_free(msg);
	return err;
}

/*
 * What a request holds: its command, its address, and flag (a flag
 * attribute, or 0 for none).
 */
static void request_is(struct nl_msg *msg, uint8_t cmd, int flag,
		       const char *what)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *ghdr = nlmsg_data(nlh);
	struct nlattr *nla;
	int rem, n = 0;

	is_int(nlh->nlmsg_type, FAMILY, "%s: the handle's family", what);
	/* NLM_F_REQUEST and NLM_F_ACK come at sending, from libnl. */
	ok(!(nlh->nlmsg_flags & NLM_F_DUMP), "%s: a do, not a dump", what);
	is_int(ghdr->cmd, cmd, "%s: command %d", what, cmd);
	is_int(ghdr->version, DDA_GENL_VERSION, "%s: version", what);

	nla_for_each_attr(nla, genlmsg_attrdata(ghdr, 0),
			  genlmsg_attrlen(ghdr, 0), rem) {
		n++;
		if (nla_type(nla) == DDA_A_DEV_ADDRESS)
			is_str(nla_get_string(nla), "0000:3a:00.1",
			       "%s: ADDRESS", what);
		else if (flag && nla_type(nla) == flag)
			is_int(nla_len(nla), 0, "%s: attribute %d is a flag",
			       what, flag);
		else
			ok(0, "%s: attribute %d", what, nla_type(nla));
	}
	is_int(n, flag ? 2 : 1, "%s: %s", what,
	       flag ? "ADDRESS and the flag" : "ADDRESS alone");
}

static void test_msg(void)
{
	struct dda dda = { .family = FAMILY };
	struct nl_msg *msg;

	msg = dda_change_msg(&dda, DDA_CMD_DEV_DISMOUNT, "0000:3a:00.1",
			     0);
	if (ok(msg, "dismount request built"))
		request_is(msg, DDA_CMD_DEV_DISMOUNT, 0, "dismount");
	nlmsg_free(msg);

	msg = dda_change_msg(&dda, DDA_CMD_DEV_DISMOUNT, "0000:3a:00.1",
			     DDA_A_DEV_GROUP);
	if (ok(msg, "dismount --group request built"))
		request_is(msg, DDA_CMD_DEV_DISMOUNT, DDA_A_DEV_GROUP,
			   "dismount --group");
	nlmsg_free(msg);

	msg = dda_change_msg(&dda, DDA_CMD_DEV_MOUNT, "0000:3a:00.1", 0);
	if (ok(msg, "mount request built"))
		request_is(msg, DDA_CMD_DEV_MOUNT, 0, "mount");
	nlmsg_free(msg);

	msg = dda_change_msg(&dda, DDA_CMD_DEV_MOUNT, "0000:3a:00.1",
			     DDA_A_DEV_GROUP);
	if (ok(msg, "mount --group request built"))
		request_is(msg, DDA_CMD_DEV_MOUNT, DDA_A_DEV_GROUP,
			   "mount --group");
	nlmsg_free(msg);

	msg = dda_change_msg(&dda, DDA_CMD_DEV_HANDOVER, "0000:3a:00.1",
			     DDA_A_DEV_HOLD);
	if (ok(msg, "handover --hold request built"))
		request_is(msg, DDA_CMD_DEV_HANDOVER, DDA_A_DEV_HOLD,
			   "handover --hold");
	nlmsg_free(msg);

	msg = dda_change_msg(&dda, DDA_CMD_DEV_RELEASE, "0000:3a:00.1", 0);
	if (ok(msg, "release request built"))
		request_is(msg, DDA_CMD_DEV_RELEASE, 0, "release");
	nlmsg_free(msg);
}

static void test_reply(void)
{
	struct dda_change_reply reply = { .address = "0000:3a:00.1" };
	struct nl_msg *msg;

	/* What dda.ko sends today: the device asked for. */
	is_int(reply_with(&reply, device_msg(DDA_CMD_DEV_DISMOUNT,
					     "0000:3a:00.1",
					     DDA_STATE_QUARANTINED)),
	       0, "dismount reply: taken");
	ok(reply.found, "dismount reply: the device found");
	is_str(reply.dev.address, "0000:3a:00.1", "dismount reply: address");
	is_int(reply.dev.state, DDA_STATE_QUARANTINED,
	       "dismount reply: quarantined");
	is_str(reply.dev.original_driver, "ixgbe",
	       "dismount reply: original driver");
	is_int(reply.dev.iommu_group, 42, "dismount reply: IOMMU group");

	/* The same device again breaks the contract. */
	is_int(reply_with(&reply, device_msg(DDA_CMD_DEV_DISMOUNT,
					     "0000:3a:00.1",
					     DDA_STATE_QUARANTINED)),
	       -EBADMSG, "dismount reply: the device twice: -EBADMSG");

	/* What <linux/dda.h> allows: a message per member of the group. */
	reply = (struct dda_change_reply){ .address = "0000:3a:00.1" };
	is_int(reply_with(&reply, device_msg(DDA_CMD_DEV_MOUNT, "0000:3a:00.0",
					     DDA_STATE_HOST)),
	       0, "group mount reply: another member taken");
	ok(!reply.found, "group mount reply: not the device asked for");
	is_int(reply_with(&reply, device_msg(DDA_CMD_DEV_MOUNT, "0000:3A:00.1",
					     DDA_STATE_HOST)),
	       0, "group mount reply: the device, in upper case");
	is_int(reply_with(&reply, device_msg(DDA_CMD_DEV_MOUNT, "0000:3a:00.2",
					     DDA_STATE_HOST)),
	       0, "group mount reply: a member after it");
	ok(reply.found, "group mount reply: the device found");
	is_str(reply.dev.address, "0000:3a:00.1",
	       "group mount reply: the device's message kept");
	is_int(reply.dev.state, DDA_STATE_HOST, "group mount reply: host");

	/* A malformed message, whoever it is about. */
	reply = (struct dda_change_reply){ .address = "0000:3a:00.1" };
	msg = device_msg(DDA_CMD_DEV_DISMOUNT, "0000:3a:00.1",
			 DDA_STATE_QUARANTINED);
	nla_put_u64(msg, DDA_A_DEV_RESET_USEC, 1);
	is_int(reply_with(&reply, msg), -EBADMSG,
	       "malformed reply: -EBADMSG");
	ok(!reply.found, "malformed reply: no device");
	is_int(reply_with(&reply, nlmsg_alloc_simple(FAMILY, 0)), -EBADMSG,
	       "reply without a generic header: -EBADMSG");
}

static void test_error(void)
{
	struct dda dda = { .family = FAMILY };

	is_int(dda_change_error(&dda, -EPERM), -EPERM,
	       "EPERM without a reason: still -EPERM");
	is_str(dda_error(&dda), CAP_REASON,
	       "EPERM without a reason: CAP_NET_ADMIN named");

	strcpy(dda.error, RMRR_REASON);
	is_int(dda_change_error(&dda, -EPERM), -EPERM,
	       "EPERM with dda.ko's reason: -EPERM");
	is_str(dda_error(&dda), RMRR_REASON,
	       "EPERM with dda.ko's reason: that reason kept");

	dda.error[0] = '\0';
	is_int(dda_change_error(&dda, -EBUSY), -EBUSY, "EBUSY: -EBUSY");
	is_str(dda_error(&dda), "", "EBUSY without a reason: none made up");
	is_int(dda_change_error(&dda, 0), 0, "success: 0");
	is_str(dda_error(&dda), "", "success: no reason");
}

static void test_address(void)
{
	struct dda dda = { .family = FAMILY };
	struct dda_device dev, before;

	/* Refused before anything is sent: the handle's socket is NULL. */
	memset(&dev, 0xa5, sizeof(dev));
	before = dev;
	is_int(dda_dismount(&dda, "0000:3a:00", false, &dev), -EINVAL,
	       "dismount of no address: -EINVAL");
	ok(strstr(dda_error(&dda), "'0000:3a:00' is not a PCI address"),
	   "dismount of no address: dda_error() names it");
	ok(!memcmp(&dev, &before, sizeof(dev)),
	   "dismount of no address: out untouched");

	is_int(dda_dismount_flags(&dda, "0000:3a:00.0", 1u << 7, &dev),
	       -EINVAL, "dismount with an unknown flag: -EINVAL");
	is_str(dda_error(&dda), "unknown dismount flags 0x80",
	       "dismount with an unknown flag: dda_error() names it");
	is_int(dda_dismount_flags(&dda, "0000:3a:00", DDA_DISMOUNT_FORCE,
				  &dev), -EINVAL,
	       "forced dismount of no address: -EINVAL, nothing forced");
	ok(!memcmp(&dev, &before, sizeof(dev)),
	   "refused dismounts: out untouched");

	is_int(dda_handover_flags(&dda, "0000:3a:00.0", 1u << 3, &dev),
	       -EINVAL, "handover with an unknown flag: -EINVAL");
	is_str(dda_error(&dda), "unknown handover flags 0x8",
	       "handover with an unknown flag: dda_error() names it");
	is_int(dda_handover_flags(&dda, "3a:00", DDA_HANDOVER_HOLD, &dev),
	       -EINVAL, "handover --hold of no address: -EINVAL");
	ok(strstr(dda_error(&dda), "'3a:00' is not a PCI address"),
	   "handover --hold of no address: dda_error() names it");
	is_int(dda_release(&dda, "0000:3a:00.7.1", &dev), -EINVAL,
	       "release of no address: -EINVAL");
	ok(strstr(dda_error(&dda), "'0000:3a:00.7.1' is not a PCI address"),
	   "release of no address: dda_error() names it");
	ok(!memcmp(&dev, &before, sizeof(dev)),
	   "refused handovers and releases: out untouched");

	is_int(dda_mount(&dda, "xyz", true, NULL), -EINVAL,
	       "mount --group of no address, out NULL: -EINVAL");
	ok(strstr(dda_error(&dda), "'xyz' is not a PCI address"),
	   "mount of no address: dda_error() names it");
	is_int(dda_mount(&dda, NULL, false, NULL), -EINVAL,
	       "mount of NULL: -EINVAL");
}

int main(void)
{
	test_msg();
	test_reply();
	test_error();
	test_address();
	return unit_done();
}
