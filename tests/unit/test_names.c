// SPDX-License-Identifier: GPL-2.0-only
/*
 * Names for people: dda_state_name(), dda_reset_name(), dda_verdict_name(),
 * dda_severity_name(), dda_check_name(), dda_reason_name(), dda_class_name().
 */
#include "libdda.h"
#include "unit.h"

static void class_is(uint32_t class_code, const char *name)
{
	is_str(dda_class_name(class_code), name, "class %06x: %s",
	       class_code, name);
}

int main(void)
{
	is_str(dda_state_name(DDA_STATE_HOST), "host", "state host");
	is_str(dda_state_name(DDA_STATE_QUARANTINED), "quarantined",
	       "state quarantined");
	is_str(dda_state_name(DDA_STATE_ASSIGNED), "assigned",
	       "state assigned");
	is_str(dda_state_name((enum dda_state)3), "unknown", "state 3");
	is_str(dda_state_name((enum dda_state)-1), "unknown", "state -1");

	is_str(dda_reset_name(DDA_RESET_NONE), "none", "reset none");
	is_str(dda_reset_name(DDA_RESET_FLR), "flr", "reset flr");
	is_str(dda_reset_name(DDA_RESET_AF_FLR), "af_flr", "reset af_flr");
	is_str(dda_reset_name(DDA_RESET_PM), "pm", "reset pm");
	is_str(dda_reset_name(DDA_RESET_BUS), "bus", "reset bus");
	is_str(dda_reset_name(DDA_RESET_DEVICE_SPECIFIC), "device_specific",
	       "reset device_specific");
	is_str(dda_reset_name(DDA_RESET_ACPI), "acpi", "reset acpi");
	is_str(dda_reset_name(DDA_RESET_CXL_BUS), "cxl_bus", "reset cxl_bus");
	is_str(dda_reset_name(DDA_RESET_OTHER), "other", "reset other");
	is_str(dda_reset_name((enum dda_reset)9), "unknown", "reset 9");

	is_str(dda_health_name(DDA_HEALTH_OK), "ok", "health ok");
	is_str(dda_health_name(DDA_HEALTH_RESET_FAILED), "reset_failed",
	       "health reset_failed");
	is_str(dda_health_name(DDA_HEALTH_NO_ANSWER), "no_answer",
	       "health no_answer");
	is_str(dda_health_name(DDA_HEALTH_UNBOUND), "unbound",
	       "health unbound");
	is_str(dda_health_name((enum dda_health)4), "unknown", "health 4");

	is_str(dda_verdict_name(DDA_VERDICT_ASSIGNABLE), "assignable",
	       "verdict assignable");
	is_str(dda_verdict_name(DDA_VERDICT_CAVEATS), "caveats",
	       "verdict caveats");
	is_str(dda_verdict_name(DDA_VERDICT_BLOCKED), "blocked",
	       "verdict blocked");
	is_str(dda_verdict_name((enum dda_verdict)3), "unknown", "verdict 3");
	is_str(dda_verdict_name((enum dda_verdict)-1), "unknown",
	       "verdict -1");

	is_str(dda_severity_name(DDA_SEVERITY_INFO), "info", "severity info");
	is_str(dda_severity_name(DDA_SEVERITY_WARNING), "warning",
	       "severity warning");
	is_str(dda_severity_name(DDA_SEVERITY_BLOCKER), "blocker",
	       "severity blocker");
	is_str(dda_severity_name((enum dda_severity)3), "unknown",
	       "severity 3");

	is_str(dda_check_name(DDA_CHECK_IOMMU), "iommu", "check iommu");
	is_str(dda_check_name(DDA_CHECK_INTR_REMAP), "interrupt_remapping",
	       "check interrupt_remapping");
	is_str(dda_check_name(DDA_CHECK_GROUP), "group", "check group");
	is_str(dda_check_name(DDA_CHECK_ACS), "acs", "check acs");
	is_str(dda_check_name(DDA_CHECK_RESET), "reset", "check reset");
	is_str(dda_check_name(DDA_CHECK_BARS), "bars", "check bars");
	is_str(dda_check_name(DDA_CHECK_SRIOV), "sriov", "check sriov");
	is_str(dda_check_name(DDA_CHECK_BOOT_DEVICE), "boot_device",
	       "check boot_device");
	is_str(dda_check_name(DDA_CHECK_RESERVED_REGIONS), "reserved_regions",
	       "check reserved_regions");
	is_str(dda_check_name(DDA_CHECK_BRIDGE), "bridge", "check bridge");
	is_str(dda_check_name((enum dda_check)10), "unknown", "check 10");
	is_str(dda_check_name((enum dda_check)-1), "unknown", "check -1");

	is_str(dda_reason_name(DDA_REASON_DISMOUNT), "dismount",
	       "reason dismount");
	is_str(dda_reason_name(DDA_REASON_MOUNT), "mount", "reason mount");
	is_str(dda_reason_name(DDA_REASON_HANDOVER), "handover",
	       "reason handover");
	is_str(dda_reason_name(DDA_REASON_RECLAIM), "reclaim",
	       "reason reclaim");
	is_str(dda_reason_name(DDA_REASON_SELECTED), "selected",
	       "reason selected");
	is_str(dda_reason_name(DDA_REASON_REMOVED), "removed",
	       "reason removed");
	is_str(dda_reason_name(DDA_REASON_UNLOAD), "unload", "reason unload");
	is_str(dda_reason_name(DDA_REASON_RESET), "reset", "reason reset");
	is_str(dda_reason_name(DDA_REASON_OWNED), "owned", "reason owned");
	is_str(dda_reason_name(DDA_REASON_RELEASE), "release",
	       "reason release");
	is_str(dda_reason_name(DDA_REASON_HOLD), "hold", "reason hold");
	is_str(dda_reason_name((enum dda_reason)11), "unknown", "reason 11");

	/* Base class and subclass, whatever the programming interface. */
	class_is(0x020000, "Ethernet controller");
	class_is(0x040300, "Audio device");
	class_is(0x060000, "Host bridge");
	class_is(0x060100, "ISA bridge");
	class_is(0x060400, "PCI bridge");
	class_is(0x060401, "PCI bridge");
	class_is(0x010601, "SATA controller");
	class_is(0x010185, "IDE interface");
	class_is(0x010802, "Non-Volatile memory controller");
	class_is(0x0c0500, "SMBus");
	class_is(0x0c0330, "USB controller");
	class_is(0x030000, "VGA compatible controller");
	class_is(0x030200, "3D controller");
	class_is(0x000000, "Non-VGA unclassified device");
	class_is(0x0d1100, "Bluetooth");
	class_is(0x120000, "Processing accelerators");
	class_is(0x028000, "Network controller");

	/* No such subclass: the base class names it. */
	class_is(0x00ff00, "Unclassified device");
	class_is(0x02ff00, "Network controller");
	class_is(0x06ee00, "Bridge");
	class_is(0x0c7700, "Serial bus controller");
	class_is(0x130000, "Non-Essential Instrumentation");
	class_is(0x400000, "Coprocessor");
	class_is(0xff0000, "Unassigned class");

	/* No such base class. */
	class_is(0x140000, "Unknown class");
	class_is(0x3f0000, "Unknown class");
	class_is(0xfe0100, "Unknown class");

	/* Only the 24 bits of a class code count. */
	class_is(0xff020000, "Ethernet controller");

	return unit_done();
}
