// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suites for dda.ko: the address parser, the request policies that the
 * genetlink core applies, the device message built from real PCI devices of
 * the test machine (q35 with an Intel IOMMU and an edu device), the state
 * machine, and a real dismount and mount of that edu.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <net/netlink.h>

#include "../../kmod/dda.h"

DDA_IMPORT_KUNIT_NS();

/* --- dda_addr_parse ------------------------------------------------------ */

struct dda_addr_case {
	const char *text;
	int err;
	u16 domain;
	u8 bus;
	u8 devfn;
};

static const struct dda_addr_case dda_addr_cases[] = {
	{ "0000:00:03.0", 0, 0x0000, 0x00, PCI_DEVFN(3, 0) },
	{ "0000:00:1f.7", 0, 0x0000, 0x00, PCI_DEVFN(0x1f, 7) },
	{ "ffff:ff:1f.7", 0, 0xffff, 0xff, PCI_DEVFN(0x1f, 7) },
	{ "ABCD:EF:0A.1", 0, 0xabcd, 0xef, PCI_DEVFN(0x0a, 1) },
	{ "0001:02:00.3", 0, 0x0001, 0x02, PCI_DEVFN(0, 3) },
	{ "", -EINVAL },
	{ "00:03.0", -EINVAL },			/* short form: user space only */
	{ "0000:00:20.0", -EINVAL },		/* device above 0x1f */
	{ "0000:00:03.8", -EINVAL },		/* function above 7 */
	{ "0000:00:03.0 ", -EINVAL },		/* trailing junk */
	{ " 000:00:03.0", -EINVAL },
	{ "00000:00:03.0", -EINVAL },		/* five-digit domain */
	{ "0000-00:03.0", -EINVAL },
	{ "0000:00-03.0", -EINVAL },
	{ "0000:00:03:0", -EINVAL },
	{ "000g:00:03.0", -EINVAL },
	{ "0000:0x:03.0", -EINVAL },
	{ "0000:00:+3.0", -EINVAL },
	{ "garbage-text", -EINVAL },
};

static void dda_addr_case_desc(const struct dda_addr_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->text);
}

KUNIT_ARRAY_PARAM(dda_addr, dda_addr_cases, dda_addr_case_desc);

static void dda_addr_parse_test(struct kunit *test)
{
	const struct dda_addr_case *c = test->param_value;
	struct dda_addr addr = { 0x5555, 0x55, 0x55 };

	KUNIT_ASSERT_EQ(test, dda_addr_parse(c->text, &addr), c->err);
	if (c->err) {
		/* A refused address leaves the result untouched. */
		KUNIT_EXPECT_EQ(test, addr.domain, 0x5555);
		return;
	}
	KUNIT_EXPECT_EQ(test, addr.domain, c->domain);
	KUNIT_EXPECT_EQ(test, addr.bus, c->bus);
	KUNIT_EXPECT_EQ(test, addr.devfn, c->devfn);
}

static struct kunit_case dda_addr_test_cases[] = {
	KUNIT_CASE_PARAM(dda_addr_parse_test, dda_addr_gen_params),
	{}
};

static struct kunit_suite dda_addr_suite = {
	.name = "dda_addr",
	.test_cases = dda_addr_test_cases,
};

/* --- module parameters: ids= and addresses= ------------------------------ */

struct dda_id_case {
	const char *text;
	int err;
	u16 vendor;
	u16 device;
};

static const struct dda_id_case dda_id_cases[] = {
	{ "8086:10d3", 0, 0x8086, 0x10d3 },
	{ "1234:11E8", 0, 0x1234, 0x11e8 },
	{ "ffff:0000", 0, 0xffff, 0x0000 },
	{ "", -EINVAL },
	{ "8086", -EINVAL },
	{ "8086:10d", -EINVAL },
	{ "8086:10d3:", -EINVAL },
	{ "0x86:10d3", -EINVAL },
	{ "+086:10d3", -EINVAL },
	{ "8086-10d3", -EINVAL },
	{ "808g:10d3", -EINVAL },
	{ " 8086:10d3", -EINVAL },
};

static void dda_id_case_desc(const struct dda_id_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "ids \"%s\"", c->text);
}

KUNIT_ARRAY_PARAM(dda_id, dda_id_cases, dda_id_case_desc);

static void dda_id_parse_test(struct kunit *test)
{
	const struct dda_id_case *c = test->param_value;
	struct dda_id id = { 0x5555, 0x5555 };

	KUNIT_ASSERT_EQ(test, dda_id_parse(c->text, &id), c->err);
	if (c->err)
		return;
	KUNIT_EXPECT_EQ(test, id.vendor, c->vendor);
	KUNIT_EXPECT_EQ(test, id.device, c->device);
}

/* A parameter takes the short form too; the netlink attribute does not. */
static void dda_param_addr_test(struct kunit *test)
{
	struct dda_addr addr;

	KUNIT_ASSERT_EQ(test, dda_param_addr_parse("01:00.0", &addr), 0);
	KUNIT_EXPECT_EQ(test, addr.domain, 0);
	KUNIT_EXPECT_EQ(test, addr.bus, 1);
	KUNIT_EXPECT_EQ(test, addr.devfn, PCI_DEVFN(0, 0));
	KUNIT_ASSERT_EQ(test, dda_param_addr_parse("0002:03:1f.7", &addr), 0);
	KUNIT_EXPECT_EQ(test, addr.domain, 2);
	KUNIT_EXPECT_EQ(test, addr.devfn, PCI_DEVFN(0x1f, 7));
	KUNIT_EXPECT_EQ(test, dda_param_addr_parse("1:00.0", &addr), -EINVAL);
	KUNIT_EXPECT_EQ(test, dda_param_addr_parse("01:00.0x", &addr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dda_param_addr_parse("zz:00.0", &addr), -EINVAL);
}

static struct kunit_case dda_param_test_cases[] = {
	KUNIT_CASE_PARAM(dda_id_parse_test, dda_id_gen_params),
	KUNIT_CASE(dda_param_addr_test),
	{}
};

static struct kunit_suite dda_param_suite = {
	.name = "dda_param",
	.test_cases = dda_param_test_cases,
};

/* --- request policies ---------------------------------------------------- */

/*
 * Build a request's attributes in an skb and validate them the way the
 * genetlink core does for a strict family: nla_parse() with the command's
 * policy and maxattr.
 */
static int dda_policy_parse(struct kunit *test, struct sk_buff *skb,
			    const struct nla_policy *policy,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[DDA_A_MAX + 1];

	return nla_parse(tb, DDA_A_MAX, (struct nlattr *)skb->data, skb->len,
			 policy, extack);
}

static struct sk_buff *dda_policy_skb(struct kunit *test)
{
	struct sk_buff *skb = alloc_skb(256, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	return skb;
}

static void dda_policy_address_ok(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	struct sk_buff *skb = dda_policy_skb(test);

	KUNIT_ASSERT_EQ(test, nla_put_string(skb, DDA_A_DEV_ADDRESS,
					     "0000:00:03.0"), 0);
	KUNIT_EXPECT_EQ(test, dda_policy_parse(test, skb, dda_dev_get_policy,
					       &extack), 0);
	kfree_skb(skb);
}

static void dda_policy_address_too_long(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	struct sk_buff *skb = dda_policy_skb(test);

	KUNIT_ASSERT_EQ(test, nla_put_string(skb, DDA_A_DEV_ADDRESS,
					     "00000:00:03.0"), 0);
	KUNIT_EXPECT_EQ(test, dda_policy_parse(test, skb, dda_dev_get_policy,
					       &extack), -EINVAL);
	/* The extended ACK points at the attribute. */
	KUNIT_EXPECT_PTR_EQ(test, (const void *)extack.bad_attr,
			    (const void *)skb->data);
	kfree_skb(skb);
}

static void dda_policy_address_not_terminated(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	struct sk_buff *skb = dda_policy_skb(test);

	KUNIT_ASSERT_EQ(test, nla_put(skb, DDA_A_DEV_ADDRESS, DDA_ADDRESS_LEN,
				      "0000:00:03.0"), 0);
	KUNIT_EXPECT_EQ(test, dda_policy_parse(test, skb, dda_dev_get_policy,
					       &extack), -EINVAL);
	kfree_skb(skb);
}

static void dda_policy_unknown_attr(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	struct sk_buff *skb = dda_policy_skb(test);

	/* A reply attribute is not part of a request. */
	KUNIT_ASSERT_EQ(test, nla_put_u16(skb, DDA_A_DEV_VENDOR, 0x8086), 0);
	KUNIT_EXPECT_EQ(test, dda_policy_parse(test, skb, dda_dev_get_policy,
					       &extack), -EINVAL);
	kfree_skb(skb);

	/* Nor is a type beyond the family's last attribute. */
	skb = dda_policy_skb(test);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, DDA_A_MAX + 1, 1), 0);
	KUNIT_EXPECT_EQ(test, dda_policy_parse(test, skb, dda_dev_get_policy,
					       &extack), -EINVAL);
	kfree_skb(skb);
}

/* A state change takes the group flag, as a flag and only as a flag. */
static void dda_policy_group_flag(struct kunit *test)
{
	struct netlink_ext_ack extack = {};
	struct sk_buff *skb = dda_policy_skb(test);

	KUNIT_ASSERT_EQ(test, nla_put_string(skb, DDA_A_DEV_ADDRESS,
					     "0000:00:03.0"), 0);
	KUNIT_ASSERT_EQ(test, nla_put_flag(skb, DDA_A_DEV_GROUP), 0);
	KUNIT_EXPECT_EQ(test, dda_policy_parse(test, skb,
					       dda_dev_change_policy, &extack),
			0);
	/* DEV_GET has no use for it. */
	KUNIT_EXPECT_EQ(test, dda_policy_parse(test, skb, dda_dev_get_policy,
					       &extack), -EINVAL);
	kfree_skb(skb);

	skb = dda_policy_skb(test);
	KUNIT_ASSERT_EQ(test, nla_put_u32(skb, DDA_A_DEV_GROUP, 1), 0);
	KUNIT_EXPECT_NE(test, dda_policy_parse(test, skb,
					       dda_dev_change_policy, &extack),
			0);
	kfree_skb(skb);
}

static struct kunit_case dda_policy_test_cases[] = {
	KUNIT_CASE(dda_policy_group_flag),
	KUNIT_CASE(dda_policy_address_ok),
	KUNIT_CASE(dda_policy_address_too_long),
	KUNIT_CASE(dda_policy_address_not_terminated),
	KUNIT_CASE(dda_policy_unknown_attr),
	{}
};

static struct kunit_suite dda_policy_suite = {
	.name = "dda_policy",
	.test_cases = dda_policy_test_cases,
};

/* --- the device message -------------------------------------------------- */

static const struct nla_policy dda_dev_reply_policy[DDA_A_MAX + 1] = {
	[DDA_A_DEV_ADDRESS] = { .type = NLA_NUL_STRING },
	[DDA_A_DEV_VENDOR] = { .type = NLA_U16 },
	[DDA_A_DEV_DEVICE] = { .type = NLA_U16 },
	[DDA_A_DEV_SUBSYS_VENDOR] = { .type = NLA_U16 },
	[DDA_A_DEV_SUBSYS_DEVICE] = { .type = NLA_U16 },
	[DDA_A_DEV_CLASS] = { .type = NLA_U32 },
	[DDA_A_DEV_DRIVER] = { .type = NLA_NUL_STRING },
	[DDA_A_DEV_IOMMU_GROUP] = { .type = NLA_U32 },
	[DDA_A_DEV_STATE] = { .type = NLA_U32 },
};

static void dda_dev_fill_check(struct kunit *test, struct pci_dev *pdev)
{
	struct sk_buff *skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);
	struct nlattr *tb[DDA_A_MAX + 1];
	struct iommu_group *group;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, dda_dev_fill(skb, pdev), 0);
	KUNIT_ASSERT_EQ(test, nla_parse(tb, DDA_A_MAX,
					(struct nlattr *)skb->data, skb->len,
					dda_dev_reply_policy, NULL), 0);

	KUNIT_ASSERT_NOT_NULL(test, tb[DDA_A_DEV_ADDRESS]);
	KUNIT_EXPECT_STREQ(test, (char *)nla_data(tb[DDA_A_DEV_ADDRESS]),
			   pci_name(pdev));
	KUNIT_EXPECT_EQ(test, nla_get_u16(tb[DDA_A_DEV_VENDOR]), pdev->vendor);
	KUNIT_EXPECT_EQ(test, nla_get_u16(tb[DDA_A_DEV_DEVICE]), pdev->device);
	KUNIT_EXPECT_EQ(test, nla_get_u16(tb[DDA_A_DEV_SUBSYS_VENDOR]),
			pdev->subsystem_vendor);
	KUNIT_EXPECT_EQ(test, nla_get_u16(tb[DDA_A_DEV_SUBSYS_DEVICE]),
			pdev->subsystem_device);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DDA_A_DEV_CLASS]), pdev->class);
	KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DDA_A_DEV_STATE]),
			(u32)DDA_STATE_HOST);

	group = iommu_group_get(&pdev->dev);
	if (group) {
		KUNIT_ASSERT_NOT_NULL(test, tb[DDA_A_DEV_IOMMU_GROUP]);
		KUNIT_EXPECT_EQ(test, nla_get_u32(tb[DDA_A_DEV_IOMMU_GROUP]),
				(u32)iommu_group_id(group));
		iommu_group_put(group);
	} else {
		KUNIT_EXPECT_NULL(test, tb[DDA_A_DEV_IOMMU_GROUP]);
	}

	if (pdev->dev.driver)
		KUNIT_EXPECT_STREQ(test, (char *)nla_data(tb[DDA_A_DEV_DRIVER]),
				   pdev->dev.driver->name);
	else
		KUNIT_EXPECT_NULL(test, tb[DDA_A_DEV_DRIVER]);
	kfree_skb(skb);
}

/* Every PCI device of the test machine, which has an edu device. */
static void dda_dev_fill_every_device(struct kunit *test)
{
	struct pci_dev *pdev = NULL;
	bool edu = false;
	int n = 0;

	for_each_pci_dev(pdev) {
		dda_dev_fill_check(test, pdev);
		edu |= pdev->vendor == 0x1234 && pdev->device == 0x11e8;
		n++;
	}
	KUNIT_EXPECT_GT(test, n, 1);
	KUNIT_EXPECT_TRUE_MSG(test, edu, "the test machine has an edu device");
}

/* The edu device sits behind the Intel IOMMU: it must report its group. */
static void dda_dev_fill_iommu_group(struct kunit *test)
{
	struct pci_dev *pdev = pci_get_device(0x1234, 0x11e8, NULL);
	struct iommu_group *group;

	KUNIT_ASSERT_NOT_NULL(test, pdev);
	group = iommu_group_get(&pdev->dev);
	KUNIT_EXPECT_NOT_NULL_MSG(test, group, "edu has an IOMMU group");
	iommu_group_put(group);
	dda_dev_fill_check(test, pdev);
	pci_dev_put(pdev);
}

/* The lookup the commands use finds the device a PCI address names. */
static void dda_addr_lookup_test(struct kunit *test)
{
	struct pci_dev *pdev = pci_get_device(0x1234, 0x11e8, NULL), *found;
	struct dda_addr addr;

	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_ASSERT_EQ(test, dda_addr_parse(pci_name(pdev), &addr), 0);
	found = dda_addr_get_pci_dev(&addr);
	KUNIT_EXPECT_PTR_EQ(test, found, pdev);
	pci_dev_put(found);

	addr.bus = 0xfe;	/* nothing on that bus in the test machine */
	KUNIT_EXPECT_NULL(test, dda_addr_get_pci_dev(&addr));
	pci_dev_put(pdev);
}

static struct kunit_case dda_dev_test_cases[] = {
	KUNIT_CASE(dda_dev_fill_every_device),
	KUNIT_CASE(dda_dev_fill_iommu_group),
	KUNIT_CASE(dda_addr_lookup_test),
	{}
};

static struct kunit_suite dda_dev_suite = {
	.name = "dda_dev",
	.test_cases = dda_dev_test_cases,
};

/* --- the state machine -------------------------------------------------- */

static struct pci_dev *dda_test_edu(struct kunit *test)
{
	struct pci_dev *pdev = pci_get_device(0x1234, 0x11e8, NULL);

	KUNIT_ASSERT_NOT_NULL(test, pdev);
	return pdev;
}

/*
 * Every rule of dda_dev_begin()/dda_dev_end(), on the bookkeeping alone: no
 * driver is bound or unbound here.
 */
static void dda_state_machine_test(struct kunit *test)
{
	struct pci_dev *pdev = dda_test_edu(test);
	struct netlink_ext_ack extack = {};
	struct dda_dev *dd, *again;

	KUNIT_ASSERT_EQ(test, (int)dda_state_of(pdev), (int)DDA_STATE_HOST);

	/* From host: an entry, busy; a second transition is refused. */
	dd = dda_dev_begin(pdev, DDA_STATE_HOST, &extack);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dd));
	again = dda_dev_begin(pdev, DDA_STATE_HOST, &extack);
	KUNIT_EXPECT_EQ(test, PTR_ERR(again), -EBUSY);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "another request is changing this device");
	again = dda_dev_begin(pdev, DDA_STATE_QUARANTINED, &extack);
	KUNIT_EXPECT_EQ(test, PTR_ERR(again), -EBUSY);
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev), (int)DDA_STATE_HOST);

	dda_dev_end(dd, DDA_STATE_QUARANTINED, DDA_REASON_DISMOUNT);
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev),
			(int)DDA_STATE_QUARANTINED);

	/* From the wrong state: refused, with the reason. */
	again = dda_dev_begin(pdev, DDA_STATE_HOST, &extack);
	KUNIT_EXPECT_EQ(test, PTR_ERR(again), -EALREADY);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "the device is quarantined already");
	again = dda_dev_begin(pdev, DDA_STATE_ASSIGNED, &extack);
	KUNIT_EXPECT_EQ(test, PTR_ERR(again), -EINVAL);

	/* Back to host: the entry goes. */
	dd = dda_dev_begin(pdev, DDA_STATE_QUARANTINED, &extack);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dd));
	dda_dev_end(dd, DDA_STATE_HOST, DDA_REASON_MOUNT);
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev), (int)DDA_STATE_HOST);
	again = dda_dev_begin(pdev, DDA_STATE_QUARANTINED, &extack);
	KUNIT_EXPECT_EQ(test, PTR_ERR(again), -EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "the device is not held by dda: dismount it first");
	pci_dev_put(pdev);
}

/* --- a real dismount and mount ------------------------------------------- */

static bool dda_test_bound_to(struct pci_dev *pdev, const char *name)
{
	char driver[DDA_DRIVER_NAME_LEN];

	dda_driver_name(pdev, driver, sizeof(driver));
	return !strcmp(driver, name);
}

/*
 * Does @domain let no DMA through? The domain that owning a group's DMA
 * puts it in is the IOMMU driver's blocking domain where it has one (Intel
 * on 6.12), else an unmanaged domain the core made, which must have nothing
 * mapped: no address translates, low, high, or where the kernel's own data
 * is.
 */
static void dda_expect_blocking(struct kunit *test,
				struct iommu_domain *domain)
{
	static const u64 iovas[] = { 0, SZ_4K, SZ_1M, SZ_1G, SZ_4G };
	unsigned int i;
	void *data;

	KUNIT_ASSERT_NOT_NULL(test, domain);
	if (domain->type == IOMMU_DOMAIN_BLOCKED)
		return;
	KUNIT_ASSERT_EQ(test, domain->type,
			(unsigned int)IOMMU_DOMAIN_UNMANAGED);
	for (i = 0; i < ARRAY_SIZE(iovas); i++)
		KUNIT_EXPECT_EQ_MSG(test, iommu_iova_to_phys(domain, iovas[i]),
				    (phys_addr_t)0, "IOVA %#llx is mapped",
				    iovas[i]);
	data = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_EXPECT_EQ(test,
			iommu_iova_to_phys(domain, virt_to_phys(data)),
			(phys_addr_t)0);
}

/*
 * The edu goes into quarantine: bound to dda, a domain that blocks all DMA
 * in place of the DMA domain, bus master off; and comes back with its DMA
 * domain and no driver, as it was.
 */
static void dda_dismount_mount_test(struct kunit *test)
{
	struct pci_dev *pdev = dda_test_edu(test);
	struct netlink_ext_ack extack = {};
	struct iommu_domain *before, *during;
	u16 cmd;

	KUNIT_ASSERT_TRUE(test, dda_test_bound_to(pdev, ""));
	before = iommu_get_domain_for_dev(&pdev->dev);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_EXPECT_EQ(test, before->type, (unsigned int)IOMMU_DOMAIN_DMA);

	KUNIT_ASSERT_EQ_MSG(test, dda_dismount(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, "dda"));
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev),
			(int)DDA_STATE_QUARANTINED);
	during = iommu_get_domain_for_dev(&pdev->dev);
	KUNIT_ASSERT_NOT_NULL(test, during);
	KUNIT_EXPECT_PTR_NE(test, during, before);
	dda_expect_blocking(test, during);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	KUNIT_EXPECT_FALSE(test, cmd & PCI_COMMAND_MASTER);

	/* Quarantined already: refused, nothing changes. */
	KUNIT_EXPECT_EQ(test, dda_dismount(pdev, false, &extack), -EALREADY);
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, "dda"));

	KUNIT_ASSERT_EQ_MSG(test, dda_mount(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, ""));
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev), (int)DDA_STATE_HOST);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(&pdev->dev),
			    before);
	pci_dev_put(pdev);
}

/*
 * Handover to vfio-pci and reclaim: only from quarantine; the device comes
 * back bound to dda with its quarantine domain again.
 */
static void dda_handover_reclaim_test(struct kunit *test)
{
	struct pci_dev *pdev = dda_test_edu(test);
	struct netlink_ext_ack extack = {};
	struct iommu_domain *quarantine;

	KUNIT_EXPECT_EQ(test, dda_handover(pdev, false, &extack), -EINVAL);
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, ""));

	KUNIT_ASSERT_EQ_MSG(test, dda_dismount(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_ASSERT_EQ_MSG(test, dda_handover(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, "vfio-pci"));
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev),
			(int)DDA_STATE_ASSIGNED);
	KUNIT_EXPECT_EQ(test, dda_mount(pdev, false, &extack), -EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "the device is assigned: reclaim it first");

	KUNIT_ASSERT_EQ_MSG(test, dda_reclaim(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, "dda"));
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev),
			(int)DDA_STATE_QUARANTINED);
	quarantine = iommu_get_domain_for_dev(&pdev->dev);
	dda_expect_blocking(test, quarantine);

	KUNIT_ASSERT_EQ(test, dda_mount(pdev, false, &extack), 0);
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, ""));
	pci_dev_put(pdev);
}

/*
 * Is attribute @type in @pdev's device message? If so and @u64 is not NULL,
 * it is a u64 whose value goes there.
 */
static bool dda_test_msg_has(struct kunit *test, struct pci_dev *pdev,
			     int type, u64 *u64)
{
	struct sk_buff *skb = alloc_skb(NLMSG_GOODSIZE, GFP_KERNEL);
	const struct nlattr *a;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_ASSERT_EQ(test, dda_dev_fill(skb, pdev), 0);
	a = nla_find((struct nlattr *)skb->data, skb->len, type);
	if (a && u64)
		*u64 = nla_get_u64(a);
	kfree_skb(skb);
	return a;
}

/* DDA_A_DEV_WINDOW_USEC of @pdev's device message; 0 if absent. */
static u64 dda_test_window_usec(struct kunit *test, struct pci_dev *pdev)
{
	u64 usec = 0;

	dda_test_msg_has(test, pdev, DDA_A_DEV_WINDOW_USEC, &usec);
	return usec;
}

/*
 * The window between owners: after a handover the group has no DMA owner
 * until vfio's user claims it (the test claims it as vfio would), and dda
 * sees that claim within milliseconds; the window it records is no longer
 * than the test's own measure. The release of the user and dda's claim at
 * reclaim end a second one.
 */
static void dda_window_test(struct kunit *test)
{
	struct pci_dev *pdev = dda_test_edu(test);
	struct netlink_ext_ack extack = {};
	struct iommu_group *group;
	ktime_t start;
	u64 usec, window, waited;
	int i;

	group = iommu_group_get(&pdev->dev);
	KUNIT_ASSERT_NOT_NULL(test, group);
	KUNIT_ASSERT_EQ_MSG(test, dda_dismount(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_FALSE(test, dda_window_unowned(pdev, &usec));
	start = ktime_get();
	KUNIT_ASSERT_EQ_MSG(test, dda_handover(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_TRUE(test, dda_window_unowned(pdev, &usec));
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));

	msleep(20);
	KUNIT_ASSERT_EQ(test, iommu_group_claim_dma_owner(group, test), 0);
	waited = ktime_to_us(ktime_sub(ktime_get(), start));
	for (i = 0; i < 100 && dda_window_unowned(pdev, &usec); i++)
		usleep_range(USEC_PER_MSEC, 2 * USEC_PER_MSEC);
	KUNIT_EXPECT_FALSE(test, dda_window_unowned(pdev, &usec));
	window = dda_test_window_usec(test, pdev);
	kunit_info(test, "window %llu us, handover to claim %llu us\n",
		   window, waited);
	KUNIT_EXPECT_GE(test, window, 20 * USEC_PER_MSEC);
	/*
	 * Seen at the next poll: every millisecond for 100 ms, then every
	 * 10 ms (should binding vfio-pci take that long), and scheduling.
	 */
	KUNIT_EXPECT_LE(test, window, waited + 20 * USEC_PER_MSEC);

	iommu_group_release_dma_owner(group);
	KUNIT_ASSERT_EQ_MSG(test, dda_reclaim(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_FALSE(test, dda_window_unowned(pdev, &usec));
	KUNIT_EXPECT_GT(test, dda_test_window_usec(test, pdev), 0ULL);

	KUNIT_ASSERT_EQ(test, dda_mount(pdev, false, &extack), 0);
	iommu_group_put(group);
	pci_dev_put(pdev);
}

/*
 * A handover with hold keeps the group's DMA while vfio-pci binds: the
 * group stays owned by dda, the device message says hold, and no VFIO user
 * can claim it (the test claims as vfio would). Once released, the claim
 * goes through, and the window dda measures starts at the release, not at
 * the handover 200 ms before it. A group held and never released is
 * reclaimed with no window at all; a group not held cannot be released.
 */
static void dda_hold_test(struct kunit *test)
{
	struct pci_dev *pdev = dda_test_edu(test);
	struct netlink_ext_ack extack = {};
	struct iommu_group *group;
	ktime_t released;
	u64 usec, window, waited;
	int i;

	group = iommu_group_get(&pdev->dev);
	KUNIT_ASSERT_NOT_NULL(test, group);
	KUNIT_ASSERT_EQ_MSG(test, dda_dismount(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_ASSERT_EQ_MSG(test, dda_handover_held(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, "vfio-pci"));
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev),
			(int)DDA_STATE_ASSIGNED);
	KUNIT_EXPECT_TRUE(test, iommu_group_dma_owner_claimed(group));
	KUNIT_EXPECT_FALSE(test, dda_window_unowned(pdev, &usec));
	KUNIT_EXPECT_TRUE(test,
			  dda_test_msg_has(test, pdev, DDA_A_DEV_HOLD, NULL));
	dda_expect_blocking(test, iommu_get_domain_for_dev(&pdev->dev));
	KUNIT_EXPECT_NE(test, iommu_group_claim_dma_owner(group, test), 0);

	msleep(200);
	released = ktime_get();
	KUNIT_ASSERT_EQ_MSG(test, dda_let_go(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_FALSE(test,
			   dda_test_msg_has(test, pdev, DDA_A_DEV_HOLD, NULL));
	KUNIT_ASSERT_EQ(test, iommu_group_claim_dma_owner(group, test), 0);
	waited = ktime_to_us(ktime_sub(ktime_get(), released));
	for (i = 0; i < 100 && dda_window_unowned(pdev, &usec); i++)
		usleep_range(USEC_PER_MSEC, 2 * USEC_PER_MSEC);
	KUNIT_EXPECT_FALSE(test, dda_window_unowned(pdev, &usec));
	window = dda_test_window_usec(test, pdev);
	kunit_info(test, "held: window %llu us, release to claim %llu us\n",
		   window, waited);
	KUNIT_EXPECT_GT(test, window, 0ULL);
	KUNIT_EXPECT_LE(test, window, waited + 20 * USEC_PER_MSEC);
	KUNIT_EXPECT_LT(test, window, 200 * USEC_PER_MSEC);
	/* Released already: a second release is refused. */
	KUNIT_EXPECT_EQ(test, dda_let_go(pdev, false, &extack), -EINVAL);
	iommu_group_release_dma_owner(group);
	KUNIT_ASSERT_EQ_MSG(test, dda_reclaim(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");

	/* Held, never released, reclaimed: owned by dda all along. */
	KUNIT_ASSERT_EQ_MSG(test, dda_handover_held(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_ASSERT_EQ_MSG(test, dda_reclaim(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, "dda"));
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev),
			(int)DDA_STATE_QUARANTINED);
	KUNIT_EXPECT_TRUE(test, iommu_group_dma_owner_claimed(group));
	KUNIT_EXPECT_FALSE(test, dda_window_unowned(pdev, &usec));
	KUNIT_EXPECT_FALSE(test,
			   dda_test_msg_has(test, pdev, DDA_A_DEV_HOLD, NULL));
	dda_expect_blocking(test, iommu_get_domain_for_dev(&pdev->dev));
	KUNIT_EXPECT_EQ(test, dda_let_go(pdev, false, &extack), -EINVAL);

	/* Handed over without hold: nothing to release. */
	KUNIT_ASSERT_EQ_MSG(test, dda_handover(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_EQ(test, dda_let_go(pdev, false, &extack), -EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "dda does not hold its IOMMU group: handed over without hold, or released already");
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev),
			(int)DDA_STATE_ASSIGNED);
	KUNIT_ASSERT_EQ_MSG(test, dda_reclaim(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");

	KUNIT_ASSERT_EQ(test, dda_mount(pdev, false, &extack), 0);
	iommu_group_put(group);
	pci_dev_put(pdev);
}

struct dda_test_reset_survey {
	bool blocker;
	const char *reason;
};

static int dda_test_reset_finding(void *ctx, const struct dda_finding *f)
{
	struct dda_test_reset_survey *t = ctx;

	if (f->check == DDA_CHECK_RESET &&
	    f->severity == DDA_SEVERITY_BLOCKER) {
		t->blocker = true;
		t->reason = f->reason;
	}
	return 0;
}

/*
 * A device that stops answering (the PCI core's own mark of a device that
 * is gone: every config read then returns all ones) fails the check after
 * its reset: it stays quarantined, bound to dda with its DMA blocked, marked
 * unhealthy; the survey says so; handover refuses its group and mount keeps
 * it. Once it answers again, a reset clears it, and it mounts.
 */
static void dda_unhealthy_test(struct kunit *test)
{
	struct pci_dev *pdev = dda_test_edu(test);
	struct netlink_ext_ack extack = {};
	struct dda_test_reset_survey t = {};

	KUNIT_ASSERT_EQ_MSG(test, dda_dismount(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_EQ(test, (int)dda_health_of(pdev), (int)DDA_HEALTH_OK);

	pdev->error_state = pci_channel_io_perm_failure;
	KUNIT_EXPECT_EQ(test, dda_reset_again(pdev, false, &extack), -EIO);
	KUNIT_EXPECT_EQ(test, (int)dda_health_of(pdev),
			(int)DDA_HEALTH_NO_ANSWER);
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev),
			(int)DDA_STATE_QUARANTINED);
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, "dda"));
	dda_expect_blocking(test, iommu_get_domain_for_dev(&pdev->dev));

	KUNIT_EXPECT_EQ(test, dda_survey(pdev, dda_test_reset_finding, &t), 0);
	KUNIT_EXPECT_TRUE(test, t.blocker);

	KUNIT_EXPECT_EQ(test, dda_handover(pdev, false, &extack), -EIO);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "a device of its IOMMU group did not come back from its last reset: reset it again first");
	KUNIT_EXPECT_EQ(test, dda_mount(pdev, false, &extack), -EIO);
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, "dda"));
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(pdev),
			(int)DDA_STATE_QUARANTINED);

	pdev->error_state = pci_channel_io_normal;
	KUNIT_EXPECT_EQ_MSG(test, dda_reset_again(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_EQ(test, (int)dda_health_of(pdev), (int)DDA_HEALTH_OK);
	KUNIT_ASSERT_EQ_MSG(test, dda_mount(pdev, false, &extack), 0,
			    "%s", extack._msg ?: "");
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(pdev, ""));
	pci_dev_put(pdev);
}

/* Is @pdev's driver_override @want (NULL: none)? */
static bool dda_test_override_is(struct pci_dev *pdev, const char *want)
{
	const char *override;
	bool is;

	device_lock(&pdev->dev);
	override = dda_override_dup(pdev);
	device_unlock(&pdev->dev);
	if (IS_ERR(override))
		return false;
	is = want ? override && !strcmp(override, want) : !override;
	kfree(override);
	return is;
}

/*
 * A group dismount whose later member fails leaves every member where it
 * was. The two edus behind the test machine's conventional PCI bridge share
 * an IOMMU group; the second one no driver may bind (match_driver off, the
 * PCI core's own mark of a device not yet added), so the first is taken by
 * dda, its probe claiming the group's DMA, and the second is not. Both must
 * come back: no driver, the driver_override each had before, the state
 * host, the group's DMA no longer dda's and on its default domain again.
 */
static void dda_group_rollback_test(struct kunit *test)
{
	struct pci_dev *a = NULL, *b = NULL, *pdev = NULL;
	struct netlink_ext_ack extack = {};
	struct iommu_group *group, *other;
	struct iommu_domain *before;

	while ((pdev = pci_get_device(0x1234, 0x11e8, pdev))) {
		if (pci_is_root_bus(pdev->bus))
			continue;
		if (!a)
			a = pci_dev_get(pdev);
		else if (!b)
			b = pci_dev_get(pdev);
	}
	KUNIT_ASSERT_NOT_NULL_MSG(test, b, "two edus behind a PCI bridge");
	group = iommu_group_get(&a->dev);
	other = iommu_group_get(&b->dev);
	iommu_group_put(other);
	KUNIT_ASSERT_NOT_NULL(test, group);
	KUNIT_ASSERT_PTR_EQ(test, other, group);
	before = iommu_get_domain_for_dev(&a->dev);

	KUNIT_ASSERT_EQ(test, dda_override_set(a, "dda-test-a"), 0);
	KUNIT_ASSERT_EQ(test, dda_override_set(b, "dda-test-b"), 0);
	b->match_driver = false;
	KUNIT_EXPECT_EQ(test, dda_dismount(a, true, &extack), -EIO);
	b->match_driver = true;
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "dda could not take the device: see the kernel log");

	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(a, ""));
	KUNIT_EXPECT_TRUE(test, dda_test_bound_to(b, ""));
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(a), (int)DDA_STATE_HOST);
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(b), (int)DDA_STATE_HOST);
	KUNIT_EXPECT_TRUE(test, dda_test_override_is(a, "dda-test-a"));
	KUNIT_EXPECT_TRUE(test, dda_test_override_is(b, "dda-test-b"));
	KUNIT_EXPECT_FALSE(test, iommu_group_dma_owner_claimed(group));
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(&a->dev), before);

	dda_override_set(a, NULL);
	dda_override_set(b, NULL);
	iommu_group_put(group);
	pci_dev_put(a);
	pci_dev_put(b);
}

/* A host bridge is refused by the survey's check, and nothing changes. */
static void dda_dismount_bridge_test(struct kunit *test)
{
	struct pci_dev *host = pci_get_domain_bus_and_slot(0, 0, 0);
	struct netlink_ext_ack extack = {};

	KUNIT_ASSERT_NOT_NULL(test, host);
	KUNIT_EXPECT_EQ(test, dda_dismount(host, false, &extack), -EINVAL);
	KUNIT_EXPECT_STREQ(test, extack._msg,
			   "host and PCI bridges cannot be assigned");
	KUNIT_EXPECT_EQ(test, (int)dda_state_of(host), (int)DDA_STATE_HOST);
	pci_dev_put(host);
}

struct dda_test_findings {
	unsigned int n, blockers;
	bool iommu, intr_remap;
};

static int dda_test_finding(void *ctx, const struct dda_finding *f)
{
	struct dda_test_findings *t = ctx;

	t->n++;
	t->blockers += f->severity == DDA_SEVERITY_BLOCKER;
	t->iommu |= f->check == DDA_CHECK_IOMMU &&
		    !strncmp(f->text, "IOMMU group ", 12);
	t->intr_remap |= f->check == DDA_CHECK_INTR_REMAP &&
			 f->severity == DDA_SEVERITY_INFO;
	return 0;
}

/* The edu of a machine with an Intel IOMMU and interrupt remapping. */
static void dda_survey_edu_test(struct kunit *test)
{
	struct pci_dev *pdev = dda_test_edu(test);
	struct dda_test_findings t = {};

	KUNIT_EXPECT_EQ(test, dda_survey(pdev, dda_test_finding, &t), 0);
	KUNIT_EXPECT_GT(test, t.n, 3U);
	KUNIT_EXPECT_EQ(test, t.blockers, 0U);
	KUNIT_EXPECT_TRUE(test, t.iommu);
	KUNIT_EXPECT_TRUE(test, t.intr_remap);
	pci_dev_put(pdev);
}

/* A change for dda_request() that ends when the test says. */
static DECLARE_COMPLETION(dda_test_go);
static DECLARE_COMPLETION(dda_test_ended);

static int dda_test_slow_change(struct pci_dev *pdev, bool group,
				struct netlink_ext_ack *extack)
{
	long left = wait_for_completion_timeout(&dda_test_go, 20 * HZ);

	complete(&dda_test_ended);
	return left ? 0 : -ETIMEDOUT;
}

static int dda_test_fast_change(struct pci_dev *pdev, bool group,
				struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack, "the fast change says no");
	return group ? -EALREADY : 0;
}

/*
 * A request waits for its change two seconds at most: a quick one gives
 * its answer and reason, a slow one is answered -EINPROGRESS and goes on
 * to its end in dda's worker.
 */
static void dda_request_test(struct kunit *test)
{
	struct pci_dev *pdev = dda_test_edu(test);
	struct netlink_ext_ack extack = {};
	unsigned long start, took;

	KUNIT_EXPECT_EQ(test, dda_request(dda_test_fast_change, pdev, true,
					  &extack), -EALREADY);
	KUNIT_EXPECT_STREQ(test, extack._msg, "the fast change says no");
	KUNIT_EXPECT_EQ(test, dda_request(dda_test_fast_change, pdev, false,
					  &extack), 0);

	reinit_completion(&dda_test_go);
	reinit_completion(&dda_test_ended);
	start = jiffies;
	KUNIT_EXPECT_EQ(test, dda_request(dda_test_slow_change, pdev, false,
					  &extack), -EINPROGRESS);
	took = jiffies - start;
	KUNIT_EXPECT_GE(test, took, HZ);
	KUNIT_EXPECT_LE(test, took, 10 * HZ);
	KUNIT_EXPECT_NOT_NULL(test, strstr(extack._msg, "in progress"));
	KUNIT_EXPECT_FALSE(test, completion_done(&dda_test_ended));
	complete(&dda_test_go);
	KUNIT_EXPECT_GT(test, wait_for_completion_timeout(&dda_test_ended,
							  10 * HZ), 0UL);
	pci_dev_put(pdev);
}

static struct kunit_case dda_state_test_cases[] = {
	KUNIT_CASE(dda_request_test),
	KUNIT_CASE(dda_state_machine_test),
	KUNIT_CASE(dda_survey_edu_test),
	KUNIT_CASE(dda_dismount_bridge_test),
	KUNIT_CASE(dda_dismount_mount_test),
	KUNIT_CASE(dda_handover_reclaim_test),
	KUNIT_CASE(dda_window_test),
	KUNIT_CASE(dda_hold_test),
	KUNIT_CASE(dda_unhealthy_test),
	KUNIT_CASE(dda_group_rollback_test),
	{}
};

static struct kunit_suite dda_state_suite = {
	.name = "dda_state",
	.test_cases = dda_state_test_cases,
};

kunit_test_suites(&dda_addr_suite, &dda_param_suite, &dda_policy_suite,
		  &dda_dev_suite, &dda_state_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for dda");
