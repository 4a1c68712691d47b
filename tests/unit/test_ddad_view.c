// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad's view of dda.ko's devices, as a unit: a dump taken in, dda's
 * events applied to it (each change of state, health and reset; a device
 * that left the bus; one the view did not know, which is then described),
 * and the events read during a dump applied after it, in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util.h"
#include "view.h"

static struct dda_device device(const char *address, enum dda_state state,
				int group, const char *driver)
{
	struct dda_device dev = { .state = state, .iommu_group = group,
				  .vendor = 0x8086, .class_code = 0x020000 };

	snprintf(dev.address, sizeof(dev.address), "%s", address);
	snprintf(dev.driver, sizeof(dev.driver), "%s", driver);
	return dev;
}

static struct dda_event event(const char *address, enum dda_state old,
			      enum dda_state state, enum dda_reason reason)
{
	struct dda_event ev = { .old_state = old, .state = state,
				.reason = reason, .health = DDA_HEALTH_OK };

	snprintf(ev.address, sizeof(ev.address), "%s", address);
	return ev;
}

static bool apply(struct view *view, struct dda_event ev, bool *unknown)
{
	return !view_apply(view, &ev, unknown);
}

/* The view's addresses and states, "0000:00:02.0=q 0000:00:03.0=h". */
static const char *summary(const struct view *view)
{
	static char buf[512];
	size_t i, at = 0;

	buf[0] = '\0';
	for (i = 0; i < view->count && at < sizeof(buf); i++)
		at += snprintf(buf + at, sizeof(buf) - at, "%s%s=%c",
			       i ? " " : "", view->devs[i].address,
			       dda_state_name(view->devs[i].state)[0]);
	return buf;
}

static void test_dump(void)
{
	struct dda_device dump[] = {
		device("0000:00:03.0", DDA_STATE_HOST, 3, "e1000e"),
		device("0000:00:02.0", DDA_STATE_QUARANTINED, 2, "dda"),
		device("0000:01:00.0", DDA_STATE_HOST, 4, ""),
	};
	struct view view = { 0 };

	is_int(view_replace(&view, dump, ARRAY_SIZE(dump)), 0,
	       "a dump is taken in");
	is_str(summary(&view),
	       "0000:00:02.0=q 0000:00:03.0=h 0000:01:00.0=h",
	       "sorted by address");
	ok(view_find(&view, "0000:00:03.0") &&
	   view_find(&view, "0000:00:03.0")->iommu_group == 3,
	   "found by address, as dumped");
	ok(!view_find(&view, "0000:00:04.0"), "an address not dumped: none");
	is_int(view_replace(&view, NULL, 0), 0, "an empty dump");
	is_str(summary(&view), "", "empties the view");
	view_release(&view);
}

static void test_events(void)
{
	struct dda_device dump[] = {
		device("0000:00:02.0", DDA_STATE_HOST, 2, "edu"),
		device("0000:00:03.0", DDA_STATE_HOST, 3, "e1000e"),
	};
	struct view view = { 0 };
	const struct dda_device *d;
	struct dda_event ev;
	bool unknown = true;

	view_replace(&view, dump, ARRAY_SIZE(dump));
	ok(apply(&view, event("0000:00:02.0", DDA_STATE_HOST,
			      DDA_STATE_QUARANTINED, DDA_REASON_DISMOUNT),
		 &unknown) && !unknown, "dismount of a known device");
	d = view_find(&view, "0000:00:02.0");
	ok(d && d->state == DDA_STATE_QUARANTINED && !strcmp(d->driver, "dda") &&
	   !strcmp(d->original_driver, "edu") && d->iommu_group == 2,
	   "quarantined, driver dda, edu to go back to, its group kept");

	apply(&view, event("0000:00:02.0", DDA_STATE_QUARANTINED,
			   DDA_STATE_ASSIGNED, DDA_REASON_HANDOVER), &unknown);
	d = view_find(&view, "0000:00:02.0");
	ok(d && d->state == DDA_STATE_ASSIGNED && !strcmp(d->driver, "vfio-pci") &&
	   !strcmp(d->original_driver, "edu"),
	   "handover: assigned, vfio-pci, edu remembered");

	ev = event("0000:00:02.0", DDA_STATE_ASSIGNED, DDA_STATE_QUARANTINED,
		   DDA_REASON_RECLAIM);
	ev.reset = true;
	ev.reset_method = DDA_RESET_FLR;
	ev.reset_usec = 1234;
	ev.health = DDA_HEALTH_NO_ANSWER;
	apply(&view, ev, &unknown);
	d = view_find(&view, "0000:00:02.0");
	ok(d && d->state == DDA_STATE_QUARANTINED && d->health == DDA_HEALTH_NO_ANSWER &&
	   d->reset_method == DDA_RESET_FLR && d->reset_usec == 1234,
	   "reclaim with a failed reset: quarantined, unhealthy, its reset");

	ev = event("0000:00:02.0", DDA_STATE_QUARANTINED, DDA_STATE_QUARANTINED,
		   DDA_REASON_RESET);
	ev.reset = true;
	ev.reset_method = DDA_RESET_PM;
	apply(&view, ev, &unknown);
	d = view_find(&view, "0000:00:02.0");
	ok(d && d->health == DDA_HEALTH_OK && d->reset_method == DDA_RESET_PM,
	   "reset again: healthy");

	apply(&view, event("0000:00:02.0", DDA_STATE_QUARANTINED,
			   DDA_STATE_HOST, DDA_REASON_MOUNT), &unknown);
	d = view_find(&view, "0000:00:02.0");
	ok(d && d->state == DDA_STATE_HOST && !strcmp(d->driver, "edu") &&
	   !*d->original_driver, "mount: with the host, back to edu");

	apply(&view, event("0000:00:03.0", DDA_STATE_HOST,
			   DDA_STATE_QUARANTINED, DDA_REASON_SELECTED), &unknown);
	apply(&view, event("0000:00:03.0", DDA_STATE_QUARANTINED,
			   DDA_STATE_HOST, DDA_REASON_UNLOAD), &unknown);
	d = view_find(&view, "0000:00:03.0");
	ok(d && d->state == DDA_STATE_HOST && !strcmp(d->driver, "e1000e"),
	   "selected at load, given back at unload: e1000e again");

	apply(&view, event("0000:00:03.0", DDA_STATE_HOST,
			   DDA_STATE_QUARANTINED, DDA_REASON_DISMOUNT), &unknown);
	ok(apply(&view, event("0000:00:03.0", DDA_STATE_QUARANTINED,
			      DDA_STATE_HOST, DDA_REASON_REMOVED), &unknown) &&
	   !unknown, "a quarantined device left the bus");
	is_str(summary(&view), "0000:00:02.0=h", "it left the view");
	ok(apply(&view, event("0000:00:09.0", DDA_STATE_QUARANTINED,
			      DDA_STATE_HOST, DDA_REASON_REMOVED), &unknown) &&
	   !unknown, "one the view did not know left: nothing to do");
	ok(apply(&view, event("0000:00:09.0", DDA_STATE_QUARANTINED,
			      DDA_STATE_HOST, DDA_REASON_MOUNT), &unknown) &&
	   !unknown, "nor when it went to the host");
	is_str(summary(&view), "0000:00:02.0=h", "the view as it was");
	view_release(&view);
}

static void test_unknown(void)
{
	struct view view = { 0 };
	struct dda_device fresh;
	const struct dda_device *d;
	bool unknown = false;
	char address[DDA_ADDRESS_LEN + 1];
	int i;

	ok(apply(&view, event("0000:01:00.2", DDA_STATE_HOST,
			      DDA_STATE_QUARANTINED, DDA_REASON_SELECTED),
		 &unknown) && unknown,
	   "a VF made straight into quarantine: not known, to be described");
	d = view_find(&view, "0000:01:00.2");
	ok(d && d->state == DDA_STATE_QUARANTINED && d->iommu_group == -1 &&
	   !*d->physfn, "in the view at once: its state, no group yet");

	fresh = device("0000:01:00.2", DDA_STATE_ASSIGNED, 12, "vfio-pci");
	snprintf(fresh.physfn, sizeof(fresh.physfn), "0000:01:00.0");
	view_describe(&view, &fresh);
	d = view_find(&view, "0000:01:00.2");
	ok(d && d->iommu_group == 12 && !strcmp(d->physfn, "0000:01:00.0") &&
	   d->vendor == 0x8086 && d->class_code == 0x020000,
	   "described: its group, PF, ids and class");
	ok(d && d->state == DDA_STATE_QUARANTINED && !strcmp(d->driver, "dda"),
	   "its state stays the events' (the description may be older)");

	fresh = device("0000:01:00.3", DDA_STATE_QUARANTINED, 13, "dda");
	view_describe(&view, &fresh);
	ok(!view_find(&view, "0000:01:00.3"),
	   "a description of a device not in the view adds nothing");

	/* Many, out of order: kept sorted. */
	for (i = 31; i >= 0; i--) {
		snprintf(address, sizeof(address), "0000:02:%02x.0", i);
		apply(&view, event(address, DDA_STATE_HOST,
				   DDA_STATE_QUARANTINED, DDA_REASON_DISMOUNT),
		      &unknown);
	}
	is_int(view.count, 33, "33 devices");
	for (i = 1; i < (int)view.count; i++)
		if (strcmp(view.devs[i - 1].address, view.devs[i].address) >= 0)
			break;
	is_int(i, 33, "in order of address");
	view_release(&view);
}

/*
 * Events read during a dump are applied after it, in order, whether they
 * came before the dump's snapshot or after: each device ends as its last
 * event says.
 */
static void test_replay(void)
{
	/* The snapshot: edu assigned already, the NIC still with the host. */
	struct dda_device dump[] = {
		device("0000:00:02.0", DDA_STATE_ASSIGNED, 2, "vfio-pci"),
		device("0000:00:03.0", DDA_STATE_HOST, 3, "e1000e"),
	};
	struct dda_event queued[] = {
		/* before the snapshot */
		event("0000:00:02.0", DDA_STATE_HOST, DDA_STATE_QUARANTINED,
		      DDA_REASON_DISMOUNT),
		event("0000:00:02.0", DDA_STATE_QUARANTINED, DDA_STATE_ASSIGNED,
		      DDA_REASON_HANDOVER),
		/* after it */
		event("0000:00:03.0", DDA_STATE_HOST, DDA_STATE_QUARANTINED,
		      DDA_REASON_DISMOUNT),
		event("0000:00:02.0", DDA_STATE_ASSIGNED, DDA_STATE_QUARANTINED,
		      DDA_REASON_RECLAIM),
	};
	struct view view = { 0 };
	bool unknown;
	size_t i;

	view_replace(&view, dump, ARRAY_SIZE(dump));
	for (i = 0; i < ARRAY_SIZE(queued); i++)
		view_apply(&view, &queued[i], &unknown);
	is_str(summary(&view), "0000:00:02.0=q 0000:00:03.0=q",
	       "after the replay: each as its last event says");
	view_release(&view);
}

int main(void)
{
	test_dump();
	test_events();
	test_unknown();
	test_replay();
	return unit_done();
}
