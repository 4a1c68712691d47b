// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device messages, as dda.ko sends them, built in memory with libnl and
 * read by dda_device_parse(), the path dda_device_get() and
 * dda_device_list() take for each reply.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "internal.h"
#include "unit.h"

#define BIT(n)		(1u << (n))
#define OPTIONAL	(BIT(DDA_A_DEV_DRIVER) | BIT(DDA_A_DEV_IOMMU_GROUP) | \
			 BIT(DDA_A_DEV_ORIGINAL_DRIVER) | \
			 BIT(DDA_A_DEV_RESET_METHOD) | \
			 BIT(DDA_A_DEV_RESET_USEC) | BIT(DDA_A_DEV_HEALTH) | \
			 BIT(DDA_A_DEV_PHYSFN) | BIT(DDA_A_PAD) | \
			 BIT(DDA_A_DEV_WINDOW_USEC) | \
			 BIT(DDA_A_DEV_UNOWNED_USEC) | BIT(DDA_A_DEV_HOLD))
#define FAMILY		0x1d	/* any id: parsing does not read it */

static const int required[] = {
	DDA_A_DEV_ADDRESS, DDA_A_DEV_VENDOR, DDA_A_DEV_DEVICE,
	DDA_A_DEV_SUBSYS_VENDOR, DDA_A_DEV_SUBSYS_DEVICE, DDA_A_DEV_CLASS,
	DDA_A_DEV_STATE,
};

static void put(int ret, const char *what)
{
	if (ret < 0)
		ok(0, "building the message: %s: %s", what, nl_geterror(ret));
}

/*
 * A quarantined Intel 82599 virtual function with every attribute, but
 * those whose bit is in omit.
 */
static struct nl_msg *device_msg(unsigned int omit)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, FAMILY, 0,
				 0, DDA_CMD_DEV_GET, DDA_GENL_VERSION)) {
		ok(0, "allocating a message");
		exit(1);
	}
#define PUT(type, call) do {					\
	if (!(omit & BIT(type)))					\
		put(call, #type);					\
} while (0)
	PUT(DDA_A_DEV_ADDRESS,
	    nla_put_string(msg, DDA_A_DEV_ADDRESS, "0000:3a:00.1"));
	PUT(DDA_A_DEV_VENDOR, nla_put_u16(msg, DDA_A_DEV_VENDOR, 0x8086));
	PUT(DDA_A_DEV_DEVICE, nla_put_u16(msg, DDA_A_DEV_DEVICE, 0x10fb));
	PUT(DDA_A_DEV_SUBSYS_VENDOR,
	    nla_put_u16(msg, DDA_A_DEV_SUBSYS_VENDOR, 0x1028));
	PUT(DDA_A_DEV_SUBSYS_DEVICE,
	    nla_put_u16(msg, DDA_A_DEV_SUBSYS_DEVICE, 0x1f72));
	PUT(DDA_A_DEV_CLASS, nla_put_u32(msg, DDA_A_DEV_CLASS, 0x020000));
	PUT(DDA_A_DEV_STATE,
	    nla_put_u32(msg, DDA_A_DEV_STATE, DDA_STATE_QUARANTINED));
	PUT(DDA_A_DEV_DRIVER, nla_put_string(msg, DDA_A_DEV_DRIVER, "dda"));
	PUT(DDA_A_DEV_IOMMU_GROUP,
	    nla_put_u32(msg, DDA_A_DEV_IOMMU_GROUP, 42));
	PUT(DDA_A_DEV_ORIGINAL_DRIVER,
	    nla_put_string(msg, DDA_A_DEV_ORIGINAL_DRIVER, "ixgbe"));
	PUT(DDA_A_DEV_RESET_METHOD,
	    nla_put_u32(msg, DDA_A_DEV_RESET_METHOD, DDA_RESET_FLR));
	PUT(DDA_A_DEV_RESET_USEC,
	    nla_put_u32(msg, DDA_A_DEV_RESET_USEC, 103000));
	PUT(DDA_A_DEV_HEALTH,
	    nla_put_u32(msg, DDA_A_DEV_HEALTH, DDA_HEALTH_RESET_FAILED));
	PUT(DDA_A_DEV_PHYSFN,
	    nla_put_string(msg, DDA_A_DEV_PHYSFN, "0000:3A:00.0"));
	/* dda.ko aligns a u64 with an empty PAD before it, as here. */
	PUT(DDA_A_PAD, nla_put(msg, DDA_A_PAD, 0, NULL));
	PUT(DDA_A_DEV_WINDOW_USEC,
	    nla_put_u64(msg, DDA_A_DEV_WINDOW_USEC, 5000000123ULL));
	PUT(DDA_A_DEV_UNOWNED_USEC,
	    nla_put_u64(msg, DDA_A_DEV_UNOWNED_USEC, 73411));
	PUT(DDA_A_DEV_HOLD, nla_put_flag(msg, DDA_A_DEV_HOLD));
#undef PUT
	return msg;
}

/* Parses msg into *dev, and frees it. */
static int parse(struct nl_msg *msg, struct dda_device *dev)
{
	int err = dda_device_parse(nlmsg_hdr(msg), dev);

	nlmsg_free(msg);
	return err;
}

/* A message that breaks the contract: -EBADMSG, and *dev left alone. */
static void refused(struct nl_msg *msg, const char *why)
{
	struct dda_device dev, before;

	memset(&dev, 0xa5, sizeof(dev));
	before = dev;
	is_int(parse(msg, &dev), -EBADMSG, "refused: %s", why);
	ok(!memcmp(&dev, &before, sizeof(dev)), "refused: %s: untouched",
	   why);
}

static void test_full(void)
{
	struct dda_device dev;

	memset(&dev, 0xa5, sizeof(dev));
	if (!is_int(parse(device_msg(0), &dev), 0, "full message parsed"))
		return;
	is_str(dev.address, "0000:3a:00.1", "address");
	is_int(dev.vendor, 0x8086, "vendor");
	is_int(dev.device, 0x10fb, "device");
	is_int(dev.subsys_vendor, 0x1028, "subsys_vendor");
	is_int(dev.subsys_device, 0x1f72, "subsys_device");
	is_int(dev.class_code, 0x020000, "class_code");
	is_str(dev.driver, "dda", "driver");
	is_int(dev.iommu_group, 42, "iommu_group");
	is_int(dev.state, DDA_STATE_QUARANTINED, "state");
	is_str(dev.original_driver, "ixgbe", "original_driver");
	is_int(dev.reset_method, DDA_RESET_FLR, "reset_method");
	is_int(dev.reset_usec, 103000, "reset_usec");
	is_int(dev.health, DDA_HEALTH_RESET_FAILED, "health");
	is_str(dev.physfn, "0000:3a:00.0", "physfn, canonical");
	ok(dev.window_usec == 5000000123ULL, "window_usec, past 32 bits");
	ok(dev.unowned_usec == 73411, "unowned_usec");
	ok(dev.hold, "HOLD: hold");
}

static void test_required_only(void)
{
	struct dda_device dev;

	memset(&dev, 0xa5, sizeof(dev));
	if (!is_int(parse(device_msg(OPTIONAL), &dev), 0,
		    "required attributes only: parsed"))
		return;
	is_str(dev.address, "0000:3a:00.1", "required only: address");
	is_int(dev.vendor, 0x8086, "required only: vendor");
	is_int(dev.class_code, 0x020000, "required only: class_code");
	is_int(dev.state, DDA_STATE_QUARANTINED, "required only: state");
	is_str(dev.driver, "", "no DRIVER: driver \"\"");
	is_int(dev.iommu_group, -1, "no IOMMU_GROUP: iommu_group -1");
	is_str(dev.original_driver, "",
	       "no ORIGINAL_DRIVER: original_driver \"\"");
	is_int(dev.reset_method, DDA_RESET_NONE,
	       "no RESET_METHOD: DDA_RESET_NONE");
	is_int(dev.reset_usec, 0, "no RESET_USEC: 0");
	is_int(dev.health, DDA_HEALTH_OK, "no HEALTH: DDA_HEALTH_OK");
	is_str(dev.physfn, "", "no PHYSFN: physfn \"\"");
	ok(dev.window_usec == 0, "no WINDOW_USEC: 0");
	ok(dev.unowned_usec == 0, "no UNOWNED_USEC: 0");
	ok(!dev.hold, "no HOLD: not held");
}

static void test_missing_required(void)
{
	char why[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(required); i++) {
		snprintf(why, sizeof(why), "attribute %d missing",
			 required[i]);
		refused(device_msg(BIT(required[i])), why);
	}
	refused(device_msg(~0u), "no attribute at all");
}

static void test_sizes(void)
{
	struct nl_msg *msg;

	msg = device_msg(BIT(DDA_A_DEV_VENDOR));
	nla_put_u32(msg, DDA_A_DEV_VENDOR, 0x8086);
	refused(msg, "VENDOR as u32");

	msg = device_msg(BIT(DDA_A_DEV_SUBSYS_DEVICE));
	nla_put_u8(msg, DDA_A_DEV_SUBSYS_DEVICE, 0x72);
	refused(msg, "SUBSYS_DEVICE as u8");

	msg = device_msg(BIT(DDA_A_DEV_CLASS));
	nla_put_u16(msg, DDA_A_DEV_CLASS, 0x0200);
	refused(msg, "CLASS as u16");

	msg = device_msg(BIT(DDA_A_DEV_STATE));
	nla_put_u64(msg, DDA_A_DEV_STATE, DDA_STATE_HOST);
	refused(msg, "STATE as u64");

	msg = device_msg(BIT(DDA_A_DEV_IOMMU_GROUP));
	nla_put_u16(msg, DDA_A_DEV_IOMMU_GROUP, 42);
	refused(msg, "IOMMU_GROUP as u16");

	msg = device_msg(BIT(DDA_A_DEV_RESET_USEC));
	nla_put_u64(msg, DDA_A_DEV_RESET_USEC, 103000);
	refused(msg, "RESET_USEC as u64");

	msg = device_msg(BIT(DDA_A_DEV_RESET_METHOD));
	nla_put_flag(msg, DDA_A_DEV_RESET_METHOD);
	refused(msg, "RESET_METHOD empty");

	msg = device_msg(BIT(DDA_A_DEV_PHYSFN));
	nla_put_string(msg, DDA_A_DEV_PHYSFN, "3a:00.0");
	refused(msg, "PHYSFN not in the full form");

	msg = device_msg(BIT(DDA_A_DEV_WINDOW_USEC));
	nla_put_u32(msg, DDA_A_DEV_WINDOW_USEC, 1834);
	refused(msg, "WINDOW_USEC as u32");

	msg = device_msg(BIT(DDA_A_DEV_UNOWNED_USEC));
	nla_put_u32(msg, DDA_A_DEV_UNOWNED_USEC, 1834);
	refused(msg, "UNOWNED_USEC as u32");

	msg = device_msg(BIT(DDA_A_DEV_HOLD));
	nla_put_u8(msg, DDA_A_DEV_HOLD, 1);
	refused(msg, "HOLD with a payload");
}

static void test_strings(void)
{
	char name[DDA_DRIVER_SIZE + 1];
	struct dda_device dev;
	struct nl_msg *msg;

	msg = device_msg(BIT(DDA_A_DEV_DRIVER));
	nla_put(msg, DDA_A_DEV_DRIVER, 5, "ixgbe");
	refused(msg, "DRIVER without its NUL");

	msg = device_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put(msg, DDA_A_DEV_ADDRESS, DDA_ADDRESS_LEN, "0000:3a:00.1");
	refused(msg, "ADDRESS without its NUL");

	msg = device_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put_string(msg, DDA_A_DEV_ADDRESS, "3a:00.1");
	refused(msg, "ADDRESS in the short form");

	msg = device_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put_string(msg, DDA_A_DEV_ADDRESS, "0000:3a:00.10");
	refused(msg, "ADDRESS one character too long");

	msg = device_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put_string(msg, DDA_A_DEV_ADDRESS, "0000:3a:20.1");
	refused(msg, "ADDRESS with device 0x20");

	msg = device_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put_string(msg, DDA_A_DEV_ADDRESS, "");
	refused(msg, "ADDRESS empty");

	msg = device_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put_string(msg, DDA_A_DEV_ADDRESS, "0000:3A:0B.1");
	if (is_int(parse(msg, &dev), 0, "ADDRESS in upper case: parsed"))
		is_str(dev.address, "0000:3a:0b.1",
		       "ADDRESS in upper case: canonical");

	/* The longest name that fits, and one more. */
	memset(name, 'd', sizeof(name));
	name[DDA_DRIVER_SIZE - 1] = '\0';
	msg = device_msg(BIT(DDA_A_DEV_ORIGINAL_DRIVER));
	nla_put_string(msg, DDA_A_DEV_ORIGINAL_DRIVER, name);
	if (is_int(parse(msg, &dev), 0, "63-character driver: parsed"))
		is_str(dev.original_driver, name,
		       "63-character driver: whole");

	name[DDA_DRIVER_SIZE - 1] = 'd';
	name[DDA_DRIVER_SIZE] = '\0';
	msg = device_msg(BIT(DDA_A_DEV_ORIGINAL_DRIVER));
	nla_put_string(msg, DDA_A_DEV_ORIGINAL_DRIVER, name);
	refused(msg, "64-character ORIGINAL_DRIVER");

	msg = device_msg(BIT(DDA_A_DEV_DRIVER));
	nla_put_string(msg, DDA_A_DEV_DRIVER, name);
	refused(msg, "64-character DRIVER");

	/* Padding after the NUL is not part of the name. */
	msg = device_msg(BIT(DDA_A_DEV_DRIVER));
	nla_put(msg, DDA_A_DEV_DRIVER, 8, "vfio\0\0\0\0");
	if (is_int(parse(msg, &dev), 0, "DRIVER padded with NULs: parsed"))
		is_str(dev.driver, "vfio", "DRIVER padded with NULs: name");
}

static void test_values(void)
{
	struct dda_device dev;
	struct nl_msg *msg;

	msg = device_msg(BIT(DDA_A_DEV_IOMMU_GROUP));
	nla_put_u32(msg, DDA_A_DEV_IOMMU_GROUP, 0);
	if (is_int(parse(msg, &dev), 0, "IOMMU group 0: parsed"))
		is_int(dev.iommu_group, 0, "IOMMU group 0 is not none");

	msg = device_msg(BIT(DDA_A_DEV_IOMMU_GROUP));
	nla_put_u32(msg, DDA_A_DEV_IOMMU_GROUP, 0x80000000u);
	refused(msg, "IOMMU group beyond INT_MAX");

	msg = device_msg(BIT(DDA_A_DEV_STATE));
	nla_put_u32(msg, DDA_A_DEV_STATE, DDA_STATE_ASSIGNED);
	if (is_int(parse(msg, &dev), 0, "state assigned: parsed"))
		is_int(dev.state, DDA_STATE_ASSIGNED, "state assigned");

	/* A state from a newer dda.ko is kept, and named "unknown". */
	msg = device_msg(BIT(DDA_A_DEV_STATE));
	nla_put_u32(msg, DDA_A_DEV_STATE, 9);
	if (is_int(parse(msg, &dev), 0, "state 9: parsed")) {
		is_int(dev.state, 9, "state 9 kept");
		is_str(dda_state_name(dev.state), "unknown",
		       "state 9 is unknown");
	}

	msg = device_msg(BIT(DDA_A_DEV_DRIVER));
	nla_put_string(msg, DDA_A_DEV_DRIVER, "");
	if (is_int(parse(msg, &dev), 0, "empty DRIVER: parsed"))
		is_str(dev.driver, "", "empty DRIVER is none");

	msg = device_msg(BIT(DDA_A_DEV_CLASS));
	nla_put_u32(msg, DDA_A_DEV_CLASS, 0xffffffff);
	if (is_int(parse(msg, &dev), 0, "CLASS with high bits: parsed"))
		is_int(dev.class_code, 0xffffffff, "CLASS kept as sent");
}

static void test_unknown_attributes(void)
{
	struct dda_device dev;
	struct nl_msg *msg;

	/* A newer dda.ko may add attributes; an older ddactl skips them. */
	msg = device_msg(0);
	nla_put_u32(msg, DDA_A_MAX + 1, 7);
	nla_put_string(msg, DDA_A_MAX + 20, "future");
	nla_put_u32(msg, DDA_A_SURVEY_VERDICT, DDA_VERDICT_BLOCKED);
	if (is_int(parse(msg, &dev), 0, "unknown attributes skipped"))
		is_str(dev.original_driver, "ixgbe",
		       "unknown attributes: the rest read");
}

static void test_headers(void)
{
	struct nlattr *tb[DDA_A_MAX + 1] = { NULL };
	struct dda_device dev;
	struct nl_msg *msg;

	/* A message too short for its generic netlink header. */
	msg = nlmsg_alloc_simple(FAMILY, 0);
	refused(msg, "no generic netlink header");

	is_int(dda_device_from_attrs(tb, &dev), -EBADMSG,
	       "dda_device_from_attrs() of no attributes");
}

int main(void)
{
	test_full();
	test_required_only();
	test_missing_required();
	test_sizes();
	test_strings();
	test_values();
	test_unknown_attributes();
	test_headers();
	return unit_done();
}
