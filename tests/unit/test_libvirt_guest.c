// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad's libvirt guests (daemon/ddad/libvirt.c) against libvirt's own test
 * driver (test:///default, in this process: no libvirtd), and against a
 * libvirtd that is not there, and one that never answers.
 *
 * The test driver has domains, their XML, lifecycle events and the event
 * loop, but no device hot-plug (virDomainAttachDeviceFlags and
 * virDomainDetachDeviceAlias are "not supported"): attach and detach are
 * driven through a real libvirtd in the sandbox VM (scenario 90-libvirt,
 * and the scenarios of ddad's libvirt guests).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>

#include "libvirt.h"
#include "unit.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The next event of type (and, for LIBVIRT_DONE, id) within ms; the others
 * read meanwhile are dropped. 1, or 0 when none came.
 */
static bool seen_disconnected;

static int wait_event(struct libvirt *lv, enum libvirt_event_type type,
		      uint64_t id, int ms, struct libvirt_event *ev)
{
	long long deadline = now_ms() + ms;
	struct pollfd p = { .fd = libvirt_fd(lv), .events = POLLIN };

	for (;;) {
		while (libvirt_next(lv, ev)) {
			if (ev->type == LIBVIRT_DISCONNECTED && type == LIBVIRT_CONNECTED)
				seen_disconnected = true;
			if (ev->type == type && (type != LIBVIRT_DONE || ev->id == id))
				return 1;
			libvirt_event_release(ev);
		}
		if (now_ms() >= deadline)
			return 0;
		poll(&p, 1, (int)(deadline - now_ms()));
	}
}

#define DOMAIN_XML \
	"<domain type='test'><name>lv1</name><memory>131072</memory>" \
	"<os><type>hvm</type></os><devices>" \
	"<hostdev mode='subsystem' type='pci' managed='no'><source>" \
	"<address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>" \
	"<alias name='ua-dda-0000-01-00-0'/></hostdev>" \
	"<hostdev mode='subsystem' type='pci' managed='yes'><source>" \
	"<address domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></source></hostdev>" \
	"</devices></domain>"

static void test_driver(void)
{
	struct libvirt_event ev;
	virConnectPtr own;
	virDomainPtr dom;
	struct libvirt *lv;
	uint64_t id;
	size_t i;
	bool seen;

	lv = libvirt_open("test:///default", 100);
	ok(lv != NULL, "open test:///default");
	if (!lv)
		return;
	ok(!libvirt_connected(lv), "not connected before its event");
	ok(wait_event(lv, LIBVIRT_CONNECTED, 0, 5000, &ev), "LIBVIRT_CONNECTED");
	is_str(ev.message, "test:///default", "naming the URI");
	libvirt_event_release(&ev);
	ok(libvirt_connected(lv), "connected");

	id = libvirt_domains(lv);
	ok(id != 0 && wait_event(lv, LIBVIRT_DONE, id, 5000, &ev), "domains: answered");
	seen = false;
	for (i = 0; i < ev.n_names; i++)
		seen |= !strcmp(ev.names[i], "test");
	ok(ev.err == 0 && seen, "the test driver's domain 'test' is listed");
	libvirt_event_release(&ev);

	/* The test driver's state is the process's: a second connection
	 * defines and runs a domain with two hostdevs. */
	own = virConnectOpen("test:///default");
	dom = own ? virDomainDefineXML(own, DOMAIN_XML) : NULL;
	ok(dom && virDomainCreate(dom) == 0, "another connection defines and starts lv1");
	ok(wait_event(lv, LIBVIRT_STARTED, 0, 5000, &ev), "LIBVIRT_STARTED");
	is_str(ev.domain, "lv1", "of lv1");
	libvirt_event_release(&ev);

	id = libvirt_query(lv, "lv1");
	ok(wait_event(lv, LIBVIRT_DONE, id, 5000, &ev), "query lv1: answered");
	is_int(ev.err, 0, "without error (%s)", ev.message ? ev.message : "");
	ok(ev.running, "lv1 runs");
	is_int(ev.pid, 0, "no pid: only qemu:///system has libvirtd's pid files");
	is_int((long long)ev.n_hostdevs, 2, "two PCI hostdevs in its live XML");
	if (ev.n_hostdevs == 2) {
		is_str(ev.hostdevs[0].address, "0000:01:00.0", "0000:01:00.0");
		is_str(ev.hostdevs[0].alias, "ua-dda-0000-01-00-0", "with dda's alias");
		ok(!ev.hostdevs[0].managed, "managed='no'");
		is_str(ev.hostdevs[1].address, "0000:00:02.0", "0000:00:02.0");
		ok(ev.hostdevs[1].managed, "managed='yes'");
	}
	libvirt_event_release(&ev);

	id = libvirt_query(lv, "nosuch");
	ok(wait_event(lv, LIBVIRT_DONE, id, 5000, &ev), "query of a domain that is not: answered");
	is_int(ev.err, ENOENT, "ENOENT");
	is_str(ev.message, "libvirt has no domain 'nosuch'", "saying so");
	libvirt_event_release(&ev);

	/* The test driver has no hot-plug: errors come back, named. */
	id = libvirt_attach(lv, "lv1", "0000:02:00.0", 0);
	ok(wait_event(lv, LIBVIRT_DONE, id, 5000, &ev), "attach: answered");
	ok(ev.err == EIO && ev.message &&
	   strstr(ev.message, "cannot attach 0000:02:00.0 to domain 'lv1'") &&
	   strstr(ev.message, "not supported"), "EIO, with libvirt's reason: %s",
	   ev.message ? ev.message : "");
	libvirt_event_release(&ev);
	id = libvirt_attach(lv, "lv1", "0000:01:00.0", 0);
	ok(wait_event(lv, LIBVIRT_DONE, id, 5000, &ev), "attach of a device lv1 has: answered");
	is_int(ev.err, EEXIST, "EEXIST, before asking libvirt");
	libvirt_event_release(&ev);
	id = libvirt_detach(lv, "lv1", "0000:01:00.0", 0);
	ok(wait_event(lv, LIBVIRT_DONE, id, 5000, &ev), "detach: answered");
	ok(ev.err == EIO && ev.message && strstr(ev.message, "ua-dda-0000-01-00-0 cannot be detached"),
	   "EIO, naming the alias: %s", ev.message ? ev.message : "");
	libvirt_event_release(&ev);
	id = libvirt_detach(lv, "nosuch", "0000:01:00.0", 0);
	ok(wait_event(lv, LIBVIRT_DONE, id, 5000, &ev) && ev.err == ENOENT,
	   "detach from a domain that is not: ENOENT");
	libvirt_event_release(&ev);

	errno = 0;
	ok(libvirt_attach(lv, "lv1", "0000:01:00.8", 0) == 0 && errno == EINVAL,
	   "attach of a bad address: 0, EINVAL");
	errno = 0;
	ok(libvirt_detach(lv, NULL, "0000:01:00.0", 0) == 0 && errno == EINVAL,
	   "detach without a domain: 0, EINVAL");

	ok(dom && virDomainDestroy(dom) == 0, "the other connection destroys lv1");
	ok(wait_event(lv, LIBVIRT_STOPPED, 0, 5000, &ev), "LIBVIRT_STOPPED");
	ok(ev.domain && !strcmp(ev.domain, "lv1") && ev.reason == LIBVIRT_STOP_DESTROYED,
	   "lv1, destroyed");
	libvirt_event_release(&ev);
	/* No stray answer of the failed detach. */
	ok(!libvirt_next(lv, &ev), "nothing else to read");

	id = libvirt_query(lv, "lv1");
	ok(wait_event(lv, LIBVIRT_DONE, id, 5000, &ev) && ev.err == 0 && !ev.running &&
	   ev.n_hostdevs == 2, "query lv1: stopped, its hostdevs still in its XML");
	libvirt_event_release(&ev);

	if (dom) {
		virDomainUndefine(dom);
		virDomainFree(dom);
	}
	if (own)
		virConnectClose(own);
	ok(libvirt_close(lv), "close: the worker let go");
}

static void test_no_libvirtd(void)
{
	struct libvirt_event ev;
	struct libvirt *lv;
	long long t;
	uint64_t id;

	lv = libvirt_open("qemu+unix:///system?socket=/nonexistent/libvirt-sock", 50);
	ok(lv != NULL, "open a URI where no libvirtd listens");
	if (!lv)
		return;
	ok(wait_event(lv, LIBVIRT_DISCONNECTED, 0, 5000, &ev), "LIBVIRT_DISCONNECTED");
	ok(ev.message && strstr(ev.message, "cannot connect to qemu+unix:///system") &&
	   strstr(ev.message, "retrying"), "saying why, and that it retries: %s",
	   ev.message ? ev.message : "");
	libvirt_event_release(&ev);
	t = now_ms();
	id = libvirt_query(lv, "lv1");
	ok(wait_event(lv, LIBVIRT_DONE, id, 1000, &ev) && ev.err == ENOTCONN,
	   "a request meanwhile: ENOTCONN");
	ok(now_ms() - t < 500, "at once");
	is_str(ev.message, "libvirtd is not reachable at qemu+unix:///system?socket=/nonexistent/libvirt-sock",
	       "saying so");
	libvirt_event_release(&ev);
	/* Retried every 50 ms, told once. */
	ok(!wait_event(lv, LIBVIRT_DISCONNECTED, 0, 400, &ev), "a failed retry is not told again");
	ok(libvirt_close(lv), "close: the worker let go");
}

static void test_hung_libvirtd(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct libvirt_event ev;
	struct libvirt *lv;
	char uri[256];
	long long t;
	int fd;

	/* A socket that takes connections and never says a word. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/dda-test-hung-%d.sock", (int)getpid());
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 8) == 0,
	   "a libvirtd that never answers");
	snprintf(uri, sizeof(uri), "qemu+unix:///system?socket=%s", sa.sun_path);
	t = now_ms();
	lv = libvirt_open(uri, 50);
	ok(lv != NULL && now_ms() - t < 500, "open returns at once");
	if (!lv)
		return;
	/* Nothing at all: the worker waits in virConnectOpen(). */
	ok(!wait_event(lv, LIBVIRT_CONNECTED, 0, 500, &ev), "no LIBVIRT_CONNECTED");
	ok(!seen_disconnected, "nor LIBVIRT_DISCONNECTED: still connecting");
	t = now_ms();
	ok(libvirt_query(lv, "lv1") != 0 && now_ms() - t < 100, "a request is taken at once");
	ok(!wait_event(lv, LIBVIRT_DONE, 0, 300, &ev), "and waits, unanswered");
	ok(!libvirt_next(lv, &ev), "libvirt_next does not block");
	t = now_ms();
	ok(!libvirt_close(lv), "close gives up on the stuck worker, saying so");
	t = now_ms() - t;
	ok(t >= LIBVIRT_CLOSE_WAIT_S * 1000 - 100 &&
	   t < LIBVIRT_CLOSE_WAIT_S * 1000 + 1000,
	   "after LIBVIRT_CLOSE_WAIT_S (%lld ms)", t);
	close(fd);
	unlink(sa.sun_path);
}

int main(void)
{
	test_driver();
	test_no_libvirtd();
	test_hung_libvirtd();
	return unit_done();
}
