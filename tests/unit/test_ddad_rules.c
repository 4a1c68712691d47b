// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules of ddad, as pure functions: what may be assigned or
 * unassigned, and what to tell when not; when a guest let go of a device,
 * and what reconciling decides, as tables over dda.ko's state, whether a
 * guest of ddad's holds it, what the kernel says of its QEMU process, what
 * the guest's query-pci says and whether vfio says the device is open.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rules.h"
#include "state.h"
#include "unit.h"
#include "util.h"

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
	is_str(msg, "0000:00:02.0 was assigned without ddad: it knows of no vm holding it (ddactl reclaim 0000:00:02.0, once no process holds it)",
	       "assigned without ddad: says so, and how to take it back");
}

static void test_reclaim(void)
{
	struct dda_device devs[] = {
		device("0000:00:02.0", DDA_STATE_ASSIGNED, 2, 0, "vfio-pci"),
		device("0000:00:03.0", DDA_STATE_QUARANTINED, 3, 0, "dda"),
		/* group 8: two NICs gone to vfio-pci, the first for g2 */
		device("0000:08:01.0", DDA_STATE_ASSIGNED, 8, 0, "vfio-pci"),
		device("0000:08:02.0", DDA_STATE_ASSIGNED, 8, 0, "vfio-pci"),
		device("0000:00:09.0", DDA_STATE_ASSIGNED, -1, 0, "vfio-pci"),
	};
	struct state state = { 0 };
	size_t n = ARRAY_SIZE(devs);
	char msg[256];

	is_int(reclaim_check(&devs[0], devs, n, &state, msg, sizeof(msg)), 0,
	       "assigned, no record: may be reclaimed");
	is_int(reclaim_check(&devs[4], devs, n, &state, msg, sizeof(msg)), 0,
	       "assigned, no group, no record: may be reclaimed");
	is_int(reclaim_check(NULL, devs, n, &state, msg, sizeof(msg)), -ENODEV,
	       "no device: -ENODEV");
	is_int(reclaim_check(&devs[1], devs, n, &state, msg, sizeof(msg)),
	       -EINVAL, "quarantined: -EINVAL");
	is_str(msg, "0000:00:03.0 is not assigned (it is quarantined)",
	       "quarantined: says so");

	state_add(&state, "0000:00:02.0", DDA_STATE_ASSIGNED, NULL, 0, NULL,
		  OPERATION_NONE);
	is_int(reclaim_check(&devs[0], devs, n, &state, msg, sizeof(msg)), 0,
	       "a record without a vm (state.json was corrupt): may be reclaimed");
	state_release(&state);

	state_add(&state, "0000:00:02.0", DDA_STATE_ASSIGNED, "g1", 0, "rp0",
		  OPERATION_NONE);
	is_int(reclaim_check(&devs[0], devs, n, &state, msg, sizeof(msg)),
	       -EBUSY, "assigned to g1: -EBUSY");
	is_str(msg, "0000:00:02.0 is assigned to vm g1: ddactl unassign 0000:00:02.0",
	       "assigned to g1: says to unassign it");
	state_release(&state);

	state_add(&state, "0000:08:01.0", DDA_STATE_ASSIGNED, "g2", 0, "rp1",
		  OPERATION_NONE);
	is_int(reclaim_check(&devs[3], devs, n, &state, msg, sizeof(msg)),
	       -EBUSY, "its group's other member is g2's: -EBUSY");
	is_str(msg, "0000:08:01.0 of the IOMMU group of 0000:08:02.0, which comes back with it, is assigned to vm g2: ddactl unassign 0000:08:01.0",
	       "says which, and what to unassign");
	is_int(reclaim_check(&devs[0], devs, n, &state, msg, sizeof(msg)), 0,
	       "another group's guest does not matter");
	state_release(&state);
}

/* The qemu hook's libvirt_prepare, one hostdev at a time. */
static void test_lend(void)
{
	struct dda_device devs[] = {
		device("0000:01:00.0", DDA_STATE_QUARANTINED, 1, 0x020000, "dda"),
		device("0000:00:03.0", DDA_STATE_HOST, 3, 0x020000, "e1000e"),
		/* group 5: a bridge, a quarantined NIC, one with the host */
		device("0000:00:05.0", DDA_STATE_HOST, 5, 0x060400, "pcieport"),
		device("0000:05:01.0", DDA_STATE_QUARANTINED, 5, 0x020000, "dda"),
		device("0000:05:02.0", DDA_STATE_HOST, 5, 0x020000, ""),
		device("0000:00:04.0", DDA_STATE_ASSIGNED, 4, 0x020000, "vfio-pci"),
		device("0000:00:06.0", DDA_STATE_ASSIGNED, 6, 0x020000, "vfio-pci"),
		device("0000:00:07.0", DDA_STATE_QUARANTINED, 7, 0x020000, "dda"),
	};
	struct state state = { 0 };
	size_t n = ARRAY_SIZE(devs);
	char msg[512];
	int err;

	state_add(&state, "0000:00:04.0", DDA_STATE_ASSIGNED, "lv1", 0, NULL,
		  OPERATION_NONE);
	state_add(&state, "0000:00:06.0", DDA_STATE_ASSIGNED, "g2", 0, "rp0",
		  OPERATION_NONE);
	devs[7].health = DDA_HEALTH_NO_ANSWER;

	is_int(lend_check(&devs[0], devs, 1, &state, "lv1", false, false,
			  false, &err, msg, sizeof(msg)), LEND_HANDOVER,
	       "managed='no', quarantined, alone in its group: handed over");
	is_int(err, 0, "no error");
	is_int(lend_check(&devs[0], devs, 1, &state, "lv1", true, false,
			  false, &err, msg, sizeof(msg)), LEND_REFUSE,
	       "managed='yes', quarantined: refused");
	is_int(err, -EPERM, "EPERM");
	is_str(msg, "0000:01:00.0 is dda's (quarantined): with managed='yes' libvirt would take it from dda at start and give it to its host driver at stop; write managed='no' in its <hostdev>, and dda lends it to the domain at start",
	       "saying why, and what to write instead");
	is_int(lend_check(&devs[5], devs, n, &state, "lv1", true, false,
			  false, &err, msg, sizeof(msg)), LEND_REFUSE,
	       "managed='yes', already lent to the domain: refused too");
	is_int(lend_check(&devs[1], devs, n, &state, "lv1", true, false,
			  false, &err, msg, sizeof(msg)), LEND_NOT_DDAS,
	       "managed='yes' of a device with the host: not dda's, left to libvirt");
	is_int(lend_check(&devs[1], devs, n, &state, "lv1", false, false,
			  false, &err, msg, sizeof(msg)), LEND_NOT_DDAS,
	       "managed='no' of a device with the host: not dda's");
	is_int(lend_check(NULL, devs, 0, &state, "lv1", false, false,
			  false, &err, msg, sizeof(msg)), LEND_NOT_DDAS,
	       "no such device: not dda's (libvirt says what it says)");
	is_int(lend_check(&devs[3], devs, n, &state, "lv1", false, false,
			  false, &err, msg, sizeof(msg)), LEND_REFUSE,
	       "a group not wholly quarantined: refused");
	is_int(err, -EBUSY, "EBUSY");
	is_str(msg, "the IOMMU group 5 of 0000:05:01.0 is not wholly quarantined: 0000:05:02.0 is with the host (no driver); dismount the group (ddactl dismount 0000:05:01.0 --group)",
	       "naming the member with the host");
	is_int(lend_check(&devs[3], devs, n, &state, "lv1", false, false,
			  true, &err, msg, sizeof(msg)), LEND_ALONG,
	       "another hostdev of its group handed over: it goes along");
	is_int(lend_check(&devs[5], devs, n, &state, "lv1", false, false,
			  false, &err, msg, sizeof(msg)), LEND_ALREADY,
	       "already lent to this domain (a start retried): nothing to do");
	is_int(lend_check(&devs[5], devs, n, &state, "lv2", false, false,
			  false, &err, msg, sizeof(msg)), LEND_REFUSE,
	       "lent to another domain: refused");
	is_str(msg, "0000:00:04.0 is already assigned to vm lv1", "naming it");
	is_int(lend_check(&devs[6], devs, n, &state, "lv1", false, false,
			  false, &err, msg, sizeof(msg)), LEND_REFUSE,
	       "assigned to a QMP guest: refused");
	is_int(err, -EALREADY, "EALREADY");
	is_int(lend_check(&devs[0], devs, 1, &state, "lv1", false, true,
			  false, &err, msg, sizeof(msg)), LEND_REFUSE,
	       "a job under way on it: refused");
	is_int(err, -EBUSY, "EBUSY");
	is_int(lend_check(&devs[7], devs, n, &state, "lv1", false, false,
			  false, &err, msg, sizeof(msg)), LEND_REFUSE,
	       "unhealthy: refused");
	is_str(msg, "0000:00:07.0 did not come back from its last reset (no_answer): reset it first (ddactl reset 0000:00:07.0)",
	       "saying what to do");
	is_int(lend_check(&devs[0], devs, 1, &state, "my domain", false, false,
			  false, &err, msg, sizeof(msg)), LEND_REFUSE,
	       "a domain name dda cannot record: refused");
	is_int(err, -EINVAL, "EINVAL");
	state_release(&state);
}

static const char *action_name(enum reconcile_action action)
{
	static const char *const names[] = {
		[RECONCILE_WAIT] = "wait", [RECONCILE_SYNC] = "sync",
		[RECONCILE_KEEP] = "keep", [RECONCILE_RECLAIM] = "reclaim",
		[RECONCILE_LEAVE] = "leave",
	};

	return action < ARRAY_SIZE(names) ? names[action] : "?";
}

static const char *const holder_names[] = {
	[HOLDER_UNKNOWN] = "no process recorded", [HOLDER_GONE] = "gone",
	[HOLDER_CONNECTED] = "connected", [HOLDER_ELSEWHERE] = "elsewhere",
	[HOLDER_STOPPED] = "none recorded, libvirt says it exited",
};
static const char *const view_names[] = {
	[GUEST_UNKNOWN] = "unknown", [GUEST_HAS] = "has it",
	[GUEST_LACKS] = "lacks it",
};

/*
 * Whether a guest let go, for every combination: only its QEMU process's
 * end, or that very process lacking it with vfio closed, is proof.
 */
static void test_let_go(void)
{
	static const struct {
		enum holder_view holder;
		enum guest_view view;
		int vfio_open;
		bool let_go;
	} rows[] = {
		{ HOLDER_GONE,      GUEST_UNKNOWN, 1,       true },
		{ HOLDER_GONE,      GUEST_HAS,     1,       true },
		{ HOLDER_GONE,      GUEST_LACKS,   0,       true },
		{ HOLDER_CONNECTED, GUEST_LACKS,   0,       true },
		/* the guest's word alone */
		{ HOLDER_CONNECTED, GUEST_LACKS,   1,       false },
		{ HOLDER_CONNECTED, GUEST_LACKS,   -EACCES, false },
		{ HOLDER_CONNECTED, GUEST_HAS,     0,       false },
		{ HOLDER_CONNECTED, GUEST_UNKNOWN, 0,       false },
		/* another process than the one holding it: another guest */
		{ HOLDER_ELSEWHERE, GUEST_LACKS,   0,       false },
		{ HOLDER_ELSEWHERE, GUEST_UNKNOWN, 0,       false },
		{ HOLDER_UNKNOWN,   GUEST_LACKS,   0,       false },
		{ HOLDER_UNKNOWN,   GUEST_UNKNOWN, 0,       false },
		/* lent through libvirt's hook: vfio's word that none holds it */
		{ HOLDER_STOPPED,   GUEST_LACKS,   0,       true },
		{ HOLDER_STOPPED,   GUEST_LACKS,   1,       false },
		{ HOLDER_STOPPED,   GUEST_LACKS,   -EACCES, false },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		is_int(guest_let_go(rows[i].holder, rows[i].view,
				    rows[i].vfio_open), rows[i].let_go,
		       "its process %s, the guest %s, vfio %d: %s",
		       holder_names[rows[i].holder], view_names[rows[i].view],
		       rows[i].vfio_open,
		       rows[i].let_go ? "it let go" : "no proof");
}

static void test_reconcile(void)
{
	static const struct {
		enum dda_state kernel;
		bool owned;
		enum holder_view holder;
		enum guest_view view;
		int vfio_open;
		enum reconcile_action want;
	} rows[] = {
		/* not assigned: the record follows dda.ko, whatever else */
		{ DDA_STATE_HOST, true, HOLDER_CONNECTED, GUEST_HAS, 1, RECONCILE_SYNC },
		{ DDA_STATE_QUARANTINED, true, HOLDER_GONE, GUEST_UNKNOWN, 1, RECONCILE_SYNC },
		{ DDA_STATE_QUARANTINED, false, HOLDER_UNKNOWN, GUEST_UNKNOWN, 1, RECONCILE_SYNC },
		/* assigned to no guest of ddad's: never adopted */
		{ DDA_STATE_ASSIGNED, false, HOLDER_UNKNOWN, GUEST_UNKNOWN, 1, RECONCILE_LEAVE },
		{ DDA_STATE_ASSIGNED, false, HOLDER_CONNECTED, GUEST_HAS, 1, RECONCILE_LEAVE },
		{ DDA_STATE_ASSIGNED, false, HOLDER_GONE, GUEST_LACKS, 0, RECONCILE_LEAVE },
		/* its process gone: proof */
		{ DDA_STATE_ASSIGNED, true, HOLDER_GONE, GUEST_UNKNOWN, 1, RECONCILE_RECLAIM },
		/* its process connected */
		{ DDA_STATE_ASSIGNED, true, HOLDER_CONNECTED, GUEST_HAS, 1, RECONCILE_KEEP },
		{ DDA_STATE_ASSIGNED, true, HOLDER_CONNECTED, GUEST_LACKS, 0, RECONCILE_RECLAIM },
		{ DDA_STATE_ASSIGNED, true, HOLDER_CONNECTED, GUEST_LACKS, 1, RECONCILE_WAIT },
		{ DDA_STATE_ASSIGNED, true, HOLDER_CONNECTED, GUEST_UNKNOWN, 0, RECONCILE_WAIT },
		/* alive, not connected, or not known: wait for proof */
		{ DDA_STATE_ASSIGNED, true, HOLDER_ELSEWHERE, GUEST_LACKS, 0, RECONCILE_WAIT },
		{ DDA_STATE_ASSIGNED, true, HOLDER_ELSEWHERE, GUEST_UNKNOWN, 1, RECONCILE_WAIT },
		{ DDA_STATE_ASSIGNED, true, HOLDER_UNKNOWN, GUEST_UNKNOWN, 1, RECONCILE_WAIT },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		is_str(action_name(reconcile_decide(rows[i].kernel,
						    rows[i].owned,
						    rows[i].holder,
						    rows[i].view,
						    rows[i].vfio_open)),
		       action_name(rows[i].want),
		       "dda.ko: %s, %s, its process %s, the guest %s, vfio %d: %s",
		       dda_state_name(rows[i].kernel),
		       rows[i].owned ? "a guest of ddad's" : "no guest",
		       holder_names[rows[i].holder], view_names[rows[i].view],
		       rows[i].vfio_open, action_name(rows[i].want));
}

int main(void)
{
	log_open(false);
	log_started();
	test_assign();
	test_unassign();
	test_lend();
	test_reclaim();
	test_let_go();
	test_reconcile();
	return unit_done();
}
