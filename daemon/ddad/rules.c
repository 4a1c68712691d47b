// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules of assign and unassign, as functions of what dda.ko says and
 * what state.json records: may it be done, and if not, what to tell.
 * dda.ko enforces them too; ddad says no first, in words that say what to
 * do instead. And what reconciling decides (reconcile.c says why).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "libdda.h"
#include "operation.h"
#include "rules.h"
#include "state.h"

/*
 * For an assigned dev that no guest holds: the member of its IOMMU group
 * that a guest holds, with which dev went to vfio-pci; NULL if none.
 */
static const struct state_device *group_holder(const struct dda_device *dev,
					       const struct dda_device *devs,
					       size_t count,
					       struct state *state)
{
	const struct state_device *rec;
	size_t i;

	if (dev->iommu_group < 0)
		return NULL;
	for (i = 0; i < count; i++) {
		if (devs[i].iommu_group != dev->iommu_group ||
		    !strcmp(devs[i].address, dev->address))
			continue;
		rec = state_find(state, devs[i].address);
		if (rec && rec->vm && !rec->with &&
		    rec->state == DDA_STATE_ASSIGNED)
			return rec;
	}
	return NULL;
}

int assign_check(const struct dda_device *dev, const struct dda_device *devs,
		 size_t count, struct state *state, char *message, size_t size)
{
	const struct state_device *rec, *holder;
	size_t i;

	if (!dev) {
		snprintf(message, size, "no PCI device");
		return -ENODEV;
	}
	switch (dev->state) {
	case DDA_STATE_HOST:
		snprintf(message, size,
			 "%s is with the host (%s%s): dismount it first (ddactl dismount %s)",
			 dev->address, *dev->driver ? "driver " : "no driver",
			 dev->driver, dev->address);
		return -EINVAL;
	case DDA_STATE_ASSIGNED:
		rec = state_find(state, dev->address);
		holder = group_holder(dev, devs, count, state);
		if (rec && rec->vm && rec->with)
			snprintf(message, size,
				 "%s went to vfio-pci with %s, of its IOMMU group, which is assigned to vm %s: unassign that first",
				 dev->address, rec->with, rec->vm);
		else if (rec && rec->vm)
			snprintf(message, size, "%s is already assigned to vm %s",
				 dev->address, rec->vm);
		else if (holder)
			snprintf(message, size,
				 "%s went to vfio-pci with %s, of its IOMMU group, which is assigned to vm %s: unassign that first",
				 dev->address, holder->address, holder->vm);
		else
			snprintf(message, size,
				 "%s is already assigned, to no vm ddad knows",
				 dev->address);
		return -EALREADY;
	case DDA_STATE_QUARANTINED:
		break;
	default:
		snprintf(message, size, "%s is in an unknown state",
			 dev->address);
		return -EINVAL;
	}
	if (dev->iommu_group < 0) {
		snprintf(message, size, "%s has no IOMMU group", dev->address);
		return -EINVAL;
	}
	for (i = 0; i < count; i++) {
		const struct dda_device *m = &devs[i];

		if (m->iommu_group != dev->iommu_group ||
		    !strcmp(m->address, dev->address) || dda_class_is_bridge(m->class_code) ||
		    m->state != DDA_STATE_HOST)
			continue;
		snprintf(message, size,
			 "the IOMMU group %d of %s is not wholly quarantined: %s is with the host (%s%s); dismount the group (ddactl dismount %s --group)",
			 dev->iommu_group, dev->address, m->address,
			 *m->driver ? "driver " : "no driver", m->driver,
			 dev->address);
		return -EBUSY;
	}
	return 0;
}

/* dev is there and assigned: 0, else -ENODEV or -EINVAL with message. */
static int check_assigned(const struct dda_device *dev, char *message,
			  size_t size)
{
	if (!dev) {
		snprintf(message, size, "no PCI device");
		return -ENODEV;
	}
	if (dev->state != DDA_STATE_ASSIGNED) {
		snprintf(message, size, "%s is not assigned (it is %s)",
			 dev->address, dda_state_name(dev->state));
		return -EINVAL;
	}
	return 0;
}

int unassign_check(const struct dda_device *dev,
		   const struct dda_device *devs, size_t count,
		   struct state *state, char *message, size_t size)
{
	const struct state_device *rec, *holder;
	int err;

	err = check_assigned(dev, message, size);
	if (err)
		return err;
	rec = state_find(state, dev->address);
	if (rec && rec->vm && rec->with) {
		snprintf(message, size,
			 "%s is in no guest: it went to vfio-pci with %s, of its IOMMU group, which is assigned to vm %s (unassign that)",
			 dev->address, rec->with, rec->vm);
		return -EINVAL;
	}
	if (rec && rec->vm)
		return 0;
	holder = group_holder(dev, devs, count, state);
	if (holder)
		snprintf(message, size,
			 "%s is in no guest: it went to vfio-pci with %s, of its IOMMU group, which is assigned to vm %s (unassign that)",
			 dev->address, holder->address, holder->vm);
	else
		snprintf(message, size,
			 "%s was assigned without ddad: it knows of no vm holding it (ddactl reclaim %s, once no process holds it)",
			 dev->address, dev->address);
	return -EINVAL;
}

enum lend lend_check(const struct dda_device *dev,
		     const struct dda_device *devs, size_t count,
		     struct state *state, const char *domain, bool managed,
		     bool busy, bool along, int *err, char *message,
		     size_t size)
{
	const struct state_device *rec;

	*err = 0;
	if (!dev || dev->state == DDA_STATE_HOST)
		return LEND_NOT_DDAS;
	if (managed) {
		*err = -EPERM;
		snprintf(message, size,
			 "%s is dda's (%s): with managed='yes' libvirt would take it from dda at start and give it to its host driver at stop; write managed='no' in its <hostdev>, and dda lends it to the domain at start",
			 dev->address, dda_state_name(dev->state));
		return LEND_REFUSE;
	}
	if (along)
		return LEND_ALONG;
	rec = state_find(state, dev->address);
	if (dev->state == DDA_STATE_ASSIGNED && rec && rec->vm &&
	    !strcmp(rec->vm, domain))
		return LEND_ALREADY;
	if (busy || (rec && rec->operation != OPERATION_NONE)) {
		*err = -EBUSY;
		snprintf(message, size, "%s is busy: an %s is under way",
			 dev->address, rec && rec->operation != OPERATION_NONE ?
			 operation_name(rec->operation) : "operation");
		return LEND_REFUSE;
	}
	*err = assign_check(dev, devs, count, state, message, size);
	if (*err)
		return LEND_REFUSE;
	if (dev->health != DDA_HEALTH_OK) {
		*err = -EIO;
		snprintf(message, size,
			 "%s did not come back from its last reset (%s): reset it first (ddactl reset %s)",
			 dev->address, dda_health_name(dev->health),
			 dev->address);
		return LEND_REFUSE;
	}
	if (!vm_name_valid(domain)) {
		*err = -EINVAL;
		snprintf(message, size,
			 "domain \"%.64s\" may not hold dda's %s: dda names guests with 1 to 64 letters, digits, '.', '_', '-', the first a letter or a digit",
			 domain, dev->address);
		return LEND_REFUSE;
	}
	return LEND_HANDOVER;
}

int reclaim_check(const struct dda_device *dev,
		  const struct dda_device *devs, size_t count,
		  struct state *state, char *message, size_t size)
{
	const struct state_device *rec;
	size_t i;
	int err;

	err = check_assigned(dev, message, size);
	if (err)
		return err;
	/* Its whole group comes back with it: none of it may be a guest's. */
	for (i = 0; i < count; i++) {
		const struct dda_device *m = &devs[i];

		if (strcmp(m->address, dev->address) &&
		    (dev->iommu_group < 0 || m->iommu_group != dev->iommu_group))
			continue;
		rec = state_find(state, m->address);
		if (m->state != DDA_STATE_ASSIGNED || !rec || !rec->vm)
			continue;
		if (m == dev || !strcmp(m->address, dev->address))
			snprintf(message, size,
				 "%s is assigned to vm %s: ddactl unassign %s",
				 dev->address, rec->vm,
				 rec->with ? rec->with : dev->address);
		else
			snprintf(message, size,
				 "%s of the IOMMU group of %s, which comes back with it, is assigned to vm %s: ddactl unassign %s",
				 m->address, dev->address, rec->vm,
				 rec->with ? rec->with : m->address);
		return -EBUSY;
	}
	return 0;
}

bool guest_let_go(enum holder_view holder, enum guest_view view,
		  int vfio_open)
{
	if (holder == HOLDER_GONE)
		return true;
	/* No process to ask of: only vfio's word that none holds it. */
	if (holder == HOLDER_STOPPED)
		return vfio_open == 0;
	/*
	 * Only the process ddad gave the device to speaks for it, and only
	 * with vfio agreeing: a query-pci alone is a guest's word.
	 */
	return holder == HOLDER_CONNECTED && view == GUEST_LACKS &&
	       vfio_open == 0;
}

enum reconcile_action reconcile_decide(enum dda_state kernel, bool owned,
				       enum holder_view holder,
				       enum guest_view view, int vfio_open)
{
	if (kernel != DDA_STATE_ASSIGNED)
		return RECONCILE_SYNC;
	/* No guest of ddad's: never one's for its word. */
	if (!owned)
		return RECONCILE_LEAVE;
	if (guest_let_go(holder, view, vfio_open))
		return RECONCILE_RECLAIM;
	if (holder == HOLDER_CONNECTED && view == GUEST_HAS)
		return RECONCILE_KEEP;
	return RECONCILE_WAIT;
}
