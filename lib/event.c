// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Events: DDA_CMD_DEV_EVENT, a state change, sent by dda.ko to its
 * "events" multicast group.
 *
 * An events handle is opened, resolved and subscribed through libnl, but
 * reads its socket itself, with recv(2): libnl's nl_recv() (and so
 * nl_recvmsgs()) turns an ENOBUFS, the kernel's word that events were lost
 * because they came faster than they were read, into NLE_NOMEM, the code of
 * its own malloc() failing, and a reader must tell the two apart
 * (dda_event_read() returns -ENOBUFS for lost events). Each datagram read is kept in the
 * handle and its messages are taken one event at a time, with libnl's
 * genlmsg_valid_hdr() and genlmsg_parse().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"

/* Bytes for a datagram at least: events are far smaller. */
#define DDA_EVENTS_MIN_SIZE	4096

int dda_events_open(struct dda **out)
{
	struct dda *dda;
	int err, group;

	*out = NULL;
	err = dda_open(&dda);
	if (err)
		return err;

	group = genl_ctrl_resolve_grp(dda->sock, DDA_GENL_NAME,
				      DDA_MCGRP_EVENTS);
	if (group < 0) {
		err = group == -NLE_OBJ_NOTFOUND ? -ENOENT :
		      dda_errno_from_nl(group);
		dda_set_error(NULL, "cannot find the \"%s\" group of dda.ko",
			      DDA_MCGRP_EVENTS);
		goto fail;
	}
	err = nl_socket_add_membership(dda->sock, group);
	if (err < 0) {
		err = dda_errno_from_nl(err);
		dda_set_error(NULL, "cannot join the \"%s\" group of dda.ko",
			      DDA_MCGRP_EVENTS);
		goto fail;
	}
	*out = dda;
	return 0;

fail:
	dda_close(dda);
	return err;
}

int dda_events_fd(const struct dda *dda)
{
	return nl_socket_get_fd(dda->sock);
}

int dda_event_parse(struct nlmsghdr *nlh, struct dda_event *out)
{
	static const int required[] = {
		DDA_A_DEV_ADDRESS, DDA_A_EVENT_OLD_STATE, DDA_A_DEV_STATE,
		DDA_A_EVENT_REASON,
	};
	struct nlattr *tb[DDA_A_MAX + 1];
	struct dda_event event = { 0 };
	uint32_t old_state, state, reason, method, health = DDA_HEALTH_OK;
	size_t i;

	/* No policy: every attribute is checked below. */
	if (genlmsg_parse(nlh, 0, tb, DDA_A_MAX, NULL) < 0)
		return -EBADMSG;
	for (i = 0; i < ARRAY_SIZE(required); i++)
		if (!tb[required[i]])
			return -EBADMSG;
	if (dda_attr_address(tb[DDA_A_DEV_ADDRESS], event.address) ||
	    dda_attr_u32(tb[DDA_A_EVENT_OLD_STATE], &old_state) ||
	    dda_attr_u32(tb[DDA_A_DEV_STATE], &state) ||
	    dda_attr_u32(tb[DDA_A_EVENT_REASON], &reason))
		return -EBADMSG;
	/* The reset, if the change ran one: both attributes or neither. */
	if (!tb[DDA_A_DEV_RESET_METHOD] != !tb[DDA_A_DEV_RESET_USEC])
		return -EBADMSG;
	if (tb[DDA_A_DEV_RESET_METHOD]) {
		if (dda_attr_u32(tb[DDA_A_DEV_RESET_METHOD], &method) ||
		    dda_attr_u32(tb[DDA_A_DEV_RESET_USEC], &event.reset_usec))
			return -EBADMSG;
		event.reset = true;
		event.reset_method = method;
	}
	if (tb[DDA_A_DEV_HEALTH] &&
	    dda_attr_u32(tb[DDA_A_DEV_HEALTH], &health))
		return -EBADMSG;
	if (tb[DDA_A_DEV_WINDOW_USEC] &&
	    dda_attr_u64(tb[DDA_A_DEV_WINDOW_USEC], &event.window_usec))
		return -EBADMSG;
	event.health = health;
	event.old_state = old_state;
	event.state = state;
	event.reason = reason;
	*out = event;
	return 0;
}

int dda_event_take(const void *buf, size_t len, size_t *at, int family,
		   struct dda_event *out)
{
	const unsigned char *data = buf;
	struct nlmsghdr *nlh;
	struct genlmsghdr *ghdr;
	size_t next;

	while (*at < len) {
		/* libnl takes no const; nothing here writes to the message. */
		nlh = (struct nlmsghdr *)(data + *at);
		if (len - *at > INT32_MAX || !NLMSG_OK(nlh, (int)(len - *at))) {
			*at = len;
			return -EBADMSG;
		}
		next = *at + NLMSG_ALIGN(nlh->nlmsg_len);
		*at = next < len ? next : len;

		if (nlh->nlmsg_type != family)
			continue;
		if (!genlmsg_valid_hdr(nlh, 0))
			return -EBADMSG;
		ghdr = nlmsg_data(nlh);
		if (ghdr->cmd != DDA_CMD_DEV_EVENT)
			continue;
		return dda_event_parse(nlh, out);
	}
	return -EAGAIN;
}

/* What a failed read of the events socket means, as a negative errno. */
static int dda_events_errno(struct dda *dda, int errnum)
{
	if (errnum == EAGAIN || errnum == EWOULDBLOCK)
		return -EAGAIN;
	if (errnum == ENOBUFS)
		dda_set_error(dda, "events were lost: they came faster than they were read");
	else
		dda_set_error(dda, "cannot receive events from dda.ko: %s",
			      strerror(errnum));
	return -errnum;
}

/* Reads the next datagram of the kernel's, without waiting. */
static int dda_events_recv(struct dda *dda)
{
	int fd = nl_socket_get_fd(dda->sock);
	struct sockaddr_nl from;
	socklen_t fromlen;
	unsigned char *buf;
	size_t size;
	ssize_t n;

	for (;;) {
		/* How long the datagram waiting is, to read it whole. */
		n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return dda_events_errno(dda, errno);
		if (!dda->events || (size_t)n > dda->events_size) {
			size = (size_t)n > DDA_EVENTS_MIN_SIZE ?
			       (size_t)n : DDA_EVENTS_MIN_SIZE;
			buf = realloc(dda->events, size);
			if (!buf)
				return -ENOMEM;
			dda->events = buf;
			dda->events_size = size;
		}

		fromlen = sizeof(from);
		n = recvfrom(fd, dda->events, dda->events_size, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return dda_events_errno(dda, errno);
		if (from.nl_pid != 0)
			continue;	/* not the kernel's */
		dda->events_len = n;
		dda->events_at = 0;
		return 0;
	}
}

int dda_event_read(struct dda *dda, struct dda_event *out)
{
	int err;

	dda->error[0] = '\0';
	for (;;) {
		err = dda_event_take(dda->events, dda->events_len,
				     &dda->events_at, dda->family, out);
		if (err == -EBADMSG)
			dda_set_error(dda, "dda.ko sent a malformed event");
		if (err != -EAGAIN)
			return err;
		err = dda_events_recv(dda);
		if (err)
			return err;
	}
}
