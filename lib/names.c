// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Names for people: device states, reset methods, survey verdicts,
 * severities and checks, reasons of events, PCI classes.
 *
 * The class names are those of pci.ids, so that ddactl agrees with lspci.
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

struct pci_class_name {
	uint16_t code;		/* 0xBBSS: base class, subclass */
	const char *name;
};

/* Base classes, code 0xBB00 standing for the base class BB alone. */
static const struct pci_class_name pci_base_classes[] = {
	{ 0x0000, "Unclassified device" },
	{ 0x0100, "Mass storage controller" },
	{ 0x0200, "Network controller" },
	{ 0x0300, "Display controller" },
	{ 0x0400, "Multimedia controller" },
	{ 0x0500, "Memory controller" },
	{ 0x0600, "Bridge" },
	{ 0x0700, "Communication controller" },
	{ 0x0800, "Generic system peripheral" },
	{ 0x0900, "Input device controller" },
	{ 0x0a00, "Docking station" },
	{ 0x0b00, "Processor" },
	{ 0x0c00, "Serial bus controller" },
	{ 0x0d00, "Wireless controller" },
	{ 0x0e00, "Intelligent controller" },
	{ 0x0f00, "Satellite communications controller" },
	{ 0x1000, "Encryption controller" },
	{ 0x1100, "Signal processing controller" },
	{ 0x1200, "Processing accelerators" },
	{ 0x1300, "Non-Essential Instrumentation" },
	{ 0x4000, "Coprocessor" },
	{ 0xff00, "Unassigned class" },
};

static const struct pci_class_name pci_subclasses[] = {
	{ 0x0000, "Non-VGA unclassified device" },
	{ 0x0001, "VGA compatible unclassified device" },
	{ 0x0005, "Image coprocessor" },

	{ 0x0100, "SCSI storage controller" },
	{ 0x0101, "IDE interface" },
	{ 0x0102, "Floppy disk controller" },
	{ 0x0103, "IPI bus controller" },
	{ 0x0104, "RAID bus controller" },
	{ 0x0105, "ATA controller" },
	{ 0x0106, "SATA controller" },
	{ 0x0107, "Serial Attached SCSI controller" },
	{ 0x0108, "Non-Volatile memory controller" },
	{ 0x0109, "Universal Flash Storage controller" },
	{ 0x0180, "Mass storage controller" },

	{ 0x0200, "Ethernet controller" },
	{ 0x0201, "Token ring network controller" },
	{ 0x0202, "FDDI network controller" },
	{ 0x0203, "ATM network controller" },
	{ 0x0204, "ISDN controller" },
	{ 0x0205, "WorldFip controller" },
	{ 0x0206, "PICMG controller" },
	{ 0x0207, "Infiniband controller" },
	{ 0x0208, "Fabric controller" },
	{ 0x0280, "Network controller" },

	{ 0x0300, "VGA compatible controller" },
	{ 0x0301, "XGA compatible controller" },
	{ 0x0302, "3D controller" },
	{ 0x0380, "Display controller" },

	{ 0x0400, "Multimedia video controller" },
	{ 0x0401, "Multimedia audio controller" },
	{ 0x0402, "Computer telephony device" },
	{ 0x0403, "Audio device" },
	{ 0x0480, "Multimedia controller" },

	{ 0x0500, "RAM memory" },
	{ 0x0501, "FLASH memory" },
	{ 0x0502, "CXL" },
	{ 0x0580, "Memory controller" },

	{ 0x0600, "Host bridge" },
	{ 0x0601, "ISA bridge" },
	{ 0x0602, "EISA bridge" },
	{ 0x0603, "MicroChannel bridge" },
	{ 0x0604, "PCI bridge" },
	{ 0x0605, "PCMCIA bridge" },
	{ 0x0606, "NuBus bridge" },
	{ 0x0607, "CardBus bridge" },
	{ 0x0608, "RACEway bridge" },
	{ 0x0609, "Semi-transparent PCI-to-PCI bridge" },
	{ 0x060a, "InfiniBand to PCI host bridge" },
	{ 0x0680, "Bridge" },

	{ 0x0700, "Serial controller" },
	{ 0x0701, "Parallel controller" },
	{ 0x0702, "Multiport serial controller" },
	{ 0x0703, "Modem" },
	{ 0x0704, "GPIB controller" },
	{ 0x0705, "Smart Card controller" },
	{ 0x0780, "Communication controller" },

	{ 0x0800, "PIC" },
	{ 0x0801, "DMA controller" },
	{ 0x0802, "Timer" },
	{ 0x0803, "RTC" },
	{ 0x0804, "PCI Hot-plug controller" },
	{ 0x0805, "SD Host controller" },
	{ 0x0806, "IOMMU" },
	{ 0x0880, "System peripheral" },
	{ 0x0899, "Timing Card" },

	{ 0x0900, "Keyboard controller" },
	{ 0x0901, "Digitizer Pen" },
	{ 0x0902, "Mouse controller" },
	{ 0x0903, "Scanner controller" },
	{ 0x0904, "Gameport controller" },
	{ 0x0980, "Input device controller" },

	{ 0x0a00, "Generic Docking Station" },
	{ 0x0a80, "Docking Station" },

	{ 0x0b00, "386" },
	{ 0x0b01, "486" },
	{ 0x0b02, "Pentium" },
	{ 0x0b10, "Alpha" },
	{ 0x0b20, "Power PC" },
	{ 0x0b30, "MIPS" },
	{ 0x0b40, "Co-processor" },

	{ 0x0c00, "FireWire (IEEE 1394)" },
	{ 0x0c01, "ACCESS Bus" },
	{ 0x0c02, "SSA" },
	{ 0x0c03, "USB controller" },
	{ 0x0c04, "Fibre Channel" },
	{ 0x0c05, "SMBus" },
	{ 0x0c06, "InfiniBand" },
	{ 0x0c07, "IPMI Interface" },
	{ 0x0c08, "SERCOS interface" },
	{ 0x0c09, "CANBUS" },
	{ 0x0c80, "Serial bus controller" },

	{ 0x0d00, "IRDA controller" },
	{ 0x0d01, "Consumer IR controller" },
	{ 0x0d10, "RF controller" },
	{ 0x0d11, "Bluetooth" },
	{ 0x0d12, "Broadband" },
	{ 0x0d20, "802.1a controller" },
	{ 0x0d21, "802.1b controller" },
	{ 0x0d80, "Wireless controller" },

	{ 0x0e00, "I2O" },

	{ 0x0f01, "Satellite TV controller" },
	{ 0x0f02, "Satellite audio communication controller" },
	{ 0x0f03, "Satellite voice communication controller" },
	{ 0x0f04, "Satellite data communication controller" },

	{ 0x1000, "Network and computing encryption device" },
	{ 0x1010, "Entertainment encryption device" },
	{ 0x1080, "Encryption controller" },

	{ 0x1100, "DPIO module" },
	{ 0x1101, "Performance counters" },
	{ 0x1110, "Communication synchronizer" },
	{ 0x1120, "Signal processing management" },
	{ 0x1180, "Signal processing controller" },

	{ 0x1200, "Processing accelerators" },
	{ 0x1201, "SNIA Smart Data Accelerator Interface (SDXI) controller" },
};

static const char *pci_class_lookup(const struct pci_class_name *table,
				    size_t n, uint16_t code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (table[i].code == code)
			return table[i].name;
	return NULL;
}

const char *dda_class_name(uint32_t class_code)
{
	uint16_t code = (class_code >> 8) & 0xffff;
	const char *name;

	name = pci_class_lookup(pci_subclasses, ARRAY_SIZE(pci_subclasses),
				code);
	if (!name)
		name = pci_class_lookup(pci_base_classes,
					ARRAY_SIZE(pci_base_classes),
					code & 0xff00);
	return name ? name : "Unknown class";
}
