// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Names for people: device states, reset methods, survey verdicts,
 * severities and checks, reasons of events. The names of PCI classes are
 * pci.ids', read by class.c.
 */
#include "internal.h"

static const char *const dda_state_names[] = {
	[DDA_STATE_HOST] = "host",
	[DDA_STATE_QUARANTINED] = "quarantined",
	[DDA_STATE_ASSIGNED] = "assigned",
};

static const char *const dda_reset_names[] = {
	[DDA_RESET_NONE] = "none",
	[DDA_RESET_FLR] = "flr",
	[DDA_RESET_AF_FLR] = "af_flr",
	[DDA_RESET_PM] = "pm",
	[DDA_RESET_BUS] = "bus",
	[DDA_RESET_DEVICE_SPECIFIC] = "device_specific",
	[DDA_RESET_ACPI] = "acpi",
	[DDA_RESET_CXL_BUS] = "cxl_bus",
	[DDA_RESET_OTHER] = "other",
};

static const char *const dda_health_names[] = {
	[DDA_HEALTH_OK] = "ok",
	[DDA_HEALTH_RESET_FAILED] = "reset_failed",
	[DDA_HEALTH_NO_ANSWER] = "no_answer",
	[DDA_HEALTH_UNBOUND] = "unbound",
};

static const char *const dda_verdict_names[] = {
	[DDA_VERDICT_ASSIGNABLE] = "assignable",
	[DDA_VERDICT_CAVEATS] = "caveats",
	[DDA_VERDICT_BLOCKED] = "blocked",
};

static const char *const dda_severity_names[] = {
	[DDA_SEVERITY_INFO] = "info",
	[DDA_SEVERITY_WARNING] = "warning",
	[DDA_SEVERITY_BLOCKER] = "blocker",
};

static const char *const dda_check_names[] = {
	[DDA_CHECK_IOMMU] = "iommu",
	[DDA_CHECK_INTR_REMAP] = "interrupt_remapping",
	[DDA_CHECK_GROUP] = "group",
	[DDA_CHECK_ACS] = "acs",
	[DDA_CHECK_RESET] = "reset",
	[DDA_CHECK_BARS] = "bars",
	[DDA_CHECK_SRIOV] = "sriov",
	[DDA_CHECK_BOOT_DEVICE] = "boot_device",
	[DDA_CHECK_RESERVED_REGIONS] = "reserved_regions",
	[DDA_CHECK_BRIDGE] = "bridge",
};

static const char *const dda_reason_names[] = {
	[DDA_REASON_DISMOUNT] = "dismount",
	[DDA_REASON_MOUNT] = "mount",
	[DDA_REASON_HANDOVER] = "handover",
	[DDA_REASON_RECLAIM] = "reclaim",
	[DDA_REASON_SELECTED] = "selected",
	[DDA_REASON_REMOVED] = "removed",
	[DDA_REASON_UNLOAD] = "unload",
	[DDA_REASON_RESET] = "reset",
	[DDA_REASON_OWNED] = "owned",
	[DDA_REASON_RELEASE] = "release",
	[DDA_REASON_HOLD] = "hold",
};

/* names[value], or "unknown" for a value it has no name for. */
static const char *name_of(const char *const *names, size_t n,
			   unsigned int value)
{
	if (value >= n || !names[value])
		return "unknown";
	return names[value];
}

const char *dda_state_name(enum dda_state state)
{
	return name_of(dda_state_names, ARRAY_SIZE(dda_state_names), state);
}

const char *dda_reset_name(enum dda_reset reset)
{
	return name_of(dda_reset_names, ARRAY_SIZE(dda_reset_names), reset);
}

const char *dda_health_name(enum dda_health health)
{
	return name_of(dda_health_names, ARRAY_SIZE(dda_health_names), health);
}

const char *dda_verdict_name(enum dda_verdict verdict)
{
	return name_of(dda_verdict_names, ARRAY_SIZE(dda_verdict_names),
		       verdict);
}

const char *dda_severity_name(enum dda_severity severity)
{
	return name_of(dda_severity_names, ARRAY_SIZE(dda_severity_names),
		       severity);
}

const char *dda_check_name(enum dda_check check)
{
	return name_of(dda_check_names, ARRAY_SIZE(dda_check_names), check);
}

const char *dda_reason_name(enum dda_reason reason)
{
	return name_of(dda_reason_names, ARRAY_SIZE(dda_reason_names),
		       reason);
}
