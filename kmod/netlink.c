// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "dda" generic netlink family: policies, operations, the events group.
 *
 * The family runs with parallel_ops: handlers are not serialized by the
 * genetlink core, so a slow reset of one device never stalls requests for
 * another. Whatever a handler shares is protected where it is declared.
 */
#include <linux/iommu.h>
#include <net/genetlink.h>
#include <kunit/visibility.h>

#include "dda.h"

static struct genl_family dda_genl_family;

/*
 * Strict per-command policies: an attribute a command does not take has no
 * type here (NLA_UNSPEC), and strict validation refuses it.
 */
VISIBLE_IF_KUNIT const struct nla_policy dda_dev_get_policy[DDA_A_MAX + 1] = {
	[DDA_A_DEV_ADDRESS] = { .type = NLA_NUL_STRING,
				.len = DDA_ADDRESS_LEN },
};
EXPORT_SYMBOL_IF_KUNIT(dda_dev_get_policy);

/* DEV_GET: a do names a device; a dump may name an IOMMU group. */
static const struct nla_policy dda_dev_list_policy[DDA_A_MAX + 1] = {
	[DDA_A_DEV_ADDRESS] = { .type = NLA_NUL_STRING,
				.len = DDA_ADDRESS_LEN },
	[DDA_A_DEV_IOMMU_GROUP] = { .type = NLA_U32 },
};

VISIBLE_IF_KUNIT const struct nla_policy dda_dev_change_policy[DDA_A_MAX + 1] = {
	[DDA_A_DEV_ADDRESS] = { .type = NLA_NUL_STRING,
				.len = DDA_ADDRESS_LEN },
	[DDA_A_DEV_GROUP] = { .type = NLA_FLAG },
};
EXPORT_SYMBOL_IF_KUNIT(dda_dev_change_policy);

static const struct nla_policy dda_dev_handover_policy[DDA_A_MAX + 1] = {
	[DDA_A_DEV_ADDRESS] = { .type = NLA_NUL_STRING,
				.len = DDA_ADDRESS_LEN },
	[DDA_A_DEV_HOLD] = { .type = NLA_FLAG },
};

static const struct genl_multicast_group dda_mcgrps[] = {
	{ .name = DDA_MCGRP_EVENTS },
};

/*
 * Resolve DDA_A_DEV_ADDRESS of a request to a PCI device, with a reference
 * held. Every failure says in the extended ACK which attribute is at fault.
 */
static struct pci_dev *dda_genl_pci_dev(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DDA_A_DEV_ADDRESS];
	struct pci_dev *pdev;
	struct dda_addr addr;

	if (GENL_REQ_ATTR_CHECK(info, DDA_A_DEV_ADDRESS))
		return ERR_PTR(-EINVAL);
	if (dda_addr_parse(nla_data(attr), &addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "address is not a PCI address DDDD:BB:DD.F");
		return ERR_PTR(-EINVAL);
	}
	pdev = dda_addr_get_pci_dev(&addr);
	if (!pdev) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "no PCI device has this address");
		return ERR_PTR(-ENODEV);
	}
	return pdev;
}

static int dda_dev_msg(struct sk_buff *skb, struct pci_dev *pdev, u32 portid,
		       u32 seq, int flags, u8 cmd)
{
	void *hdr;
	int err;

	hdr = genlmsg_put(skb, portid, seq, &dda_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	err = dda_dev_fill(skb, pdev);
	if (err) {
		genlmsg_cancel(skb, hdr);
		return err;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* A message about one device, to a request or in a dump. */
typedef int (*dda_msg_fn)(struct sk_buff *skb, struct pci_dev *pdev,
			  u32 portid, u32 seq, int flags, u8 cmd);

/* Answer @info with the message @fill builds about @pdev. */
static int dda_reply(struct genl_info *info, struct pci_dev *pdev,
		     dda_msg_fn fill)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = fill(msg, pdev, info->snd_portid, info->snd_seq, 0,
		   info->genlhdr->cmd);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int dda_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pci_dev *pdev;
	int err;

	if (info->attrs[DDA_A_DEV_IOMMU_GROUP]) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[DDA_A_DEV_IOMMU_GROUP],
				    "an IOMMU group filters a dump: ask with NLM_F_DUMP");
		return -EINVAL;
	}
	pdev = dda_genl_pci_dev(info);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	err = dda_reply(info, pdev, dda_dev_msg);
	pci_dev_put(pdev);
	return err;
}

/*
 * A dump covers every device, or with DDA_A_DEV_IOMMU_GROUP (DEV_GET only)
 * the devices of that IOMMU group: cb->args[1] is then the group's id + 1.
 */
static int dda_dump_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = dda_dump_attrs(cb);

	if (attrs[DDA_A_DEV_ADDRESS]) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attrs[DDA_A_DEV_ADDRESS],
				    "a dump covers every device: drop the address, or ask without NLM_F_DUMP");
		return -EINVAL;
	}
	if (attrs[DDA_A_DEV_IOMMU_GROUP])
		cb->args[1] = (long)nla_get_u32(attrs[DDA_A_DEV_IOMMU_GROUP]) + 1;
	return 0;
}

/* Whether a dump with @cb's filter covers @pdev. */
static bool dda_dump_covers(struct netlink_callback *cb, struct pci_dev *pdev)
{
	struct iommu_group *group;
	bool covers;

	if (!cb->args[1])
		return true;
	group = iommu_group_get(&pdev->dev);
	if (!group)
		return false;
	covers = (long)iommu_group_id(group) + 1 == cb->args[1];
	iommu_group_put(group);
	return covers;
}

/*
 * Dumps walk every PCI device; cb->args[0] counts the devices already
 * sent. A device that comes or goes between two parts of a dump shifts
 * that count: every message of a part that starts in another generation of
 * the device set than the part before carries NLM_F_DUMP_INTR, and the
 * reader asks again (libdda does).
 */
static int dda_dump(struct sk_buff *skb, struct netlink_callback *cb,
		    dda_msg_fn fill, u8 cmd)
{
	struct pci_dev *pdev = NULL;
	struct nlmsghdr *nlh;
	long done = 0;
	int err = 0;

	cb->seq = dda_devices_generation();
	for_each_pci_dev(pdev) {
		if (done < cb->args[0] || !dda_dump_covers(cb, pdev)) {
			done++;
			continue;
		}
		nlh = (struct nlmsghdr *)skb_tail_pointer(skb);
		err = fill(skb, pdev, NETLINK_CB(cb->skb).portid,
			   cb->nlh->nlmsg_seq, NLM_F_MULTI, cmd);
		if (err) {
			pci_dev_put(pdev);
			break;
		}
		nl_dump_check_consistent(cb, nlh);
		done++;
	}
	cb->args[0] = done;

	/* A full buffer ends this part; the next call goes on from here. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static int dda_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dda_dump(skb, cb, dda_dev_msg, DDA_CMD_DEV_GET);
}

/*
 * Moving a device is an administrator's act: it unbinds and resets any PCI
 * device, the root disk's included, as writing driver_override and bind in
 * sysfs does. GENL_ADMIN_PERM asks only for CAP_NET_ADMIN, which network
 * managers and containers with host networking hold; a change also needs
 * CAP_SYS_ADMIN, of the socket's opener and of the sender.
 */
static int dda_dev_change(struct sk_buff *skb, struct genl_info *info,
			  dda_change_fn change)
{
	struct pci_dev *pdev;
	int err;

	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack,
			       "changing a device needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	pdev = dda_genl_pci_dev(info);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	err = dda_request(change, pdev,
			  nla_get_flag(info->attrs[DDA_A_DEV_GROUP]),
			  info->extack);
	if (!err)
		err = dda_reply(info, pdev, dda_dev_msg);
	pci_dev_put(pdev);
	return err;
}

static int dda_dev_dismount_doit(struct sk_buff *skb, struct genl_info *info)
{
	return dda_dev_change(skb, info, dda_dismount);
}

static int dda_dev_mount_doit(struct sk_buff *skb, struct genl_info *info)
{
	return dda_dev_change(skb, info, dda_mount);
}

static int dda_dev_handover_doit(struct sk_buff *skb, struct genl_info *info)
{
	return dda_dev_change(skb, info,
			      nla_get_flag(info->attrs[DDA_A_DEV_HOLD]) ?
			      dda_handover_held : dda_handover);
}

static int dda_dev_release_doit(struct sk_buff *skb, struct genl_info *info)
{
	return dda_dev_change(skb, info, dda_let_go);
}

static int dda_dev_reclaim_doit(struct sk_buff *skb, struct genl_info *info)
{
	return dda_dev_change(skb, info, dda_reclaim);
}

static int dda_dev_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	return dda_dev_change(skb, info, dda_reset_again);
}

struct dda_survey_msg {
	struct sk_buff *skb;
	enum dda_verdict verdict;
};

static int dda_survey_put(void *ctx, const struct dda_finding *f)
{
	struct dda_survey_msg *sm = ctx;
	struct nlattr *nest;

	if (f->severity == DDA_SEVERITY_BLOCKER)
		sm->verdict = DDA_VERDICT_BLOCKED;
	else if (f->severity == DDA_SEVERITY_WARNING &&
		 sm->verdict == DDA_VERDICT_ASSIGNABLE)
		sm->verdict = DDA_VERDICT_CAVEATS;

	nest = nla_nest_start(sm->skb, DDA_A_SURVEY_FINDING);
	if (!nest ||
	    nla_put_u32(sm->skb, DDA_A_FINDING_CHECK, f->check) ||
	    nla_put_u32(sm->skb, DDA_A_FINDING_SEVERITY, f->severity) ||
	    nla_put_string(sm->skb, DDA_A_FINDING_TEXT, f->text))
		return -EMSGSIZE;
	nla_nest_end(sm->skb, nest);
	return 0;
}

static int dda_survey_msg(struct sk_buff *skb, struct pci_dev *pdev,
			  u32 portid, u32 seq, int flags, u8 cmd)
{
	struct dda_survey_msg sm = { .skb = skb };
	void *hdr;
	int err;

	hdr = genlmsg_put(skb, portid, seq, &dda_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	err = nla_put_string(skb, DDA_A_DEV_ADDRESS, pci_name(pdev));
	if (!err)
		err = dda_survey(pdev, dda_survey_put, &sm);
	if (!err)
		err = nla_put_u32(skb, DDA_A_SURVEY_VERDICT, sm.verdict);
	if (err) {
		genlmsg_cancel(skb, hdr);
		return err;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dda_dev_survey_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pci_dev *pdev;
	int err;

	pdev = dda_genl_pci_dev(info);
	if (IS_ERR(pdev))
		return PTR_ERR(pdev);
	err = dda_reply(info, pdev, dda_survey_msg);
	pci_dev_put(pdev);
	return err;
}

static int dda_dev_survey_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	return dda_dump(skb, cb, dda_survey_msg, DDA_CMD_DEV_SURVEY);
}

/*
 * Tell the events group that a device changed state, its @health after the
 * change, how long the reset of that change took and the window between
 * owners it ended (@extra, NULL for neither). Best effort: with no
 * listener, or no memory, the change stands and the event is lost (a
 * listener that misses one hears ENOBUFS).
 */
void dda_netlink_event(struct pci_dev *pdev, enum dda_state old,
		       enum dda_state state, enum dda_reason reason,
		       enum dda_health health,
		       const struct dda_event_extra *extra)
{
	static const struct dda_event_extra none;
	struct sk_buff *skb;
	void *hdr;

	if (!extra)
		extra = &none;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &dda_genl_family, 0, DDA_CMD_DEV_EVENT);
	if (!hdr ||
	    nla_put_string(skb, DDA_A_DEV_ADDRESS, pci_name(pdev)) ||
	    nla_put_u32(skb, DDA_A_EVENT_OLD_STATE, old) ||
	    nla_put_u32(skb, DDA_A_DEV_STATE, state) ||
	    nla_put_u32(skb, DDA_A_EVENT_REASON, reason) ||
	    nla_put_u32(skb, DDA_A_DEV_HEALTH, health) ||
	    (extra->reset_done &&
	     (nla_put_u32(skb, DDA_A_DEV_RESET_METHOD, extra->reset_method) ||
	      nla_put_u32(skb, DDA_A_DEV_RESET_USEC, extra->reset_usec))) ||
	    (extra->window_usec &&
	     nla_put_u64_64bit(skb, DDA_A_DEV_WINDOW_USEC, extra->window_usec,
			       DDA_A_PAD))) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&dda_genl_family, skb, 0, 0, GFP_KERNEL);
}

static const struct genl_ops dda_genl_ops[] = {
	{
		.cmd = DDA_CMD_DEV_GET,
		.doit = dda_dev_get_doit,
		.start = dda_dump_start,
		.dumpit = dda_dev_get_dumpit,
		.policy = dda_dev_list_policy,
		.maxattr = DDA_A_MAX,
	},
	{
		.cmd = DDA_CMD_DEV_DISMOUNT,
		.flags = GENL_ADMIN_PERM,
		.doit = dda_dev_dismount_doit,
		.policy = dda_dev_change_policy,
		.maxattr = DDA_A_MAX,
	},
	{
		.cmd = DDA_CMD_DEV_MOUNT,
		.flags = GENL_ADMIN_PERM,
		.doit = dda_dev_mount_doit,
		.policy = dda_dev_change_policy,
		.maxattr = DDA_A_MAX,
	},
	{
		.cmd = DDA_CMD_DEV_HANDOVER,
		.flags = GENL_ADMIN_PERM,
		.doit = dda_dev_handover_doit,
		.policy = dda_dev_handover_policy,
		.maxattr = DDA_A_MAX,
	},
	{
		.cmd = DDA_CMD_DEV_RECLAIM,
		.flags = GENL_ADMIN_PERM,
		.doit = dda_dev_reclaim_doit,
		.policy = dda_dev_get_policy,
		.maxattr = DDA_A_MAX,
	},
	{
		.cmd = DDA_CMD_DEV_RESET,
		.flags = GENL_ADMIN_PERM,
		.doit = dda_dev_reset_doit,
		.policy = dda_dev_get_policy,
		.maxattr = DDA_A_MAX,
	},
	{
		.cmd = DDA_CMD_DEV_RELEASE,
		.flags = GENL_ADMIN_PERM,
		.doit = dda_dev_release_doit,
		.policy = dda_dev_get_policy,
		.maxattr = DDA_A_MAX,
	},
	{
		.cmd = DDA_CMD_DEV_SURVEY,
		.doit = dda_dev_survey_doit,
		.start = dda_dump_start,
		.dumpit = dda_dev_survey_dumpit,
		.policy = dda_dev_get_policy,
		.maxattr = DDA_A_MAX,
	},
};

static struct genl_family dda_genl_family __ro_after_init = {
	.name = DDA_GENL_NAME,
	.version = DDA_GENL_VERSION,
	.maxattr = DDA_A_MAX,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.ops = dda_genl_ops,
	.n_ops = ARRAY_SIZE(dda_genl_ops),
	.mcgrps = dda_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dda_mcgrps),
};

int __init dda_netlink_init(void)
{
	return genl_register_family(&dda_genl_family);
}

void dda_netlink_exit(void)
{
	genl_unregister_family(&dda_genl_family);
}
