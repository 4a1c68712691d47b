// SPDX-License-Identifier: GPL-2.0-only
/*
 * Events, as dda.ko multicasts them, built in memory with libnl: read by
 * dda_event_parse(), taken one by one out of a datagram of several
 * messages by dda_event_take(), and read by dda_event_read() from a handle
 * whose socket is a real netlink socket that no kernel module talks to.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/genl/genl.h>

#include "internal.h"
#include "unit.h"

#define BIT(n)		(1u << (n))
#define FAMILY		0x1d	/* any id, but that of the handle */

static const int required[] = {
	DDA_A_DEV_ADDRESS, DDA_A_EVENT_OLD_STATE, DDA_A_DEV_STATE,
	DDA_A_EVENT_REASON,
};

static void put(int ret, const char *what)
{
	if (ret < 0)
		ok(0, "building the message: %s: %s", what, nl_geterror(ret));
}

static struct nl_msg *msg_new(int type, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, 0, 0, type, 0, 0, cmd,
				 DDA_GENL_VERSION)) {
		ok(0, "allocating a message");
		exit(1);
	}
	return msg;
}

/*
 * The event of address going from quarantined to assigned, but the
 * attributes whose bit is in omit.
 */
static struct nl_msg *event_of(const char *address, unsigned int omit)
{
	struct nl_msg *msg = msg_new(FAMILY, DDA_CMD_DEV_EVENT);

#define PUT(type, call) do {					\
	if (!(omit & BIT(type)))					\
		put(call, #type);					\
} while (0)
	PUT(DDA_A_DEV_ADDRESS,
	    nla_put_string(msg, DDA_A_DEV_ADDRESS, address));
	PUT(DDA_A_EVENT_OLD_STATE,
	    nla_put_u32(msg, DDA_A_EVENT_OLD_STATE, DDA_STATE_QUARANTINED));
	PUT(DDA_A_DEV_STATE,
	    nla_put_u32(msg, DDA_A_DEV_STATE, DDA_STATE_ASSIGNED));
	PUT(DDA_A_EVENT_REASON,
	    nla_put_u32(msg, DDA_A_EVENT_REASON, DDA_REASON_HANDOVER));
#undef PUT
	return msg;
}

static struct nl_msg *event_msg(unsigned int omit)
{
	return event_of("0000:3a:00.1", omit);
}

/* Parses msg into *event, and frees it. */
static int parse(struct nl_msg *msg, struct dda_event *event)
{
	int err = dda_event_parse(nlmsg_hdr(msg), event);

	nlmsg_free(msg);
	return err;
}

/* A message that breaks the contract: -EBADMSG, and *event left alone. */
static void refused(struct nl_msg *msg, const char *why)
{
	struct dda_event event, before;

	memset(&event, 0xa5, sizeof(event));
	before = event;
	is_int(parse(msg, &event), -EBADMSG, "refused: %s", why);
	ok(!memcmp(&event, &before, sizeof(event)), "refused: %s: untouched",
	   why);
}

static void test_parse(void)
{
	struct dda_event event;
	struct nl_msg *msg;
	char why[64];
	size_t i;

	memset(&event, 0xa5, sizeof(event));
	if (is_int(parse(event_msg(0), &event), 0, "event parsed")) {
		is_str(event.address, "0000:3a:00.1", "address");
		is_int(event.old_state, DDA_STATE_QUARANTINED, "old_state");
		is_int(event.state, DDA_STATE_ASSIGNED, "state");
		is_int(event.reason, DDA_REASON_HANDOVER, "reason");
		ok(!event.reset, "no reset attributes: no reset");
		ok(event.window_usec == 0, "no WINDOW_USEC: window_usec 0");
	}

	/* A change that ended a window between owners says how long it was. */
	msg = event_msg(0);
	nla_put(msg, DDA_A_PAD, 0, NULL);
	nla_put_u64(msg, DDA_A_DEV_WINDOW_USEC, 4294967296ULL + 1834);
	memset(&event, 0xa5, sizeof(event));
	if (is_int(parse(msg, &event), 0, "event with a window: parsed"))
		ok(event.window_usec == 4294967296ULL + 1834,
		   "window_usec, past 32 bits");
	msg = event_msg(0);
	nla_put_u32(msg, DDA_A_DEV_WINDOW_USEC, 1834);
	refused(msg, "WINDOW_USEC as u32");

	/* A change that reset the device says how, and how long it took. */
	msg = event_msg(0);
	nla_put_u32(msg, DDA_A_DEV_RESET_METHOD, DDA_RESET_FLR);
	nla_put_u32(msg, DDA_A_DEV_RESET_USEC, 104233);
	memset(&event, 0xa5, sizeof(event));
	if (is_int(parse(msg, &event), 0, "event with a reset: parsed")) {
		ok(event.reset, "with a reset: reset");
		is_int(event.reset_method, DDA_RESET_FLR, "reset_method");
		is_int(event.reset_usec, 104233, "reset_usec");
	}
	msg = event_msg(0);
	nla_put_u32(msg, DDA_A_DEV_RESET_METHOD, DDA_RESET_PM);
	refused(msg, "RESET_METHOD without RESET_USEC");
	msg = event_msg(0);
	nla_put_u32(msg, DDA_A_DEV_RESET_USEC, 1);
	refused(msg, "RESET_USEC without RESET_METHOD");
	msg = event_msg(0);
	nla_put_u32(msg, DDA_A_DEV_RESET_METHOD, DDA_RESET_PM);
	nla_put_u16(msg, DDA_A_DEV_RESET_USEC, 1);
	refused(msg, "RESET_USEC as u16");

	for (i = 0; i < ARRAY_SIZE(required); i++) {
		snprintf(why, sizeof(why), "attribute %d missing",
			 required[i]);
		refused(event_msg(BIT(required[i])), why);
	}
	refused(event_msg(~0u), "no attribute at all");
	refused(nlmsg_alloc_simple(FAMILY, 0), "no generic netlink header");

	msg = event_msg(BIT(DDA_A_EVENT_OLD_STATE));
	nla_put_u16(msg, DDA_A_EVENT_OLD_STATE, DDA_STATE_HOST);
	refused(msg, "OLD_STATE as u16");

	msg = event_msg(BIT(DDA_A_DEV_STATE));
	nla_put_u64(msg, DDA_A_DEV_STATE, DDA_STATE_HOST);
	refused(msg, "STATE as u64");

	msg = event_msg(BIT(DDA_A_EVENT_REASON));
	nla_put_flag(msg, DDA_A_EVENT_REASON);
	refused(msg, "REASON empty");

	refused(event_of("3a:00.1", 0), "ADDRESS in the short form");
	refused(event_of("", 0), "ADDRESS empty");

	msg = event_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put(msg, DDA_A_DEV_ADDRESS, DDA_ADDRESS_LEN, "0000:3a:00.1");
	refused(msg, "ADDRESS without its NUL");

	if (is_int(parse(event_of("0000:3A:0B.1", 0), &event), 0,
		   "ADDRESS in upper case: parsed"))
		is_str(event.address, "0000:3a:0b.1",
		       "ADDRESS in upper case: canonical");

	/* A newer dda.ko may add attributes, states and reasons. */
	msg = event_msg(BIT(DDA_A_EVENT_REASON) | BIT(DDA_A_DEV_STATE));
	nla_put_u32(msg, DDA_A_DEV_STATE, 3);
	nla_put_u32(msg, DDA_A_EVENT_REASON, 99);
	nla_put_u32(msg, DDA_A_MAX + 1, 1);
	nla_put_string(msg, DDA_A_DEV_DRIVER, "vfio-pci");
	if (is_int(parse(msg, &event), 0, "newer dda.ko: parsed")) {
		is_int(event.state, 3, "state 3 kept");
		is_int(event.reason, 99, "reason 99 kept");
		is_str(dda_reason_name(event.reason), "unknown",
		       "reason 99 is unknown");
	}
}

/* A datagram: netlink messages one after the other, as a read returns. */
struct datagram {
	unsigned char buf[4096];
	size_t len;
};

/* Appends msg to d, and frees it. */
static void datagram_add(struct datagram *d, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);

	if (d->len + len <= sizeof(d->buf)) {
		memcpy(d->buf + d->len, nlh, nlh->nlmsg_len);
		memset(d->buf + d->len + nlh->nlmsg_len, 0,
		       len - nlh->nlmsg_len);
		d->len += len;
	} else {
		ok(0, "the datagram holds every message");
	}
	nlmsg_free(msg);
}

/* An event of device 0000:<bus>:00.0. */
static struct nl_msg *event_at(unsigned int bus)
{
	char address[DDA_ADDRESS_LEN + 1];

	snprintf(address, sizeof(address), "0000:%02x:00.0", bus & 0xff);
	return event_of(address, 0);
}

/* The next event taken is of device 0000:<bus>:00.0. */
static void takes(const struct datagram *d, size_t *at, unsigned int bus,
		  const char *what)
{
	char want[DDA_ADDRESS_LEN + 1];
	struct dda_event event;

	snprintf(want, sizeof(want), "0000:%02x:00.0", bus & 0xff);
	if (is_int(dda_event_take(d->buf, d->len, at, FAMILY, &event), 0,
		   "%s: an event", what))
		is_str(event.address, want, "%s: of %s", what, want);
}

static void test_take(void)
{
	struct datagram *d = calloc(1, sizeof(*d));
	struct dda_event event;
	struct nl_msg *msg;
	size_t at = 0;

	if (!d)
		return;
	is_int(dda_event_take(NULL, 0, &at, FAMILY, &event), -EAGAIN,
	       "nothing read: no event");

	datagram_add(d, event_at(1));
	datagram_add(d, msg_new(FAMILY + 1, DDA_CMD_DEV_EVENT));
	datagram_add(d, msg_new(FAMILY, DDA_CMD_DEV_GET));
	datagram_add(d, nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI));
	datagram_add(d, event_at(2));
	datagram_add(d, event_msg(BIT(DDA_A_EVENT_REASON)));
	datagram_add(d, event_at(3));

	takes(d, &at, 1, "first");
	takes(d, &at, 2, "another family, another command skipped");
	is_int(dda_event_take(d->buf, d->len, &at, FAMILY, &event), -EBADMSG,
	       "an event without REASON: -EBADMSG");
	takes(d, &at, 3, "after a malformed event, the next");
	is_int(dda_event_take(d->buf, d->len, &at, FAMILY, &event), -EAGAIN,
	       "all taken: -EAGAIN");
	is_int(at, d->len, "all taken: at the end");
	is_int(dda_event_take(d->buf, d->len, &at, FAMILY, &event), -EAGAIN,
	       "all taken: -EAGAIN again");

	/* A datagram that ends half way through a message. */
	memset(d, 0, sizeof(*d));
	datagram_add(d, event_at(4));
	datagram_add(d, event_at(5));
	d->len -= 8;
	at = 0;
	takes(d, &at, 4, "cut short: the whole event");
	is_int(dda_event_take(d->buf, d->len, &at, FAMILY, &event), -EBADMSG,
	       "cut short: the rest is -EBADMSG");
	is_int(at, d->len, "cut short: the rest dropped");
	is_int(dda_event_take(d->buf, d->len, &at, FAMILY, &event), -EAGAIN,
	       "cut short: then -EAGAIN");

	/* A message of the family too short for its generic header. */
	memset(d, 0, sizeof(*d));
	datagram_add(d, nlmsg_alloc_simple(FAMILY, 0));
	datagram_add(d, event_at(6));
	at = 0;
	is_int(dda_event_take(d->buf, d->len, &at, FAMILY, &event), -EBADMSG,
	       "no generic header: -EBADMSG");
	takes(d, &at, 6, "no generic header: then the next");

	/* A datagram too short for a netlink header. */
	at = 0;
	is_int(dda_event_take(d->buf, 8, &at, FAMILY, &event), -EBADMSG,
	       "8 bytes: -EBADMSG");
	is_int(at, 8, "8 bytes: dropped");

	msg = event_at(7);
	at = 0;
	memcpy(d->buf, nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	d->len = nlmsg_hdr(msg)->nlmsg_len;
	nlmsg_free(msg);
	takes(d, &at, 7, "a datagram of one event");
	free(d);
}

/* A handle as dda_events_open() makes it, on a socket dda.ko never sees. */
static struct dda *handle_new(void)
{
	struct dda *dda = calloc(1, sizeof(*dda));

	if (!dda)
		return NULL;
	dda->sock = nl_socket_alloc();
	if (!dda->sock || nl_connect(dda->sock, NETLINK_GENERIC)) {
		nl_socket_free(dda->sock);
		free(dda);
		return NULL;
	}
	dda->family = FAMILY;
	return dda;
}

static void test_read(void)
{
	struct datagram *d = calloc(1, sizeof(*d));
	struct dda *dda = handle_new(), *sender = handle_new();
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct dda_event event;
	struct nl_msg *msg;

	if (!ok(d && dda && sender, "two netlink sockets"))
		goto out;
	ok(dda_events_fd(dda) >= 0, "dda_events_fd() is a descriptor");
	is_int(dda_event_read(dda, &event), -EAGAIN,
	       "nothing sent: -EAGAIN, at once");
	is_str(dda_error(dda), "", "nothing sent: no error");

	/* A datagram read before, not yet taken: what a read finds. */
	datagram_add(d, event_at(1));
	datagram_add(d, event_msg(BIT(DDA_A_DEV_STATE)));
	datagram_add(d, event_at(2));
	dda->events = malloc(d->len);
	if (!dda->events)
		goto out;
	memcpy(dda->events, d->buf, d->len);
	dda->events_size = d->len;
	dda->events_len = d->len;

	if (is_int(dda_event_read(dda, &event), 0, "pending: an event"))
		is_str(event.address, "0000:01:00.0", "pending: the first");
	is_int(dda_event_read(dda, &event), -EBADMSG,
	       "pending: a malformed one");
	is_str(dda_error(dda), "dda.ko sent a malformed event",
	       "pending: dda_error() says so");
	if (is_int(dda_event_read(dda, &event), 0, "pending: the next"))
		is_str(event.address, "0000:02:00.0", "pending: the last");
	is_str(dda_error(dda), "", "pending: the error is gone");
	is_int(dda_event_read(dda, &event), -EAGAIN,
	       "pending: all read, then -EAGAIN");

	/* Only the kernel sends events: a process's message is dropped. */
	msg = event_at(3);
	to.nl_pid = nl_socket_get_local_port(dda->sock);
	ok(sendto(nl_socket_get_fd(sender->sock), nlmsg_hdr(msg),
		  nlmsg_hdr(msg)->nlmsg_len, 0, (struct sockaddr *)&to,
		  sizeof(to)) > 0, "an event sent by a process");
	nlmsg_free(msg);
	ok(recv(dda_events_fd(dda), NULL, 0,
		MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT) > 0,
	   "an event from a process: waiting");
	is_int(dda_event_read(dda, &event), -EAGAIN,
	       "an event from a process: dropped");
	ok(recv(dda_events_fd(dda), NULL, 0,
		MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT) < 0 && errno == EAGAIN,
	   "an event from a process: read, and gone");
out:
	dda_close(sender);
	dda_close(dda);
	free(d);
}

int main(void)
{
	test_parse();
	test_take();
	test_read();
	return unit_done();
}
