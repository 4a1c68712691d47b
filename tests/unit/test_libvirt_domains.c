// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad's libvirt guests (guest_libvirt.c) in ddad's core, against
 * libvirt's test driver (test:///default, in this process): its domain
 * "test" is a guest by its name, of kind libvirt, with no vm_add; a vm_add
 * of that name is refused; an assign to it is refused while its QEMU
 * process is not known (the test driver has none); destroyed through
 * another connection, it is seen stopped, and started again, running; a
 * domain defined, then undefined, is listed, then gone, at libvirt's word.
 * A libvirtd that is not there: a name that is no guest says so.
 * Hot-plug needs a real libvirtd: scenario 91-libvirt-assign.
 *
 * dda.ko is not there: nothing here asks it for a device.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libvirt/libvirt.h>

#include "ddad.h"
#include "ddad_ask.h"
#include "guest.h"
#include "guest_libvirt.h"
#include "job.h"
#include "kernel.h"
#include "log.h"
#include "reconcile.h"
#include "state.h"
#include "timer.h"
#include "unit.h"

static struct ddad ddad;
static const struct peer root = { .pid = 1, .uid = 0, .gid = 0 };

/* One turn of ddad's loop: libvirt's events, the timers. */
static void turn(int ms)
{
	struct pollfd pfd = { .fd = libvirt_guests_fd(&ddad), .events = POLLIN };

	if (poll(&pfd, 1, ms) > 0)
		libvirt_guests_service(&ddad);
	timers_run(&ddad);
	jobs_reap(&ddad);
}

static char *ask(const char *request)
{
	uint64_t end = now_ms() + 5000;
	struct answer a;

	answer_start(&ddad, &root, &a, request);
	while (!a.done && now_ms() < end)
		turn(10);
	return a.done ? a.text : strdup("no answer");
}

/* Turns until vm list says what want begins with, or 5 s. */
static bool list_says(const char *want)
{
	uint64_t end = now_ms() + 5000;
	char *got;
	bool same;

	do {
		turn(20);
		got = ask("{\"id\":1,\"op\":\"vm_list\"}");
		same = !strncmp(got, want, strlen(want));
		if (!same && now_ms() >= end)
			printf("#   got %s\n", got);
		free(got);
	} while (!same && now_ms() < end);
	return same;
}

/* Turns until vm list has what (or, has false, lacks it), or ms. */
static bool list_gets(int ms, const char *what, bool has)
{
	uint64_t end = now_ms() + ms;
	bool found;
	char *got;

	do {
		turn(20);
		got = ask("{\"id\":1,\"op\":\"vm_list\"}");
		found = strstr(got, what) != NULL;
		if (found != has && now_ms() >= end)
			printf("#   got %s\n", got);
		free(got);
	} while (found != has && now_ms() < end);
	return found == has;
}

static const char fresh_xml[] =
	"<domain type='test'><name>fresh</name><memory>8192</memory>"
	"<os><type>hvm</type></os></domain>";

static void ddad_start(const char *dir, const char *uri)
{
	memset(&ddad, 0, sizeof(ddad));
	ddad.config.state_dir = dir;
	if (state_load(&ddad.state, dir) || kernel_init(&ddad) ||
	    libvirt_guests_start(&ddad, uri))
		ok(0, "ddad cannot start");
}

static void ddad_stop(void)
{
	jobs_release(&ddad);
	libvirt_guests_stop(&ddad);
	while (ddad.guest_count)
		guest_destroy(ddad.guests[0]);
	free(ddad.guests);
	holders_release(&ddad);
	kernel_release(&ddad);
	state_release(&ddad.state);
}

static void unlink_state(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	unlink(path);
	if (rmdir(dir))
		ok(0, "ddad left something in %s: %s", dir, strerror(errno));
}

int main(void)
{
	char dir[128];
	virConnectPtr conn;
	virDomainPtr dom;

	log_open(getenv("DDAD_TEST_LOG") != NULL);
	log_started();
	snprintf(dir, sizeof(dir), "%s/ddad-lv-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return ok(0, "mkdtemp: %s", strerror(errno)), unit_done();

	ddad_start(dir, "test:///default");
	ok(list_says("{\"id\":1,\"ok\":true,\"result\":[{\"vm\":\"test\",\"kind\":\"libvirt\",\"running\":true,\"connected\":false,\"devices\":[]}]}"),
	   "vm_list: the test driver's domain, kind libvirt, running, not connected (no QEMU pid)");
	is_answer("{\"id\":2,\"op\":\"vm_add\",\"vm\":\"test\",\"qmp\":\"/tmp/x.qmp\"}",
		  "{\"id\":2,\"ok\":false,\"error\":{\"code\":\"EEXIST\",\"message\":\"vm test exists: it is a libvirt domain, a guest of ddad's without vm add\"}}",
		  "vm_add of the domain's name: EEXIST, naming it");
	is_answer("{\"id\":3,\"op\":\"vm_remove\",\"vm\":\"test\"}",
		  "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"vm test is a libvirt domain, not added with vm add: there is nothing to remove\"}}",
		  "vm_remove of a domain: EINVAL");
	is_answer("{\"id\":4,\"op\":\"assign\",\"address\":\"0000:01:00.0\",\"vm\":\"test\"}",
		  "{\"id\":4,\"ok\":false,\"error\":{\"code\":\"ENOTCONN\",\"message\":\"vm test is not connected: its QEMU process is not known\"}}",
		  "assign to it without its QEMU's pid: ENOTCONN, saying why");
	is_answer("{\"id\":5,\"op\":\"assign\",\"address\":\"0000:01:00.0\",\"vm\":\"nope\"}",
		  "{\"id\":5,\"ok\":false,\"error\":{\"code\":\"ENOENT\",\"message\":\"no vm named nope (ddactl vm add nope --qmp PATH); no libvirt domain of that name\"}}",
		  "assign to a name that is nothing: ENOENT");
	is_answer("{\"id\":6,\"op\":\"assign\",\"address\":\"0000:01:00.0\",\"vm\":\"test\",\"persistent\":1}",
		  "{\"id\":6,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"\\\"persistent\\\" must be true or false, not a number\"}}",
		  "persistent must be a boolean");

	/* Its lifecycle, from another connection to the same test driver. */
	conn = virConnectOpen("test:///default");
	dom = conn ? virDomainLookupByName(conn, "test") : NULL;
	ok(dom && !virDomainDestroy(dom), "destroy the domain");
	ok(list_says("{\"id\":1,\"ok\":true,\"result\":[{\"vm\":\"test\",\"kind\":\"libvirt\",\"running\":false,"),
	   "vm_list: it is not running");
	is_answer("{\"id\":7,\"op\":\"assign\",\"address\":\"0000:01:00.0\",\"vm\":\"test\"}",
		  "{\"id\":7,\"ok\":false,\"error\":{\"code\":\"ENOTCONN\",\"message\":\"vm test is not connected: the libvirt domain is not running\"}}",
		  "assign to it: ENOTCONN, not running");
	ok(dom && !virDomainCreate(dom), "start it again");
	ok(list_says("{\"id\":1,\"ok\":true,\"result\":[{\"vm\":\"test\",\"kind\":\"libvirt\",\"running\":true,"),
	   "vm_list: running again");
	if (dom)
		virDomainFree(dom);

	/*
	 * Defined and undefined: listed, and gone, on libvirt's word, well
	 * before the next LIBVIRT_REFRESH_MS (5 s) list.
	 */
	dom = conn ? virDomainDefineXML(conn, fresh_xml) : NULL;
	ok(dom != NULL, "define a domain \"fresh\"");
	ok(list_gets(1500, "{\"vm\":\"fresh\",\"kind\":\"libvirt\",\"running\":false,", true),
	   "vm_list: fresh is there within 1.5 s, not running");
	ok(dom && !virDomainUndefine(dom), "undefine it");
	ok(list_gets(1500, "{\"vm\":\"fresh\"", false),
	   "vm_list: fresh is gone within 1.5 s");
	if (dom)
		virDomainFree(dom);
	if (conn)
		virConnectClose(conn);
	ddad_stop();

	/* No libvirtd there: nothing listed, and a name says why. */
	ddad_start(dir, "qemu+unix:///system?socket=/nonexistent/libvirt-sock");
	turn(300);
	is_answer("{\"id\":8,\"op\":\"vm_list\"}",
		  "{\"id\":8,\"ok\":true,\"result\":[]}",
		  "libvirtd absent: vm_list is empty");
	is_answer("{\"id\":9,\"op\":\"assign\",\"address\":\"0000:01:00.0\",\"vm\":\"test\"}",
		  "{\"id\":9,\"ok\":false,\"error\":{\"code\":\"ENOENT\",\"message\":\"no vm named test (ddactl vm add test --qmp PATH); libvirt is not connected (...",
		  "assign to a name: ENOENT, libvirt is not connected");
	ddad_stop();

	/* What ddad left there: its state (if any) and the directory. */
	unlink_state(dir);
	log_close();
	return unit_done();
}
