// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device messages: DDA_CMD_DEV_GET, one device or a dump of them all.
 *
 * Every attribute is checked against the contract in <linux/dda.h> before
 * it is believed: a reply that breaks it is -EBADMSG, never a half-filled
 * device. Attributes this version does not know are skipped, so a newer
 * dda.ko may add some.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "internal.h"

int dda_device_from_attrs(struct nlattr *const *tb, struct dda_device *out)
{
	static const int required[] = {
		DDA_A_DEV_ADDRESS, DDA_A_DEV_VENDOR, DDA_A_DEV_DEVICE,
		DDA_A_DEV_SUBSYS_VENDOR, DDA_A_DEV_SUBSYS_DEVICE,
		DDA_A_DEV_CLASS, DDA_A_DEV_STATE,
	};
	struct dda_device dev = { .iommu_group = -1 };
	uint32_t u32;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(required); i++)
		if (!tb[required[i]])
			return -EBADMSG;

	if (dda_attr_address(tb[DDA_A_DEV_ADDRESS], dev.address) ||
	    dda_attr_u16(tb[DDA_A_DEV_VENDOR], &dev.vendor) ||
	    dda_attr_u16(tb[DDA_A_DEV_DEVICE], &dev.device) ||
	    dda_attr_u16(tb[DDA_A_DEV_SUBSYS_VENDOR], &dev.subsys_vendor) ||
	    dda_attr_u16(tb[DDA_A_DEV_SUBSYS_DEVICE], &dev.subsys_device) ||
	    dda_attr_u32(tb[DDA_A_DEV_CLASS], &dev.class_code) ||
	    dda_attr_u32(tb[DDA_A_DEV_STATE], &u32))
		return -EBADMSG;
	dev.state = u32;

	if (tb[DDA_A_DEV_DRIVER] &&
	    dda_attr_string(tb[DDA_A_DEV_DRIVER], dev.driver,
			    sizeof(dev.driver)))
		return -EBADMSG;
	if (tb[DDA_A_DEV_IOMMU_GROUP]) {
		/* The kernel's group ids are ints. */
		if (dda_attr_u32(tb[DDA_A_DEV_IOMMU_GROUP], &u32) ||
		    u32 > INT_MAX)
			return -EBADMSG;
		dev.iommu_group = u32;
	}
	if (tb[DDA_A_DEV_ORIGINAL_DRIVER] &&
	    dda_attr_string(tb[DDA_A_DEV_ORIGINAL_DRIVER],
			    dev.original_driver, sizeof(dev.original_driver)))
		return -EBADMSG;
	if (tb[DDA_A_DEV_RESET_METHOD]) {
		if (dda_attr_u32(tb[DDA_A_DEV_RESET_METHOD], &u32))
			return -EBADMSG;
		dev.reset_method = u32;
	}
	if (tb[DDA_A_DEV_RESET_USEC] &&
	    dda_attr_u32(tb[DDA_A_DEV_RESET_USEC], &dev.reset_usec))
		return -EBADMSG;
	if (tb[DDA_A_DEV_HEALTH]) {
		if (dda_attr_u32(tb[DDA_A_DEV_HEALTH], &u32))
			return -EBADMSG;
		dev.health = u32;
	}
	if (tb[DDA_A_DEV_PHYSFN] &&
	    dda_attr_address(tb[DDA_A_DEV_PHYSFN], dev.physfn))
		return -EBADMSG;
	if (tb[DDA_A_DEV_WINDOW_USEC] &&
	    dda_attr_u64(tb[DDA_A_DEV_WINDOW_USEC], &dev.window_usec))
		return -EBADMSG;
	if (tb[DDA_A_DEV_UNOWNED_USEC] &&
	    dda_attr_u64(tb[DDA_A_DEV_UNOWNED_USEC], &dev.unowned_usec))
		return -EBADMSG;
	if (tb[DDA_A_DEV_HOLD]) {
		if (nla_len(tb[DDA_A_DEV_HOLD]) != 0)
			return -EBADMSG;	/* a flag has no payload */
		dev.hold = true;
	}

	*out = dev;
	return 0;
}

int dda_device_parse(struct nlmsghdr *nlh, struct dda_device *out)
{
	struct nlattr *tb[DDA_A_MAX + 1];

	/* No policy: dda_device_from_attrs() checks every attribute. */
	if (genlmsg_parse(nlh, 0, tb, DDA_A_MAX, NULL) < 0)
		return -EBADMSG;
	return dda_device_from_attrs(tb, out);
}

struct dda_device_get_reply {
	struct dda_device *dev;
	bool busy;
	bool found;
};

static int dda_device_get_reply(struct nlmsghdr *nlh, void *arg)
{
	struct dda_device_get_reply *reply = arg;
	struct nlattr *tb[DDA_A_MAX + 1];
	int err;

	if (reply->found)
		return -EBADMSG;	/* one device asked, one answered */
	if (genlmsg_parse(nlh, 0, tb, DDA_A_MAX, NULL) < 0)
		return -EBADMSG;
	err = dda_device_from_attrs(tb, reply->dev);
	if (err)
		return err;
	reply->busy = tb[DDA_A_DEV_BUSY] != NULL;
	reply->found = true;
	return 0;
}

int dda_device_get_busy(struct dda *dda, const char *canonical,
			struct dda_device *out, bool *busy)
{
	struct dda_device dev;
	struct dda_device_get_reply reply = { .dev = &dev };
	struct nl_msg *msg;
	int err;

	msg = dda_msg_new(dda, DDA_CMD_DEV_GET, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, DDA_A_DEV_ADDRESS, canonical) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = dda_request(dda, msg, dda_device_get_reply, &reply);
	nlmsg_free(msg);
	if (err)
		return err;
	if (!reply.found) {
		dda_set_error(dda, "dda.ko acknowledged without a device");
		return -EBADMSG;
	}
	*out = dev;
	if (busy)
		*busy = reply.busy;
	return 0;
}

int dda_device_get(struct dda *dda, const char *address,
		   struct dda_device *out)
{
	char canonical[DDA_ADDRESS_LEN + 1];
	int err;

	dda->error[0] = '\0';
	err = dda_address_arg(dda, address, canonical);
	if (err)
		return err;
	return dda_device_get_busy(dda, canonical, out, NULL);
}

static int dda_device_parse_item(struct nlmsghdr *nlh, void *item)
{
	return dda_device_parse(nlh, item);
}

/* Every device, or with attr those of the IOMMU group value. */
static int dda_device_dump(struct dda *dda, int attr, uint32_t value,
			   struct dda_device **out, size_t *count)
{
	struct dda_collect c = {
		.elem = sizeof(struct dda_device),
		.parse = dda_device_parse_item,
	};
	int err;

	*out = NULL;
	*count = 0;
	err = dda_dump_u32(dda, DDA_CMD_DEV_GET, attr, value, &c);
	if (err) {
		free(c.items);
		return err;
	}
	*out = c.items;
	*count = c.count;
	return 0;
}

int dda_device_list(struct dda *dda, struct dda_device **out, size_t *count)
{
	return dda_device_dump(dda, 0, 0, out, count);
}

int dda_group_list(struct dda *dda, int group, struct dda_device **out,
		   size_t *count)
{
	*out = NULL;
	*count = 0;
	dda->error[0] = '\0';
	if (group < 0) {
		dda_set_error(dda, "%d is not an IOMMU group", group);
		return -EINVAL;
	}
	return dda_device_dump(dda, DDA_A_DEV_IOMMU_GROUP, group, out, count);
}
