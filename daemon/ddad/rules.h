/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules.h: the decisions on a device: whether a request may go on with it
 * (assign_check() ...), whether its guest let go, what reconciling does
 * with it (rules.c).
 */
#ifndef DDAD_RULES_H
#define DDAD_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "libdda.h"

struct state;

/*
 * May dev (NULL: no such device) be assigned? devs[count] is every device
 * (its IOMMU group's members among them), state what ddad records. 0, or a
 * negative errno with what to tell in message: -ENODEV; -EINVAL, with the
 * host ("dismount it first"); -EALREADY, assigned (to which guest, or with
 * which member of its group); -EBUSY, a member of its IOMMU group is with
 * the host.
 */
int assign_check(const struct dda_device *dev, const struct dda_device *devs,
		 size_t count, struct state *state, char *message, size_t size);

/*
 * May dev be unassigned? -ENODEV; -EINVAL when it is not assigned, or not
 * to a guest ddad knows (went to vfio-pci with a member of its group).
 */
int unassign_check(const struct dda_device *dev,
		   const struct dda_device *devs, size_t count,
		   struct state *state, char *message, size_t size);

/* What the qemu hook's libvirt_prepare does with one hostdev. */
enum lend {
	LEND_REFUSE,		/* the start is refused: message says why */
	LEND_HANDOVER,		/* dda's, quarantined: to vfio-pci for it */
	LEND_ALONG,		/* goes with another hostdev of its group */
	LEND_ALREADY,		/* already the domain's (a start retried) */
	LEND_NOT_DDAS,		/* dda does not hold it: left to libvirt */
};

/*
 * The decision on a hostdev of domain (managed or not) naming dev (NULL:
 * no such device), devs[count] its IOMMU group's members, busy whether a
 * job is under way on it, along whether another hostdev of this start is
 * handed over with its group. Refusals return LEND_REFUSE with err (a
 * negative errno) and message.
 */
enum lend lend_check(const struct dda_device *dev,
		     const struct dda_device *devs, size_t count,
		     struct state *state, const char *domain, bool managed,
		     bool busy, bool along, int *err, char *message,
		     size_t size);

/*
 * May the administrator take dev back into quarantine (reclaim), which is
 * assigned to no guest ddad knows (assigned without ddad, or its guest lost
 * with a corrupt state.json)? Its whole IOMMU group comes back with it.
 * -ENODEV; -EINVAL when it is not assigned; -EBUSY when it, or a member of
 * its group, is assigned to a guest of ddad's (then: unassign).
 */
int reclaim_check(const struct dda_device *dev,
		  const struct dda_device *devs, size_t count,
		  struct state *state, char *message, size_t size);

/* What a guest's query-pci says of a device. */
enum guest_view {
	GUEST_UNKNOWN,		/* not known (not asked, or not its holder) */
	GUEST_HAS,		/* it has the device */
	GUEST_LACKS,		/* it does not */
};

/* The QEMU process ddad gave a device to, as the kernel says. */
enum holder_view {
	HOLDER_UNKNOWN,		/* no process recorded */
	HOLDER_GONE,		/* it exited (its pidfd said so) */
	HOLDER_CONNECTED,	/* alive, and its guest's QMP is it */
	HOLDER_ELSEWHERE,	/* alive, its guest not connected through it */
	HOLDER_STOPPED,		/* none recorded; its manager (libvirt's
				 * "release end") says its QEMU exited */
};

/*
 * Whether the guest let go of a device ddad gave its QEMU process, on
 * proof: that process is gone, or it is the one connected, its query-pci
 * lacks the device and vfio_open (process_holds_vfio()) is 0; or, when no
 * process was recorded (HOLDER_STOPPED: a device lent through libvirt's
 * hook), no process at all holds it through vfio (vfio_open 0, as
 * dda_vfio_users() tells). The one place that decides it: reconciling,
 * the jobs and libvirt_release ask it alike.
 */
bool guest_let_go(enum holder_view holder, enum guest_view view,
		  int vfio_open);

enum reconcile_action {
	RECONCILE_WAIT,		/* until proof comes, one way or the other */
	RECONCILE_SYNC,		/* the record follows dda.ko, op done */
	RECONCILE_KEEP,		/* assigned to the guest that has it */
	RECONCILE_RECLAIM,	/* assigned, and its guest let go */
	RECONCILE_LEAVE,	/* assigned without ddad: no one's to take */
};

/*
 * What to do with a device dda.ko reports in kernel state, which state.json
 * records with or without a guest (owned), whose holder and guest see it
 * as holder and view, and vfio_open as guest_let_go() takes it.
 */
enum reconcile_action reconcile_decide(enum dda_state kernel, bool owned,
				       enum holder_view holder,
				       enum guest_view view, int vfio_open);

#endif /* DDAD_RULES_H */
