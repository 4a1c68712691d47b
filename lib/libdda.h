/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdda: a client of dda.ko, the "dda" generic netlink family described in
 * <linux/dda.h>.
 *
 * Every function that can fail returns 0 or a negative errno; none prints
 * or exits (a forced dismount writes one line to the kernel log). When the kernel refuses a request, dda_error() gives the reason
 * it sent in its extended ACK. A struct dda is not thread-safe: use one per
 * thread, or serialize the calls.
 */
#ifndef LIBDDA_H
#define LIBDDA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/dda.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes for a driver name, with its NUL. */
#define DDA_DRIVER_SIZE		64

/* Bytes for the text of a finding, with its NUL. */
#define DDA_FINDING_TEXT_SIZE	256

/* A connection to dda.ko. */
struct dda;

/* A PCI device as dda.ko describes it (a "device message"). */
struct dda_device {
	char address[DDA_ADDRESS_LEN + 1];	/* "dddd:bb:dd.f" */
	uint16_t vendor;
	uint16_t device;
	uint16_t subsys_vendor;
	uint16_t subsys_device;
	uint32_t class_code;			/* 0xBBSSPP */
	char driver[DDA_DRIVER_SIZE];		/* bound driver, or "" */
	int iommu_group;			/* -1 if none */
	enum dda_state state;
	char original_driver[DDA_DRIVER_SIZE];	/* before DISMOUNT */
	enum dda_reset reset_method;		/* of the last reset */
	uint32_t reset_usec;			/* how long it took, or 0 */
	enum dda_health health;			/* how it came out of it */
	char physfn[DDA_ADDRESS_LEN + 1];	/* of an SR-IOV VF, its PF; or "" */
	/*
	 * The window between owners (see DDA_A_DEV_WINDOW_USEC): the last
	 * one of its IOMMU group, in microseconds, an upper bound; 0 before
	 * the first. unowned_usec: its group, handed over by dda, has had no
	 * DMA owner for at most this long now; 0 when it has one.
	 */
	uint64_t window_usec;
	uint64_t unowned_usec;
	/*
	 * Assigned, and dda still owns its IOMMU group's DMA (a handover with
	 * DDA_HANDOVER_HOLD, not yet released): no VFIO user can open the
	 * group until dda_release().
	 */
	bool hold;
};

/* One finding of a survey (DDA_A_SURVEY_FINDING). */
struct dda_finding {
	enum dda_check check;
	enum dda_severity severity;
	char text[DDA_FINDING_TEXT_SIZE];	/* one line for people */
};

/* May a device be assigned, and why not (DDA_CMD_DEV_SURVEY). */
struct dda_survey {
	char address[DDA_ADDRESS_LEN + 1];	/* "dddd:bb:dd.f" */
	enum dda_verdict verdict;
	size_t n_findings;
	struct dda_finding *findings;		/* in the kernel's order */
};

/* A state change (DDA_CMD_DEV_EVENT). */
struct dda_event {
	char address[DDA_ADDRESS_LEN + 1];	/* "dddd:bb:dd.f" */
	enum dda_state old_state;
	enum dda_state state;
	enum dda_reason reason;
	bool reset;				/* the change reset the device: */
	enum dda_reset reset_method;		/* how, */
	uint32_t reset_usec;			/* how long it took */
	enum dda_health health;			/* the device's, after the change */
	uint64_t window_usec;			/* the window between owners it
						 * ended (reclaim, owned), or 0 */
};

/*
 * Connects to dda.ko. Returns -ENOENT when the "dda" family does not exist,
 * that is when the dda kernel module is not loaded. On failure *out is NULL
 * and dda_error(NULL) says why.
 */
int dda_open(struct dda **out);
void dda_close(struct dda *dda);

/*
 * Why the last failed call on dda failed: the kernel's extended ACK message,
 * or libdda's own reason; "" when there is none. dda_error(NULL) is about
 * the last failed dda_open() of the calling thread. The text is valid until
 * the next call on dda.
 */
const char *dda_error(const struct dda *dda);

/*
 * Parses a PCI address, "DDDD:BB:DD.F" or "BB:DD.F" (domain 0000), in hex
 * of either case, and writes its canonical form, lower-case "dddd:bb:dd.f",
 * to out. Returns -EINVAL, leaving out alone, for anything else.
 */
int dda_address_parse(const char *text, char out[DDA_ADDRESS_LEN + 1]);

/*
 * Describes the device at address (any form dda_address_parse() takes).
 * -ENODEV: no PCI device has this address.
 */
int dda_device_get(struct dda *dda, const char *address,
		   struct dda_device *out);

/*
 * Describes every PCI device. On success *out holds *count devices, to be
 * released with free(); it may be NULL when *count is 0.
 */
int dda_device_list(struct dda *dda, struct dda_device **out, size_t *count);

/*
 * Describes the devices of IOMMU group group (a device's iommu_group), as
 * dda_device_list() does: what a handover or a reclaim moves together,
 * asked of dda.ko without listing every device of the host. -EINVAL for a
 * negative group; *count is 0 when no device has that group.
 */
int dda_group_list(struct dda *dda, int group, struct dda_device **out,
		   size_t *count);

/*
 * Dismounts the device at address: host -> quarantined. With group, every
 * other device of its IOMMU group that is with the host goes along, as one
 * transaction. A device the host uses (a filesystem mounted from it,
 * its swap, an md, dm or LVM stack on it, vfio-pci bound by another) is
 * refused, as dda_dismount_flags() says. On success the device as it is now goes to out, unless out
 * is NULL. Needs CAP_NET_ADMIN: -EPERM without it, dda_error() then saying
 * so. dda.ko's refusals come with its reason in dda_error(): -EALREADY,
 * the device is quarantined already; -EBUSY, -EOPNOTSUPP, -EINVAL, -EPERM
 * or -E2BIG, something in the way, which dda_survey_get() names along with
 * everything else that is.
 */
int dda_dismount(struct dda *dda, const char *address, bool group,
		 struct dda_device *out);

/* What dda_dismount_flags() does besides. */
enum dda_dismount_flag {
	DDA_DISMOUNT_GROUP = 1u << 0,	/* as group of dda_dismount() */
	DDA_DISMOUNT_FORCE = 1u << 1,	/* even what the host uses */
};

/*
 * dda_dismount() with flags, DDA_DISMOUNT_* or'ed. Either refuses, before
 * asking dda.ko, a device the host uses: -EBUSY, dda_error() naming each
 * use, "nvme0n1p2 is mounted on /", "nvme0n1p3 is active swap",
 * "nvme0n1p4 is held by dm-0 (vg-root)" (an assembled md, dm or LVM
 * stack), "bound to vfio-pci, which dda did not hand over (another
 * VMM's)"; with DDA_DISMOUNT_GROUP, of every member of its IOMMU group that
 * is with the host (after "ADDRESS, of its IOMMU group: "). With
 * DDA_DISMOUNT_FORCE it dismounts anyway, and says so in the kernel log
 * ("libdda: ADDRESS: dismount forced by ..."). -EINVAL for an unknown flag.
 */
int dda_dismount_flags(struct dda *dda, const char *address,
		       unsigned int flags, struct dda_device *out);

/*
 * Mounts the device at address: quarantined -> host, back to the driver it
 * had before its dismount. Otherwise as dda_dismount().
 */
int dda_mount(struct dda *dda, const char *address, bool group,
	      struct dda_device *out);

/*
 * Hands the device at address over to vfio-pci for a guest: quarantined ->
 * assigned, with every other device of its IOMMU group (vfio takes a group
 * or nothing), which must be wholly quarantined (-EBUSY otherwise). The
 * kernel binds vfio-pci in one step, so that no other driver can take the
 * device in between. Otherwise as dda_dismount().
 */
int dda_handover(struct dda *dda, const char *address,
		 struct dda_device *out);

/* What dda_handover_flags() does besides. */
enum dda_handover_flag {
	DDA_HANDOVER_HOLD = 1u << 0,	/* dda keeps the group's DMA */
};

/*
 * dda_handover() with flags, DDA_HANDOVER_* or'ed. With DDA_HANDOVER_HOLD
 * dda.ko keeps the DMA ownership of the IOMMU group while vfio-pci binds
 * and after: the devices are assigned and held (hold in their struct
 * dda_device), and no VFIO user can open the group (QEMU's device_add of
 * one fails) until dda_release(). The window between owners then starts at
 * the release, not here. -EINVAL for an unknown flag.
 */
int dda_handover_flags(struct dda *dda, const char *address,
		       unsigned int flags, struct dda_device *out);

/*
 * Lets go of the group of the device at address, handed over with
 * DDA_HANDOVER_HOLD: assigned and held -> assigned. From now on its VFIO
 * user may claim the group; call it just before that user (QEMU) opens it,
 * as the window between owners runs from here to that claim. Always the
 * whole IOMMU group. -EINVAL, with dda.ko's reason in dda_error(), for a
 * device that is not assigned or not held. Otherwise as dda_dismount().
 */
int dda_release(struct dda *dda, const char *address,
		struct dda_device *out);

/*
 * Takes the device at address, and its group, back from vfio-pci into
 * quarantine, with a reset: assigned -> quarantined. vfio-pci lets go once
 * the VFIO user (QEMU) has closed the devices, and asks it to: call it once
 * the guest let go. Until then the reclaim is under way (see dda_set_wait()).
 * -EBUSY: a VFIO user still holds the IOMMU group itself; the devices stay
 * with vfio-pci. Otherwise as dda_dismount().
 */
int dda_reclaim(struct dda *dda, const char *address,
		struct dda_device *out);

/*
 * Resets the quarantined device at address again (with group, every
 * quarantined device of its IOMMU group): how an administrator clears a
 * device that did not come back from a reset (health not DDA_HEALTH_OK),
 * which dda.ko keeps in quarantine, refusing to hand it over or mount it.
 * -EIO: it still does not come back. Otherwise as dda_dismount().
 */
int dda_reset(struct dda *dda, const char *address, bool group,
	      struct dda_device *out);

/*
 * dda.ko makes every change in a worker of its own and answers within two
 * seconds: a change that takes longer (a reclaim whose guest holds on, a
 * slow reset) goes on, the device busy until it ends. How long the change
 * functions above then wait for its end: timeout_ms < 0 (the default)
 * until it ends, 0 not at all; when it has not ended they return
 * -EINPROGRESS, and dda_wait() waits on. Ended, a change that did not reach
 * its state is -EBUSY, or -EIO when the device is unhealthy, dda_error()
 * saying where the device is.
 */
void dda_set_wait(struct dda *dda, int timeout_ms);

/*
 * Waits until no change of the device at address is under way, timeout_ms
 * at most (< 0: no limit); its description then goes to out, unless out is
 * NULL. -ETIMEDOUT when a change is still under way.
 */
int dda_wait(struct dda *dda, const char *address, int timeout_ms,
	     struct dda_device *out);

/* A process that holds a device through VFIO. */
struct dda_vfio_user {
	int pid;
	char command[16];			/* its comm, as /proc has it */
	char file[64];				/* what it has open: "/dev/vfio/7" */
};

/*
 * The processes that have the device at address open through VFIO (its
 * group /dev/vfio/N or its device /dev/vfio/devices/vfioN): whom vfio-pci
 * waits for before it lets go of the device, a reclaim with it. An array of
 * *count users to free(); it may be NULL when *count is 0. Without root
 * only the caller's own processes are seen. Needs no dda.ko.
 */
int dda_vfio_users(const char *address, struct dda_vfio_user **out,
		   size_t *count);

/*
 * Whether process pid has the device at address open through VFIO, as
 * dda_vfio_users() tells: 1 or 0; -ESRCH when there is no such process,
 * another -errno when it cannot be told.
 */
int dda_vfio_held_by(const char *address, int pid);

/*
 * Surveys the device at address. On success out holds its findings, to be
 * released with dda_survey_free(). -ENODEV: no PCI device has this address.
 */
int dda_survey_get(struct dda *dda, const char *address,
		   struct dda_survey *out);

/*
 * Surveys every PCI device. On success *out holds *count surveys, to be
 * released with dda_survey_list_free(); it may be NULL when *count is 0.
 */
int dda_survey_list(struct dda *dda, struct dda_survey **out, size_t *count);

/* Frees the findings of survey, not survey itself. NULL is fine. */
void dda_survey_free(struct dda_survey *survey);

/* Frees count surveys and the array that holds them. */
void dda_survey_list_free(struct dda_survey *surveys, size_t count);

/*
 * Connects to dda.ko to hear of its state changes: the handle listens to
 * the "events" multicast group, and is for events only (requests go on a
 * handle from dda_open()). Fails as dda_open() does.
 */
int dda_events_open(struct dda **out);

/* The file descriptor of an events handle, to poll() for POLLIN. */
int dda_events_fd(const struct dda *dda);

/*
 * Reads the next event without waiting: 0 with the event in out, -EAGAIN
 * when none is pending. -ENOBUFS: events came faster than they were read,
 * and some are lost; -EBADMSG: dda.ko sent a malformed event, skipped. The
 * next call goes on after either.
 */
int dda_event_read(struct dda *dda, struct dda_event *out);

/* "host", "quarantined", "assigned"; "unknown" for anything else. */
const char *dda_state_name(enum dda_state state);

/*
 * "none", "flr", "af_flr", "pm", "bus", "device_specific", "acpi",
 * "cxl_bus", "other"; "unknown" for anything else.
 */
const char *dda_reset_name(enum dda_reset reset);

/* "ok", "reset_failed", "no_answer"; "unknown" for anything else. */
const char *dda_health_name(enum dda_health health);

/* "assignable", "caveats", "blocked"; "unknown" for anything else. */
const char *dda_verdict_name(enum dda_verdict verdict);

/* "info", "warning", "blocker"; "unknown" for anything else. */
const char *dda_severity_name(enum dda_severity severity);

/*
 * "iommu", "interrupt_remapping", "group", "acs", "reset", "bars", "sriov",
 * "boot_device", "reserved_regions", "bridge"; "unknown" for anything else.
 */
const char *dda_check_name(enum dda_check check);

/*
 * "dismount", "mount", "handover", "reclaim", "selected", "removed",
 * "unload", "reset", "owned", "release", "hold"; "unknown" for anything
 * else.
 */
const char *dda_reason_name(enum dda_reason reason);

/*
 * A short name for a PCI class code 0xBBSSPP, from its base class and
 * subclass as the system's pci.ids names them ("Ethernet controller"), else
 * from its base class alone ("Network controller"), else "Unknown class"
 * (also for every class when there is no pci.ids to read).
 */
const char *dda_class_name(uint32_t class_code);

/*
 * Is a device of class code 0xBBSSPP a bridge, which dda.ko never takes: a
 * host bridge (0x0600), or a bridge the kernel's pci_is_bridge() sees by its
 * header type, PCI-to-PCI (0x0604, 0x0609) or CardBus (0x0607)?
 */
bool dda_class_is_bridge(uint32_t class_code);

#ifdef __cplusplus
}
#endif

#endif /* LIBDDA_H */
