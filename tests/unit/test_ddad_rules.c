// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules of ddad, as pure functions: what may be assigned or
 * unassigned, and what to tell when not; and what reconciling decides for
 * each combination of dda.ko's state, the operation state.json recorded
 * and what the guest's query-pci says.
 *
 * The Makefile links no ddad objects into tests, so the files under test
 * are compiled in here.
 */
#include "../../daemon/ddad/fs.c"
#include "../../daemon/ddad/log.c"
#include "../../daemon/ddad/rules.c"
#include "../../daemon/ddad/state.c"

#include "unit.h"

static struct dda_device device(const char *address, enum dda_state state,
				int group, uint32_t class_code,
				const char *driver)
{
	struct dda_device dev = { .state = state, .iommu_group = group,
				  .class_code = class_code };

	snprintf(dev.address, sizeof(dev.address), "%s", address);
	snprintf(dev.driver, sizeof(dev.driver), "%s", driver);
	return dev;
}

static void test_assign(void)
{
	struct dda_device devs[] = {
		device("0000:00:02.0", DDA_STATE_QUARANTINED, 2, 0x00ff00, "dda"),
		device("0000:00:03.0", DDA_STATE_HOST, 3, 0x020000, "e1000e"),
		device("0000:00:04.0", DDA_STATE_ASSIGNED, 4, 0x020000, "vfio-pci"),
		/* group 5: a bridge, a quarantined NIC, one with the host */
		device("0000:00:05.0", DDA_STATE_HOST, 5, 0x060400, "pcieport"),
		device("0000:05:01.0", DDA_STATE_QUARANTINED, 5, 0x020000, "dda"),
		device("0000:05:02.0", DDA_STATE_HOST, 5, 0x020000, ""),
		/* group 6: a bridge and a quarantined NIC */
		device("0000:00:06.0", DDA_STATE_HOST, 6, 0x060400, "pcieport"),
		device("0000:06:00.0", DDA_STATE_QUARANTINED, 6, 0x020000, "dda"),
		device("0000:00:07.0", DDA_STATE_QUARANTINED, -1, 0x020000, "dda"),
		/* group 8: two NICs gone to vfio-pci, one of them to g2 */
		device("0000:08:01.0", DDA_STATE_ASSIGNED, 8, 0x020000, "vfio-pci"),
		device("0000:08:02.0", DDA_STATE_ASSIGNED, 8, 0x020000, "vfio-pci"),
	};
	struct state state = { 0 };
	size_t n = ARRAY_SIZE(devs);
	char msg[512];

	state_add(&state, "0000:00:04.0", DDA_STATE_ASSIGNED, "g1", 0, "rp0",
		  OPERATION_NONE);
	state_add(&state, "0000:08:01.0", DDA_STATE_ASSIGNED, "g2", 0, "rp1",
		  OPERATION_NONE);

	is_int(assign_check(&devs[0], devs, n, &state, msg, sizeof(msg)), 0,
	       "quarantined, alone in its group: may be assigned");
	is_int(assign_check(&devs[7], devs, n, &state, msg, sizeof(msg)), 0,
	       "quarantined, its group's bridge with the host: may be");
	is_int(assign_check(NULL, devs, n, &state, msg, sizeof(msg)), -ENODEV,
	       "no device: -ENODEV");
	is_int(assign_check(&devs[1], devs, n, &state, msg, sizeof(msg)),
	       -EINVAL, "with the host: -EINVAL");
	is_str(msg, "0000:00:03.0 is with the host (driver e1000e): dismount it first (ddactl dismount 0000:00:03.0)",
	       "with the host: dismount it first");
	is_int(assign_check(&devs[2], devs, n, &state, msg, sizeof(msg)),
	       -EALREADY, "assigned: -EALREADY");
	is_str(msg, "0000:00:04.0 is already assigned to vm g1",
	       "assigned: to whom");
	is_int(assign_check(&devs[10], devs, n, &state, msg, sizeof(msg)),
	       -EALREADY, "gone to vfio-pci with its group: -EALREADY");
	is_str(msg, "0000:08:02.0 went to vfio-pci with 0000:08:01.0, of its IOMMU group, which is assigned to vm g2: unassign that first",
	       "gone with its group: with which, to whom");
	state_forget(&state, state_find(&state, "0000:00:04.0"));
	assign_check(&devs[2], devs, n, &state, msg, sizeof(msg));
	is_str(msg, "0000:00:04.0 is already assigned, to no vm ddad knows",
	       "assigned without ddad: says so");
	is_int(assign_check(&devs[4], devs, n, &state, msg, sizeof(msg)),
	       -EBUSY, "its group not wholly quarantined: -EBUSY");
	is_str(msg, "the IOMMU group 5 of 0000:05:01.0 is not wholly quarantined: 0000:05:02.0 is with the host (no driver); dismount the group (ddactl dismount 0000:05:01.0 --group)",
	       "its group: names the member with the host");
	is_int(assign_check(&devs[8], devs, n, &state, msg, sizeof(msg)),
	       -EINVAL, "no IOMMU group: -EINVAL");

	is_int(unassign_check(&devs[9], devs, n, &state, msg, sizeof(msg)), 0,
	       "unassign of the one g2 holds: may be");
	is_int(unassign_check(&devs[10], devs, n, &state, msg, sizeof(msg)),
	       -EINVAL, "unassign of the one that went along: -EINVAL");
	is_str(msg, "0000:08:02.0 is in no guest: it went to vfio-pci with 0000:08:01.0, of its IOMMU group, which is assigned to vm g2 (unassign that)",
	       "it went along: says with which");
	state_release(&state);
}

static void test_unassign(void)
{
	struct dda_device q = device("0000:00:02.0", DDA_STATE_QUARANTINED, 2,
				     0, "dda");
	struct dda_device a = device("0000:00:02.0", DDA_STATE_ASSIGNED, 2, 0,
				     "vfio-pci");
	struct state state = { 0 };
	char msg[256];

	state_add(&state, "0000:00:02.0", DDA_STATE_ASSIGNED, "g1", 0, "rp0",
		  OPERATION_NONE);
	is_int(unassign_check(&a, &a, 1, &state, msg, sizeof(msg)), 0,
	       "assigned to g1: may be unassigned");
	is_int(unassign_check(NULL, &a, 1, &state, msg, sizeof(msg)), -ENODEV,
	       "no device: -ENODEV");
	is_int(unassign_check(&q, &q, 1, &state, msg, sizeof(msg)), -EINVAL,
	       "quarantined: -EINVAL");
	is_str(msg, "0000:00:02.0 is not assigned (it is quarantined)",
	       "quarantined: says so");
	free(state.devices[0].vm);
	state.devices[0].vm = NULL;
	is_int(unassign_check(&a, &a, 1, &state, msg, sizeof(msg)), -EINVAL,
	       "assigned, no vm recorded: -EINVAL");
	state_release(&state);
	is_int(unassign_check(&a, &a, 1, &state, msg, sizeof(msg)), -EINVAL,
	       "assigned, no record: -EINVAL");
	is_str(msg, "0000:00:02.0 was assigned without ddad: it knows of no vm holding it",
	       "assigned without ddad: says so");
}

static const char *action_name(enum reconcile_action action)
{
	static const char *const names[] = {
		[RECONCILE_WAIT] = "wait", [RECONCILE_SYNC] = "sync",
		[RECONCILE_KEEP] = "keep", [RECONCILE_RECLAIM] = "reclaim",
	};

	return action < ARRAY_SIZE(names) ? names[action] : "?";
}

static void test_reconcile(void)
{
	static const char *const view_names[] = {
		[GUEST_UNKNOWN] = "unknown", [GUEST_GONE] = "gone",
		[GUEST_HAS] = "has it", [GUEST_LACKS] = "lacks it",
	};
	/* What is decided for an assigned device, whatever the operation. */
	static const enum reconcile_action assigned[] = {
		[GUEST_UNKNOWN] = RECONCILE_WAIT,
		[GUEST_GONE] = RECONCILE_RECLAIM,
		[GUEST_HAS] = RECONCILE_KEEP,
		[GUEST_LACKS] = RECONCILE_RECLAIM,
	};
	enum operation op;
	enum guest_view view;
	enum dda_state kernel;

	for (op = OPERATION_NONE; op <= OPERATION_RECLAIM; op++) {
		for (view = GUEST_UNKNOWN; view <= GUEST_LACKS; view++) {
			for (kernel = DDA_STATE_HOST;
			     kernel <= DDA_STATE_ASSIGNED; kernel++) {
				enum reconcile_action want = RECONCILE_SYNC;

				if (kernel == DDA_STATE_ASSIGNED)
					want = assigned[view];
				is_str(action_name(reconcile_decide(kernel, op,
								     view)),
				       action_name(want),
				       "dda.ko: %s, operation %s, the guest %s: %s",
				       dda_state_name(kernel),
				       operation_name(op) ? operation_name(op) :
				       "none", view_names[view],
				       action_name(want));
			}
		}
	}
}

int main(void)
{
	log_open(false);
	log_started();
	test_assign();
	test_unassign();
	test_reconcile();
	return unit_done();
}
