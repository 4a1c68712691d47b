// SPDX-License-Identifier: GPL-2.0-only
/*
 * Survey: may a device be assigned, and why not. Every check dda makes
 * before it takes a device lives here, as a finding with a severity; a
 * dismount refuses on the first finding that forbids it, so what the survey
 * says and what dda does cannot disagree.
 */
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>
#include <linux/vgaarb.h>

#include <kunit/visibility.h>

#include "dda.h"

#define DDA_ACS_NEEDED	(PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

struct dda_survey {
	struct pci_dev *pdev;
	dda_finding_fn fn;
	void *ctx;
	int stop;		/* what fn returned, once non-zero */
};

static __printf(6, 7)
void dda_find(struct dda_survey *s, enum dda_check check,
	      enum dda_severity severity, int err, const char *reason,
	      const char *fmt, ...)
{
	struct dda_finding f = {
		.check = check,
		.severity = severity,
		.err = err,
		.reason = reason,
	};
	va_list args;

	if (s->stop)
		return;
	va_start(args, fmt);
	vsnprintf(f.text, sizeof(f.text), fmt, args);
	va_end(args);
	s->stop = s->fn(s->ctx, &f);
}

/*
 * A bridge stays with the host: a PCI-to-PCI or CardBus bridge, or a host
 * bridge (the classes libdda's dda_class_is_bridge() names, in user space).
 */
bool dda_is_bridge(struct pci_dev *pdev)
{
	return pci_is_bridge(pdev) || pdev->class >> 8 == PCI_CLASS_BRIDGE_HOST;
}

static void dda_survey_bridge(struct dda_survey *s)
{
	if (dda_is_bridge(s->pdev))
		dda_find(s, DDA_CHECK_BRIDGE, DDA_SEVERITY_BLOCKER, -EINVAL,
			 "host and PCI bridges cannot be assigned",
			 "a %s bridge stays with the host",
			 pci_is_bridge(s->pdev) ? "PCI" : "host");
}

/*
 * ATS (Address Translation Services): a device that has it may send DMA
 * marked as already translated, which the IOMMU lets through as it is,
 * untranslated, wherever its context says the device may cache translations
 * (Intel VT-d: translation type "device TLB", set whenever the device and
 * the IOMMU support ATS). Only the IOMMU driver turns ATS on and off, as it
 * attaches domains, and dda cannot keep it off (pci_disable_ats() behind the
 * driver's back would leave its bookkeeping wrong):
 *
 * - Linux 6.1's Intel driver has no blocking domain: the core gives dda an
 *   empty paging domain, whose attach enables ATS (domain_add_dev_info() ->
 *   iommu_enable_pci_caps() -> pci_enable_ats(), drivers/iommu/intel/
 *   iommu.c:2573 and 1497 in 6.1.y) with a device-TLB context (2073), so
 *   ATS is on while quarantined;
 * - Linux 6.12's has one: attaching it disables ATS and clears the context
 *   (blocking_domain_attach_dev() -> device_block_translation() ->
 *   iommu_disable_pci_caps(), iommu.c:3478 and 3434 in 6.12.y), so ATS is
 *   off while quarantined;
 * - on both, the default domain between two owners enables ATS when it
 *   translates (iommu=strict, lazy); identity (iommu=pt) in legacy mode does
 *   not; and vfio's user turns it on with its own domain.
 *
 * What the device's ATS is now, and whether it is on in quarantine, is a
 * warning: which devices can be trusted with ATS is the administrator's
 * call (pci=noats turns it off for every device).
 */
static bool dda_ats_enabled(struct pci_dev *pdev)
{
#ifdef CONFIG_PCI_ATS
	return pdev->ats_enabled;
#else
	return false;
#endif
}

static void dda_survey_ats(struct dda_survey *s)
{
	struct pci_dev *pdev = s->pdev;

	if (!pci_ats_supported(pdev))
		return;
	if (dda_bound(pdev) && dda_ats_enabled(pdev))
		dda_find(s, DDA_CHECK_IOMMU, DDA_SEVERITY_WARNING, 0, NULL,
			 "ATS is on while quarantined: the IOMMU driver enabled it on the domain that blocks the group's DMA, and lets through DMA the device marks as translated");
	else
		dda_find(s, DDA_CHECK_IOMMU, DDA_SEVERITY_WARNING, 0, NULL,
			 "has ATS, %s now: the IOMMU driver turns it on with every translating domain (its owner's, and between two owners the default one under iommu=strict) and then lets through DMA the device marks as translated",
			 dda_ats_enabled(pdev) ? "on" : "off");
}

/*
 * Between two owners (see dda_handover()) the group is on its default
 * domain: say which, plainly when it passes DMA through untranslated, and
 * how long the group has had no owner if that is now.
 */
static void dda_survey_between_owners(struct dda_survey *s)
{
	const char *type = dda_default_domain_type(s->pdev);
	enum dda_state state = dda_state_of(s->pdev);
	bool identity = type && !strcmp(type, "identity");
	u64 usec;

	if (dda_window_unowned(s->pdev, &usec))
		dda_find(s, DDA_CHECK_IOMMU, DDA_SEVERITY_WARNING, 0, NULL,
			 "its IOMMU group has had no DMA owner for %llu.%03llu s (no guest has opened it): it is on its default domain, %s",
			 usec / USEC_PER_SEC, usec % USEC_PER_SEC / USEC_PER_MSEC,
			 type ?: "none");
	if (!type)
		return;
	if (identity && state == DDA_STATE_ASSIGNED)
		dda_find(s, DDA_CHECK_IOMMU, DDA_SEVERITY_WARNING, 0, NULL,
			 "a guest's, and its group's default domain is identity (iommu=pt): while no owner holds the group, it reaches all host memory");
	else if (identity && state == DDA_STATE_QUARANTINED)
		dda_find(s, DDA_CHECK_IOMMU, DDA_SEVERITY_WARNING, 0, NULL,
			 "its group's default domain is identity (iommu=pt): between dda and a guest (handover, reclaim) it reaches all host memory");
	else if (identity)
		dda_find(s, DDA_CHECK_IOMMU, DDA_SEVERITY_WARNING, 0, NULL,
			 "the group's default domain is identity (iommu=pt): between two owners it reaches all host memory");
	else
		dda_find(s, DDA_CHECK_IOMMU, DDA_SEVERITY_INFO, 0, NULL,
			 "between two owners its group is on its default domain, %s",
			 type);
}

static void dda_survey_iommu(struct dda_survey *s, struct iommu_group *group)
{
	struct iommu_domain *domain;

	if (!group) {
		dda_find(s, DDA_CHECK_IOMMU, DDA_SEVERITY_BLOCKER, -EOPNOTSUPP,
			 "no IOMMU group: DMA cannot be confined (is the IOMMU on?)",
			 "no IOMMU group: the IOMMU is off or does not cover this device");
		return;
	}
	domain = iommu_get_domain_for_dev(&s->pdev->dev);
	dda_find(s, DDA_CHECK_IOMMU, DDA_SEVERITY_INFO, 0, NULL,
		 "IOMMU group %d, %s", iommu_group_id(group),
		 !domain ? "no domain attached" :
		 domain->type == IOMMU_DOMAIN_IDENTITY ?
		 "host DMA passes through untranslated (iommu=pt)" :
		 domain->type & __IOMMU_DOMAIN_PAGING ?
		 "host DMA translated by the IOMMU" : "DMA blocked");
	dda_survey_between_owners(s);
	dda_survey_ats(s);
}

static void dda_survey_intr_remap(struct dda_survey *s)
{
	if (dda_isolated_msi(s->pdev))
		dda_find(s, DDA_CHECK_INTR_REMAP, DDA_SEVERITY_INFO, 0, NULL,
			 "interrupt remapping is on");
	else if (dda_allow_unsafe_interrupts)
		dda_find(s, DDA_CHECK_INTR_REMAP, DDA_SEVERITY_WARNING, 0, NULL,
			 "no interrupt remapping, allowed by allow_unsafe_interrupts: a guest may forge interrupts");
	else
		dda_find(s, DDA_CHECK_INTR_REMAP, DDA_SEVERITY_BLOCKER,
			 -EOPNOTSUPP,
			 "no interrupt remapping (see the allow_unsafe_interrupts option)",
			 "no interrupt remapping: a guest could forge interrupts");
}

/*
 * Does the driver of @pdev use the DMA API? Then the group's DMA stays with
 * the host while it is bound (iommu_group_claim_dma_owner() refuses).
 */
static bool dda_driver_uses_dma(struct pci_dev *pdev)
{
	struct device_driver *drv;
	bool uses;

	/* Without the device lock: see dda_driver_name(). */
	rcu_read_lock();
	drv = READ_ONCE(pdev->dev.driver);
	uses = drv && !to_pci_driver(drv)->driver_managed_dma;
	rcu_read_unlock();
	return uses;
}

static void dda_survey_member(struct dda_survey *s, struct pci_dev *pdev)
{
	char driver[DDA_DRIVER_NAME_LEN];

	dda_driver_name(pdev, driver, sizeof(driver));
	if (dda_is_bridge(pdev) && dda_driver_uses_dma(pdev))
		dda_find(s, DDA_CHECK_GROUP, DDA_SEVERITY_BLOCKER, -EBUSY,
			 "a bridge in its IOMMU group is bound to a driver that uses DMA",
			 "shares its IOMMU group with bridge %s, bound to %s, which uses DMA: the group's DMA stays with the host",
			 pci_name(pdev), driver);
	else if (dda_is_bridge(pdev))
		dda_find(s, DDA_CHECK_GROUP, DDA_SEVERITY_INFO, 0, NULL,
			 "shares its IOMMU group with bridge %s, which stays with the host",
			 pci_name(pdev));
	else if (!strcmp(driver, dda_pci_driver.name))
		dda_find(s, DDA_CHECK_GROUP, DDA_SEVERITY_INFO, 0, NULL,
			 "shares its IOMMU group with %s, quarantined",
			 pci_name(pdev));
	else if (!strcmp(driver, "vfio-pci"))
		dda_find(s, DDA_CHECK_GROUP, DDA_SEVERITY_BLOCKER, -EBUSY,
			 "another device of its IOMMU group is bound to vfio-pci, in use by a guest",
			 "shares its IOMMU group with %s, bound to vfio-pci: in use by a guest",
			 pci_name(pdev));
	else if (driver[0])
		dda_find(s, DDA_CHECK_GROUP, DDA_SEVERITY_WARNING, -EBUSY,
			 "another device of its IOMMU group is bound to a host driver: dismount the whole group",
			 "shares its IOMMU group with %s, bound to %s: they go together",
			 pci_name(pdev), driver);
	else
		dda_find(s, DDA_CHECK_GROUP, DDA_SEVERITY_INFO, 0, NULL,
			 "shares its IOMMU group with %s, which has no driver",
			 pci_name(pdev));
}

/*
 * Is @other the physical function of @pdev, a virtual function, or another
 * of its virtual functions?
 */
static bool dda_sriov_kin(struct pci_dev *pdev, struct pci_dev *other)
{
	return pdev->is_virtfn && pci_physfn(other) == pci_physfn(pdev);
}

/*
 * A virtual function in one IOMMU group with its physical function or a
 * sibling: the IOMMU cannot tell their DMA apart, so no guest may have it
 * alone, and with the whole group a guest would get the others' too.
 */
static void dda_survey_sriov_kin(struct dda_survey *s, struct pci_dev *pdev)
{
	dda_find(s, DDA_CHECK_SRIOV, DDA_SEVERITY_BLOCKER, -EBUSY,
		 "an SR-IOV virtual function shares its IOMMU group with its physical function or a sibling: its DMA cannot be isolated",
		 "shares its IOMMU group with its SR-IOV %s %s: the IOMMU cannot isolate their DMA",
		 pdev->is_virtfn ? "sibling" : "physical function",
		 pci_name(pdev));
}

static void dda_survey_group(struct dda_survey *s)
{
	struct dda_members m;
	unsigned int i;

	if (dda_group_members(s->pdev, &m) == -E2BIG) {
		dda_find(s, DDA_CHECK_GROUP, DDA_SEVERITY_BLOCKER, -E2BIG,
			 "the IOMMU group has too many devices",
			 "more than %d devices in its IOMMU group",
			 DDA_MEMBERS_MAX);
		return;
	}
	for (i = 0; i < m.n; i++) {
		if (m.pdev[i] == s->pdev)
			continue;
		if (dda_sriov_kin(s->pdev, m.pdev[i]))
			dda_survey_sriov_kin(s, m.pdev[i]);
		else
			dda_survey_member(s, m.pdev[i]);
	}
	dda_members_put(&m);
}

/* ACS on every port between the device and its root port. */
static void dda_survey_acs(struct dda_survey *s)
{
	struct pci_dev *bridge;
	bool any = false;
	u16 cap, ctrl;
	int pos;

	for (bridge = pci_upstream_bridge(s->pdev); bridge;
	     bridge = pci_upstream_bridge(bridge)) {
		if (!pci_is_pcie(bridge))
			continue;
		any = true;
		pos = pci_find_ext_capability(bridge, PCI_EXT_CAP_ID_ACS);
		if (!pos) {
			dda_find(s, DDA_CHECK_ACS, DDA_SEVERITY_WARNING, 0, NULL,
				 "port %s has no ACS: peer-to-peer traffic below it bypasses the IOMMU",
				 pci_name(bridge));
			continue;
		}
		pci_read_config_word(bridge, pos + PCI_ACS_CAP, &cap);
		pci_read_config_word(bridge, pos + PCI_ACS_CTRL, &ctrl);
		if ((ctrl & (cap & DDA_ACS_NEEDED)) != (cap & DDA_ACS_NEEDED))
			dda_find(s, DDA_CHECK_ACS, DDA_SEVERITY_WARNING, 0,
				 NULL, "port %s does not enable all its ACS controls (%#x of %#x)",
				 pci_name(bridge), ctrl, cap);
		else
			dda_find(s, DDA_CHECK_ACS, DDA_SEVERITY_INFO, 0, NULL,
				 "port %s isolates with ACS", pci_name(bridge));
	}
	if (!any)
		dda_find(s, DDA_CHECK_ACS, DDA_SEVERITY_INFO, 0, NULL,
			 "on the root bus: no ports to check for ACS");
}

static const char *const dda_reset_texts[] = {
	[DDA_RESET_NONE] = "none",
	[DDA_RESET_FLR] = "function level reset",
	[DDA_RESET_AF_FLR] = "advanced features FLR",
	[DDA_RESET_PM] = "D3hot -> D0 (PM reset)",
	[DDA_RESET_BUS] = "secondary bus reset",
	[DDA_RESET_DEVICE_SPECIFIC] = "a device-specific reset",
	[DDA_RESET_ACPI] = "ACPI _RST",
	[DDA_RESET_CXL_BUS] = "CXL bus reset",
	[DDA_RESET_OTHER] = "another method of the PCI core",
};

/*
 * How dda would reset the device: what dda_reset() runs, the PCI core's
 * first ranked method, from what the core found when it ranked them (no
 * config space is read, so no sleeping device is woken); and how it came
 * out of its last reset.
 */
static void dda_survey_reset(struct dda_survey *s)
{
	enum dda_reset first = dda_reset_method(s->pdev, 0);
	enum dda_health health = dda_health_of(s->pdev);

	if (first == DDA_RESET_NONE)
		dda_find(s, DDA_CHECK_RESET, DDA_SEVERITY_WARNING, 0, NULL,
			 "no reset method: state may pass from one owner to the next");
	else
		dda_find(s, DDA_CHECK_RESET, DDA_SEVERITY_INFO, 0, NULL,
			 "resets by %s%s", dda_reset_texts[first],
			 dda_reset_method(s->pdev, 1) == DDA_RESET_NONE ? "" :
			 ", the first of the PCI core's methods for it");
	if (health != DDA_HEALTH_OK)
		dda_find(s, DDA_CHECK_RESET, DDA_SEVERITY_BLOCKER, -EIO,
			 "the device did not come back from its last reset: reset it again",
			 "unhealthy: %s; it stays quarantined until a reset goes well",
			 health == DDA_HEALTH_RESET_FAILED ?
			 "its last reset failed" :
			 "it does not answer as itself after its last reset");
}

static void dda_survey_bars(struct dda_survey *s)
{
	resource_size_t mmio64 = 0;
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		struct resource *res = &s->pdev->resource[bar];
		resource_size_t len = resource_size(res);

		if (!res->flags || !len)
			continue;
		if (res->flags & IORESOURCE_MEM_64)
			mmio64 += len;
		dda_find(s, DDA_CHECK_BARS, DDA_SEVERITY_INFO, 0, NULL,
			 "BAR%d: %llu %s %s%s%s", bar,
			 (unsigned long long)(len >= SZ_1K ? len >> 10 : len),
			 len >= SZ_1K ? "KiB" : "bytes",
			 res->flags & IORESOURCE_IO ? "I/O ports" : "memory",
			 res->flags & IORESOURCE_MEM_64 ? ", 64-bit" : "",
			 res->flags & IORESOURCE_PREFETCH ? ", prefetchable" :
			 "");
	}
	if (mmio64 >= SZ_4G)
		dda_find(s, DDA_CHECK_BARS, DDA_SEVERITY_WARNING, 0, NULL,
			 "64-bit BARs of %llu MiB: the guest needs a 64-bit MMIO window at least that large",
			 (unsigned long long)mmio64 >> 20);
	else if (mmio64)
		dda_find(s, DDA_CHECK_BARS, DDA_SEVERITY_INFO, 0, NULL,
			 "64-bit BARs of %llu KiB fit a default guest MMIO window",
			 (unsigned long long)mmio64 >> 10);
}

/* Can the driver bound to @pdev make virtual functions? */
static bool dda_driver_makes_vfs(struct pci_dev *pdev)
{
	bool makes;

	device_lock(&pdev->dev);
	makes = pdev->dev.driver &&
		to_pci_driver(pdev->dev.driver)->sriov_configure;
	device_unlock(&pdev->dev);
	return makes;
}

/*
 * SR-IOV: a virtual function names its physical function; a physical
 * function says how many of its virtual functions are enabled and whether
 * its driver can make them.
 */
static void dda_survey_sriov(struct dda_survey *s)
{
	struct pci_dev *pdev = s->pdev;
	char driver[DDA_DRIVER_NAME_LEN];

	if (pdev->is_virtfn) {
		dda_find(s, DDA_CHECK_SRIOV, DDA_SEVERITY_INFO, 0, NULL,
			 "SR-IOV virtual function of %s",
			 pci_name(pci_physfn(pdev)));
		return;
	}
	if (!pdev->is_physfn)
		return;
	dda_driver_name(pdev, driver, sizeof(driver));
	if (pci_num_vf(pdev))
		dda_find(s, DDA_CHECK_SRIOV, DDA_SEVERITY_WARNING, 0, NULL,
			 "SR-IOV physical function, %d of %d virtual functions enabled: they depend on it",
			 pci_num_vf(pdev), pci_sriov_get_totalvfs(pdev));
	else if (!driver[0])
		dda_find(s, DDA_CHECK_SRIOV, DDA_SEVERITY_INFO, 0, NULL,
			 "SR-IOV physical function, 0 of %d virtual functions enabled; no driver to make them",
			 pci_sriov_get_totalvfs(pdev));
	else
		dda_find(s, DDA_CHECK_SRIOV, DDA_SEVERITY_INFO, 0, NULL,
			 "SR-IOV physical function, 0 of %d virtual functions enabled; its driver %s %s make them",
			 pci_sriov_get_totalvfs(pdev), driver,
			 dda_driver_makes_vfs(pdev) ? "can" : "cannot");
}

static void dda_survey_boot(struct dda_survey *s)
{
	if (vga_default_device() == s->pdev)
		dda_find(s, DDA_CHECK_BOOT_DEVICE, DDA_SEVERITY_BLOCKER, -EBUSY,
			 "the boot VGA device shows the host's console",
			 "boot VGA device: the host's console is on it");
}

static void dda_survey_resv(struct dda_survey *s, struct iommu_group *group)
{
	struct iommu_resv_region *r;
	LIST_HEAD(regions);

	if (!group)
		return;
	iommu_get_group_resv_regions(group, &regions);
	list_for_each_entry(r, &regions, list) {
		if (r->type == IOMMU_RESV_DIRECT)
			dda_find(s, DDA_CHECK_RESERVED_REGIONS,
				 DDA_SEVERITY_BLOCKER, -EPERM,
				 "firmware keeps DMA to a reserved region (RMRR) of this device",
				 "firmware DMA region %pa+%zx (RMRR): the device cannot leave the host",
				 &r->start, r->length);
		else if (r->type == IOMMU_RESV_DIRECT_RELAXABLE)
			dda_find(s, DDA_CHECK_RESERVED_REGIONS,
				 DDA_SEVERITY_WARNING, 0, NULL,
				 "relaxable firmware DMA region %pa+%zx: dropped on assignment",
				 &r->start, r->length);
	}
	iommu_put_resv_regions(&s->pdev->dev, &regions);
}

/*
 * Call @fn for every finding about @pdev, until it returns non-zero; return
 * that value, or 0.
 */
int dda_survey(struct pci_dev *pdev, dda_finding_fn fn, void *ctx)
{
	struct dda_survey s = { .pdev = pdev, .fn = fn, .ctx = ctx };
	struct iommu_group *group = iommu_group_get(&pdev->dev);

	dda_survey_bridge(&s);
	dda_survey_boot(&s);
	dda_survey_iommu(&s, group);
	dda_survey_intr_remap(&s);
	dda_survey_group(&s);
	dda_survey_resv(&s, group);
	dda_survey_acs(&s);
	dda_survey_reset(&s);
	dda_survey_bars(&s);
	dda_survey_sriov(&s);
	iommu_group_put(group);
	return s.stop;
}
EXPORT_SYMBOL_IF_KUNIT(dda_survey);

struct dda_dismount_check {
	bool group;
	struct netlink_ext_ack *extack;
};

static int dda_dismount_finding(void *ctx, const struct dda_finding *f)
{
	struct dda_dismount_check *c = ctx;

	if (f->severity != DDA_SEVERITY_BLOCKER &&
	    (!f->err || (f->check == DDA_CHECK_GROUP && c->group)))
		return 0;
	dda_set_err_msg(c->extack, f->reason);
	return f->err;
}

/*
 * May @pdev be dismounted (alone, or with its whole group)? 0, or the error
 * of the first finding that forbids it, with its reason in @extack.
 */
int dda_check_dismount(struct pci_dev *pdev, bool group,
		       struct netlink_ext_ack *extack)
{
	struct dda_dismount_check c = { .group = group, .extack = extack };

	return dda_survey(pdev, dda_dismount_finding, &c);
}
