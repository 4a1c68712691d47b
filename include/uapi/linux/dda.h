/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * dda: discrete device assignment -- the "dda" generic netlink family.
 *
 * A PCI device moves between three states (enum dda_state):
 *
 *   host --DISMOUNT--> quarantined --HANDOVER--> assigned
 *   host <---MOUNT---- quarantined <--RECLAIM--- assigned
 *
 * While quarantined, dda.ko drives the device and owns DMA for its whole
 * IOMMU group, which keeps the group in the IOMMU's blocking domain: every
 * DMA the device starts faults and reaches no memory. Assigned means bound to vfio-pci for a guest.
 *
 * A device is named by its PCI address in DDA_A_DEV_ADDRESS, always in the
 * full form "DDDD:BB:DD.F": DDA_ADDRESS_LEN characters of hex, lower or upper
 * case, NUL-terminated.
 *
 * Commands marked "admin" need CAP_SYS_ADMIN, besides the CAP_NET_ADMIN
 * that GENL_ADMIN_PERM asks for; anyone may get, dump, survey and listen to
 * events. The family
 * exists in the initial network namespace only. Every request is validated
 * strictly: unknown attributes are refused, and the extended ACK names the
 * attribute at fault.
 *
 * DDA_CMD_DEV_GET (do, dump)
 *	request:  do: DDA_A_DEV_ADDRESS; dump: nothing (every PCI device),
 *		  or [DDA_A_DEV_IOMMU_GROUP] (the devices of that IOMMU group:
 *		  what a handover or a reclaim moves together)
 *	reply:    a "device message" per device:
 *		  DDA_A_DEV_ADDRESS, DDA_A_DEV_VENDOR, DDA_A_DEV_DEVICE,
 *		  DDA_A_DEV_SUBSYS_VENDOR, DDA_A_DEV_SUBSYS_DEVICE,
 *		  DDA_A_DEV_CLASS, DDA_A_DEV_STATE,
 *		  [DDA_A_DEV_DRIVER], [DDA_A_DEV_IOMMU_GROUP],
 *		  [DDA_A_DEV_ORIGINAL_DRIVER],
 *		  [DDA_A_DEV_RESET_METHOD, DDA_A_DEV_RESET_USEC,
 *		   DDA_A_DEV_HEALTH], [DDA_A_DEV_BUSY],
 *		  [DDA_A_DEV_PHYSFN], [DDA_A_DEV_WINDOW_USEC],
 *		  [DDA_A_DEV_UNOWNED_USEC], [DDA_A_DEV_HOLD]
 *	Neither waits on a device lock nor wakes a sleeping device.
 *
 * The window between owners. DMA ownership of an IOMMU group has one owner
 * at a time, and vfio claims it only when its user (QEMU) opens the group:
 * HANDOVER must give the group up first, and until that open the group has
 * no owner and sits on its default domain (identity under iommu=pt: all
 * host memory); RECLAIM has the mirror window, from the user's close to
 * dda's claim. dda watches the groups it handed over
 * (iommu_group_dma_owner_claimed(): every millisecond for the first
 * 100 ms, then every 10 ms up to 10 s, every 100 ms up to a minute, every
 * second after; while vfio owns the group every second, every 10 ms if
 * RELEASE lent it (below), every millisecond again once a RECLAIM
 * starts). A window is the time from the last moment
 * the group was known to have an owner (dda's release; the last poll that
 * saw vfio's ownership) to the first moment it was known to have one again
 * (the poll that saw vfio's claim; dda's claim): an upper bound, over by
 * less than the polling interval at the time, in microseconds.
 * A HANDOVER with DDA_A_DEV_HOLD shortens the handover's window to what
 * ownership allows: dda keeps the group's DMA while vfio-pci binds, the
 * device is assigned and held (DDA_A_DEV_HOLD in its device message), no
 * VFIO user can open the group (its claim fails), and dda lets go only at
 * DDA_CMD_DEV_RELEASE, which a caller sends just before its QEMU opens the
 * group (device_add): the window is then that open's, not the whole
 * handover's and the guest manager's.
 *	DDA_A_DEV_WINDOW_USEC: the last window of the device's group, kept
 *	while dda holds the device; absent before its first.
 *	DDA_A_DEV_UNOWNED_USEC: present while the group of a device dda
 *	handed over has no DMA owner (as last polled): for at most this long.
 * u64 attributes are aligned with DDA_A_PAD, which carries nothing.
 *
 * DDA_CMD_DEV_DISMOUNT (do, admin): host -> quarantined; with
 *	DDA_A_DEV_GROUP every other device of the IOMMU group too, as one
 *	transaction. Refused, with the reason, on any blocker the survey
 *	finds (a lone device whose group has members bound to host drivers
 *	is one).
 *	request:  DDA_A_DEV_ADDRESS, [DDA_A_DEV_GROUP]
 *	reply:    the device message of the addressed device; every device
 *		  that changed state is also reported on the events group
 *
 * DDA_CMD_DEV_MOUNT (do, admin): quarantined -> host, back to the driver
 *	it had before DISMOUNT; with DDA_A_DEV_GROUP the whole group.
 *	request:  DDA_A_DEV_ADDRESS, [DDA_A_DEV_GROUP]
 *	reply:    as DISMOUNT
 *
 * DDA_CMD_DEV_HANDOVER (do, admin): quarantined -> assigned, bound to
 *	vfio-pci in one step, so no other driver can take it in between.
 *	Always the whole IOMMU group (vfio takes a group or nothing), which
 *	must be wholly quarantined. A device with a guest pins dda.ko. With
 *	DDA_A_DEV_HOLD dda keeps the group's DMA until RELEASE (above).
 *	request:  DDA_A_DEV_ADDRESS, [DDA_A_DEV_HOLD]
 *	reply:    as DISMOUNT
 *
 * DDA_CMD_DEV_RELEASE (do, admin): assigned and held -> assigned: dda
 *	gives up the group's DMA, which vfio's user may claim from now on,
 *	and watches for that claim (reason DDA_REASON_OWNED). Always the
 *	whole group; -EINVAL, with the reason, for a device that is not
 *	assigned or whose group dda does not hold. Reported on the events
 *	group (reason DDA_REASON_RELEASE, one event per device of the group).
 *	The group is lent to one user: once vfio's user has claimed it and
 *	let go (QEMU closed the devices: an unplug, or its end), dda claims
 *	it back at once (reason DDA_REASON_HOLD, with the window between the
 *	two, as watched): the devices stay assigned and held, for RECLAIM or
 *	another RELEASE.
 *	request:  DDA_A_DEV_ADDRESS
 *	reply:    as DISMOUNT
 *
 * DDA_CMD_DEV_RECLAIM (do, admin): assigned -> quarantined, the whole
 *	group taken back from vfio-pci and reset. vfio-pci lets go only once
 *	its user (QEMU) has closed the devices, and asks that user to (its
 *	request eventfd): a guest that does not keep the reclaim pending
 *	(below). If the group is still held by a VFIO user when vfio-pci has
 *	let go, the devices go back to vfio-pci, -EBUSY.
 *	request:  DDA_A_DEV_ADDRESS
 *	reply:    as DISMOUNT
 *
 * Every change (DISMOUNT, MOUNT, HANDOVER, RECLAIM, RESET) runs in dda.ko's
 * own worker, never in the requester's netlink handler, which waits for it
 * two seconds at most: no guest and no slow reset can hold up the host's
 * other generic netlink users. A change still under way then is answered
 * -EINPROGRESS, the extended ACK saying so; the device message carries
 * DDA_A_DEV_BUSY until it ends, and its end is reported on the events
 * group like any change (a change that failed reports none, or the state
 * it fell back to). Another change of a busy device is refused, -EBUSY.
 *
 * Every reset dda makes is the PCI core's (the device's reset_method list,
 * its quirks), and afterwards the device must answer with its own IDs and
 * config space. One that does not (DDA_A_DEV_HEALTH not DDA_HEALTH_OK)
 * stays quarantined, its DMA blocked: HANDOVER refuses its group and MOUNT
 * keeps it, until a RESET goes well.
 *
 * DDA_CMD_DEV_RESET (do, admin): quarantined -> quarantined, reset again
 *	(with DDA_A_DEV_GROUP every quarantined device of the group); the
 *	administrator's way to clear an unhealthy device. Always reported
 *	on the events group, with the reset and its health.
 *	request:  DDA_A_DEV_ADDRESS, [DDA_A_DEV_GROUP]
 *	reply:    as DISMOUNT; -EIO when the device still does not come back
 *
 * DDA_CMD_DEV_SURVEY (do, dump): may this device be assigned, and why not
 *	request:  do: DDA_A_DEV_ADDRESS; dump: nothing
 *	reply:    DDA_A_DEV_ADDRESS, DDA_A_SURVEY_VERDICT,
 *		  DDA_A_SURVEY_FINDING (nested, repeated):
 *			DDA_A_FINDING_CHECK, DDA_A_FINDING_SEVERITY,
 *			DDA_A_FINDING_TEXT
 *
 * DDA_CMD_DEV_EVENT (notification on DDA_MCGRP_EVENTS, never a request):
 *	a state change: DDA_A_DEV_ADDRESS, DDA_A_EVENT_OLD_STATE,
 *	DDA_A_DEV_STATE, DDA_A_EVENT_REASON, DDA_A_DEV_HEALTH (the device's
 *	health after the change), and when the change reset the device,
 *	[DDA_A_DEV_RESET_METHOD, DDA_A_DEV_RESET_USEC] of that reset, and
 *	[DDA_A_DEV_WINDOW_USEC] when the change ended a window between
 *	owners (RECLAIM; a HANDOVER whose group vfio's user claimed before
 *	the handover had ended). Reason DDA_REASON_OWNED (the state stays assigned,
 *	one event per device of the group) says that vfio's user claimed the
 *	group a HANDOVER gave up, with DDA_A_DEV_WINDOW_USEC; reason
 *	DDA_REASON_HOLD that dda took back a group RELEASE lent, with the
 *	window since its user let go. With
 *	the device messages of one dump, they keep a listener's view of every
 *	device: what no event carries (ids, class, IOMMU group) never changes
 *	while the device is on the bus.
 *	Events carry no secrets.
 *
 * All enums are append-only: a number, once given, keeps its meaning.
 *
 * dda.yaml beside this file is the same family as a YNL spec, for clients in
 * any language (the kernel's tools/net/ynl/cli.py among them). Change both
 * together: tests/ynl/check-spec.sh compares this header with the one the
 * kernel's ynl-gen-c.py generates from the spec.
 */
#ifndef _UAPI_LINUX_DDA_H
#define _UAPI_LINUX_DDA_H

#define DDA_GENL_NAME		"dda"
#define DDA_GENL_VERSION	1
#define DDA_MCGRP_EVENTS	"events"

/* Characters in a PCI address "DDDD:BB:DD.F", without the NUL. */
#define DDA_ADDRESS_LEN		12

enum dda_cmd {
	DDA_CMD_UNSPEC = 0,
	DDA_CMD_DEV_GET = 1,		/* describe one device, or dump all */
	DDA_CMD_DEV_DISMOUNT = 2,	/* host -> quarantined */
	DDA_CMD_DEV_MOUNT = 3,		/* quarantined -> host */
	DDA_CMD_DEV_HANDOVER = 4,	/* quarantined -> assigned (vfio-pci) */
	DDA_CMD_DEV_RECLAIM = 5,	/* assigned -> quarantined, reset */
	DDA_CMD_DEV_SURVEY = 6,		/* assignability verdict and reasons */
	DDA_CMD_DEV_EVENT = 7,		/* notification: a state change */
	DDA_CMD_DEV_RESET = 8,		/* quarantined: reset again */
	DDA_CMD_DEV_RELEASE = 9,	/* assigned, held: vfio's user may claim it */

	__DDA_CMD_MAX,
	DDA_CMD_MAX = __DDA_CMD_MAX - 1
};

enum dda_attr {
	DDA_A_UNSPEC = 0,
	DDA_A_DEV_ADDRESS = 1,		/* string: "DDDD:BB:DD.F" */
	DDA_A_DEV_VENDOR = 2,		/* u16: PCI vendor id */
	DDA_A_DEV_DEVICE = 3,		/* u16: PCI device id */
	DDA_A_DEV_SUBSYS_VENDOR = 4,	/* u16: subsystem vendor id */
	DDA_A_DEV_SUBSYS_DEVICE = 5,	/* u16: subsystem device id */
	DDA_A_DEV_CLASS = 6,		/* u32: class code, 0xBBSSPP */
	DDA_A_DEV_DRIVER = 7,		/* string: bound driver, absent if none */
	DDA_A_DEV_IOMMU_GROUP = 8,	/* u32: IOMMU group id, absent if none */
	DDA_A_DEV_STATE = 9,		/* u32: enum dda_state */
	DDA_A_DEV_ORIGINAL_DRIVER = 10,	/* string: host driver before DISMOUNT */
	DDA_A_DEV_RESET_METHOD = 11,	/* u32: enum dda_reset of the last reset */
	DDA_A_DEV_RESET_USEC = 12,	/* u32: how long the last reset took */
	DDA_A_DEV_GROUP = 13,		/* flag: act on the whole IOMMU group */
	DDA_A_EVENT_OLD_STATE = 14,	/* u32: enum dda_state before the change */
	DDA_A_EVENT_REASON = 15,	/* u32: enum dda_reason */
	DDA_A_SURVEY_VERDICT = 16,	/* u32: enum dda_verdict */
	DDA_A_SURVEY_FINDING = 17,	/* nested, repeated: enum dda_finding_attr */
	DDA_A_DEV_HEALTH = 18,		/* u32: enum dda_health after the last reset */
	DDA_A_DEV_BUSY = 19,		/* flag: a change of this device is under way */
	DDA_A_DEV_PHYSFN = 20,		/* string: of an SR-IOV VF, its PF's address */
	DDA_A_PAD = 21,			/* padding of u64 attributes, never read */
	DDA_A_DEV_WINDOW_USEC = 22,	/* u64: the last window between owners */
	DDA_A_DEV_UNOWNED_USEC = 23,	/* u64: its group has no DMA owner, this long */
	DDA_A_DEV_HOLD = 24,		/* flag: dda holds the assigned group's DMA */

	__DDA_A_MAX,
	DDA_A_MAX = __DDA_A_MAX - 1
};

enum dda_finding_attr {
	DDA_A_FINDING_UNSPEC = 0,
	DDA_A_FINDING_CHECK = 1,	/* u32: enum dda_check */
	DDA_A_FINDING_SEVERITY = 2,	/* u32: enum dda_severity */
	DDA_A_FINDING_TEXT = 3,		/* string: one line for people */

	__DDA_A_FINDING_MAX,
	DDA_A_FINDING_MAX = __DDA_A_FINDING_MAX - 1
};

enum dda_state {
	DDA_STATE_HOST = 0,		/* not held by dda: a host driver or none */
	DDA_STATE_QUARANTINED = 1,	/* held by dda, DMA blocked, between owners */
	DDA_STATE_ASSIGNED = 2,		/* handed over to vfio-pci for a guest */
};

enum dda_reset {
	DDA_RESET_NONE = 0,		/* no reset has been done, or none worked */
	DDA_RESET_FLR = 1,		/* PCIe function level reset */
	DDA_RESET_AF_FLR = 2,		/* conventional PCI advanced features FLR */
	DDA_RESET_PM = 3,		/* D3hot -> D0 power management reset */
	DDA_RESET_BUS = 4,		/* secondary bus or hotplug slot reset */
	DDA_RESET_DEVICE_SPECIFIC = 5,	/* a quirk of the PCI core for this device */
	DDA_RESET_ACPI = 6,		/* the firmware's _RST method */
	DDA_RESET_CXL_BUS = 7,		/* CXL secondary bus reset */
	DDA_RESET_OTHER = 8,		/* a method of the PCI core dda does not name */
};

enum dda_health {
	DDA_HEALTH_OK = 0,		/* came back from its last reset, or none ran */
	DDA_HEALTH_RESET_FAILED = 1,	/* the reset itself failed */
	DDA_HEALTH_NO_ANSWER = 2,	/* reset, but it no longer answers as itself */
	DDA_HEALTH_UNBOUND = 3,		/* dda could not bind it: unbound, DMA not blocked */
};

enum dda_reason {
	DDA_REASON_DISMOUNT = 0,	/* DDA_CMD_DEV_DISMOUNT */
	DDA_REASON_MOUNT = 1,		/* DDA_CMD_DEV_MOUNT */
	DDA_REASON_HANDOVER = 2,	/* DDA_CMD_DEV_HANDOVER */
	DDA_REASON_RECLAIM = 3,		/* DDA_CMD_DEV_RECLAIM */
	DDA_REASON_SELECTED = 4,	/* chosen at load: ids= or addresses= */
	DDA_REASON_REMOVED = 5,		/* the device left the bus */
	DDA_REASON_UNLOAD = 6,		/* dda.ko unloading gave it back */
	DDA_REASON_RESET = 7,		/* DDA_CMD_DEV_RESET */
	DDA_REASON_OWNED = 8,		/* vfio's user claimed the group's DMA */
	DDA_REASON_RELEASE = 9,		/* DDA_CMD_DEV_RELEASE */
	DDA_REASON_HOLD = 10,		/* vfio's user let go: dda holds it again */
};

enum dda_verdict {
	DDA_VERDICT_ASSIGNABLE = 0,	/* nothing stands in the way */
	DDA_VERDICT_CAVEATS = 1,	/* assignable; read the warnings */
	DDA_VERDICT_BLOCKED = 2,	/* cannot be assigned safely */
};

enum dda_severity {
	DDA_SEVERITY_INFO = 0,		/* a fact worth knowing */
	DDA_SEVERITY_WARNING = 1,	/* works, with a cost or a risk */
	DDA_SEVERITY_BLOCKER = 2,	/* prevents a safe assignment */
};

enum dda_check {
	DDA_CHECK_IOMMU = 0,		/* IOMMU group and DMA translation */
	DDA_CHECK_INTR_REMAP = 1,	/* interrupt remapping */
	DDA_CHECK_GROUP = 2,		/* other members of the IOMMU group */
	DDA_CHECK_ACS = 3,		/* ACS on the path to the root port */
	DDA_CHECK_RESET = 4,		/* reset methods */
	DDA_CHECK_BARS = 5,		/* BAR sizes, the guest's MMIO window */
	DDA_CHECK_SRIOV = 6,		/* SR-IOV physical or virtual function */
	DDA_CHECK_BOOT_DEVICE = 7,	/* boot VGA or console device */
	DDA_CHECK_RESERVED_REGIONS = 8,	/* RMRRs and other reserved regions */
	DDA_CHECK_BRIDGE = 9,		/* host or PCI bridge */
};

#endif /* _UAPI_LINUX_DDA_H */
