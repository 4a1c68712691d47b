// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The connection to dda.ko: a generic netlink socket, requests and their
 * replies, the kernel's errors and its extended ACK messages.
 *
 * libnl 3 does the socket, the sending, the reading and the dispatch of
 * replies (nl_recvmsgs_report() and its callbacks), and parses attributes.
 * Where it falls short, this file does the rest and says why:
 *
 *  - errnos: libnl turns every errno into one of its own NLE_* codes
 *    (nl_syserr2nlerr(), many errnos to one code) and has nothing for the
 *    way back, which libdda's API of negative errnos needs:
 *    dda_errno_from_nl() is that way back, the inverse of libnl's table
 *    (tests/unit/test_netlink.c holds it to that).
 *  - extended ACKs: libnl neither asks for them nor hands them over (its
 *    error callback gets the struct nlmsgerr alone, and an NLMSG_DONE's
 *    errno not at all), so the socket asks for them with NETLINK_EXT_ACK,
 *    for errors without the echoed request with NETLINK_CAP_ACK, and
 *    dda_nlmsg_status() finds them behind the header, where only the
 *    kernel's rules say they are; libnl's nla_parse() then reads them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"

/* Why the last dda_open() of this thread failed: dda_error(NULL). */
static _Thread_local char dda_open_error[DDA_ERROR_SIZE];

void dda_set_error(struct dda *dda, const char *fmt, ...)
{
	char *buf = dda ? dda->error : dda_open_error;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, DDA_ERROR_SIZE, fmt, ap);
	va_end(ap);
}

const char *dda_error(const struct dda *dda)
{
	return dda ? dda->error : dda_open_error;
}

/*
 * libnl's codes back to errnos: for each code nl_syserr2nlerr() gives, an
 * errno it gives that code for; the others (libnl's own failures) the
 * errno closest in meaning.
 */
int dda_errno_from_nl(int nlerr)
{
	static const int errnos[] = {
		[NLE_SUCCESS] = 0,
		[NLE_FAILURE] = EIO,
		[NLE_INTR] = EINTR,
		[NLE_BAD_SOCK] = EBADF,
		[NLE_AGAIN] = EAGAIN,
		[NLE_NOMEM] = ENOMEM,
		[NLE_EXIST] = EEXIST,
		[NLE_INVAL] = EINVAL,
		[NLE_RANGE] = ERANGE,
		[NLE_MSGSIZE] = EMSGSIZE,
		[NLE_OPNOTSUPP] = EOPNOTSUPP,
		[NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
		[NLE_OBJ_NOTFOUND] = ENOENT,
		[NLE_NOATTR] = EBADMSG,
		[NLE_MISSING_ATTR] = EBADMSG,
		[NLE_AF_MISMATCH] = EAFNOSUPPORT,
		[NLE_SEQ_MISMATCH] = EPROTO,
		[NLE_MSG_OVERFLOW] = EOVERFLOW,
		[NLE_MSG_TRUNC] = EBADMSG,
		[NLE_NOADDR] = EADDRNOTAVAIL,
		[NLE_SRCRT_NOSUPPORT] = EOPNOTSUPP,
		[NLE_MSG_TOOSHORT] = EBADMSG,
		[NLE_MSGTYPE_NOSUPPORT] = EOPNOTSUPP,
		[NLE_OBJ_MISMATCH] = EINVAL,
		[NLE_NOCACHE] = ENOENT,
		[NLE_BUSY] = EBUSY,
		[NLE_PROTO_MISMATCH] = EPROTONOSUPPORT,
		[NLE_NOACCESS] = EACCES,
		[NLE_PERM] = EPERM,
		[NLE_PKTLOC_FILE] = ENOENT,
		[NLE_PARSE_ERR] = EINVAL,
		[NLE_NODEV] = ENODEV,
		[NLE_IMMUTABLE] = EPERM,
		[NLE_DUMP_INTR] = EAGAIN,
		[NLE_ATTRSIZE] = EBADMSG,
	};
	unsigned int i = nlerr < 0 ? -nlerr : nlerr;

	if (i >= ARRAY_SIZE(errnos) || !errnos[i])
		return -EIO;
	return -errnos[i];
}

int dda_open_family(const char *name, struct dda **out)
{
	struct dda *dda;
	int one = 1, err, fd;

	*out = NULL;
	dda_open_error[0] = '\0';

	dda = calloc(1, sizeof(*dda));
	if (!dda)
		return -ENOMEM;
	dda->wait_ms = -1;
	dda->sock = nl_socket_alloc();
	if (!dda->sock) {
		free(dda);
		return -ENOMEM;
	}

	err = genl_connect(dda->sock);
	if (err < 0) {
		err = dda_errno_from_nl(err);
		dda_set_error(NULL, "cannot open a generic netlink socket");
		goto fail;
	}
	/* Size each read to the message waiting, however long a dump part. */
	nl_socket_enable_msg_peek(dda->sock);

	/* Kernels before 4.12 lack these; errors then come without reasons. */
	fd = nl_socket_get_fd(dda->sock);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	err = genl_ctrl_resolve(dda->sock, name);
	if (err == -NLE_OBJ_NOTFOUND) {
		err = -ENOENT;
		dda_set_error(NULL, "no generic netlink family \"%s\"", name);
		goto fail;
	}
	if (err < 0) {
		err = dda_errno_from_nl(err);
		dda_set_error(NULL, "cannot look up the netlink family \"%s\"",
			      name);
		goto fail;
	}
	dda->family = err;

	*out = dda;
	return 0;

fail:
	nl_socket_free(dda->sock);
	free(dda);
	return err;
}

int dda_open(struct dda **out)
{
	int err;

	err = dda_open_family(DDA_GENL_NAME, out);
	if (err == -ENOENT)
		dda_set_error(NULL, "the dda kernel module is not loaded");
	return err;
}

void dda_close(struct dda *dda)
{
	if (!dda)
		return;
	nl_socket_free(dda->sock);
	free(dda->events);
	free(dda);
}

struct nl_msg *dda_msg_new(struct dda *dda, uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc();
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, dda->family, 0,
			 flags, cmd, DDA_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Copies the NLMSGERR_ATTR_MSG among the extended ACK attributes. */
static void dda_extack_reason(struct nlattr *head, int len, char *reason,
			      size_t size)
{
	/* NLA_STRING: libnl checks that the text ends in its NUL. */
	static struct nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
	};
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (nla_parse(tb, NLMSGERR_ATTR_MAX, head, len, policy) < 0 ||
	    !tb[NLMSGERR_ATTR_MSG])
		return;
	nla_strlcpy(reason, tb[NLMSGERR_ATTR_MSG], size);
}

int dda_nlmsg_status(const struct nlmsghdr *nlh, char *reason, size_t size)
{
	const unsigned char *data = NLMSG_DATA(nlh);
	const struct nlmsgerr *e;
	size_t len, offset;
	int err;

	if (size)
		reason[0] = '\0';
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return -EBADMSG;
	len = nlh->nlmsg_len - NLMSG_HDRLEN;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		if (len < sizeof(*e))
			return -EBADMSG;
		e = (const struct nlmsgerr *)data;
		err = e->error;
		offset = sizeof(*e);
		/* Unless capped, the request follows, then the attributes. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    e->msg.nlmsg_len > NLMSG_HDRLEN)
			offset += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
		break;
	case NLMSG_DONE:
		/* A dump that failed part way ends with its errno here. */
		if (len < sizeof(err))
			return 0;
		memcpy(&err, data, sizeof(err));
		offset = NLMSG_ALIGN(sizeof(err));
		break;
	default:
		return 0;
	}

	if (err > 0)
		err = -err;
	if (err && size && (nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    offset < len)
		/* libnl takes no const; nothing there writes to them. */
		dda_extack_reason((struct nlattr *)(data + offset),
				  len - offset, reason, size);
	return err;
}

/* One request on its way: what its replies go to, and how it ended. */
struct dda_reply {
	struct dda *dda;
	dda_reply_fn fn;
	void *arg;
	uint32_t seq;
	int err;
	bool done;		/* acknowledged, or the dump ended */
};

/* Only the kernel's answers to this request count; the rest is skipped. */
static bool dda_reply_ours(struct dda_reply *r, struct nl_msg *msg)
{
	return nlmsg_get_src(msg)->nl_pid == 0 &&
	       nlmsg_hdr(msg)->nlmsg_seq == r->seq;
}

static int dda_reply_seq_check(struct nl_msg *msg, void *arg)
{
	return dda_reply_ours(arg, msg) ? NL_OK : NL_SKIP;
}

/* Sees every message first: the end of the request and its errno. */
static int dda_reply_msg_in(struct nl_msg *msg, void *arg)
{
	struct dda_reply *r = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	char reason[DDA_ERROR_SIZE];
	int err;

	if (!dda_reply_ours(r, msg))
		return NL_OK;
	if (nlh->nlmsg_type != NLMSG_ERROR && nlh->nlmsg_type != NLMSG_DONE)
		return NL_OK;

	r->done = true;
	err = dda_nlmsg_status(nlh, reason, sizeof(reason));
	if (err) {
		/* The kernel's word wins over a reply we could not parse. */
		r->err = err;
		memcpy(r->dda->error, reason, sizeof(reason));
	}
	return NL_OK;
}

static int dda_reply_valid(struct nl_msg *msg, void *arg)
{
	struct dda_reply *r = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err;

	if (nlh->nlmsg_type != r->dda->family || !r->fn || r->err)
		return NL_OK;
	err = r->fn(nlh, r->arg);
	if (err) {
		r->err = err;
		if (err == -EBADMSG)
			dda_set_error(r->dda,
				      "dda.ko sent a malformed reply");
	}
	/* Read on to the end of the answer, for the next request's sake. */
	return NL_OK;
}

static int dda_reply_stop(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_STOP;
}

static int dda_reply_error(struct sockaddr_nl *nla, struct nlmsgerr *e,
			   void *arg)
{
	(void)nla;
	(void)e;
	(void)arg;
	return NL_STOP;
}

int dda_collect_reply(struct nlmsghdr *nlh, void *arg)
{
	struct dda_collect *c = arg;
	void *items;
	size_t size;
	int err;

	if (c->count == c->size) {
		size = c->size ? 2 * c->size : 32;
		items = reallocarray(c->items, size, c->elem);
		if (!items)
			return -ENOMEM;
		c->items = items;
		c->size = size;
	}
	err = c->parse(nlh, (char *)c->items + c->count * c->elem);
	if (err)
		return err;
	c->count++;
	return 0;
}

int dda_request(struct dda *dda, struct nl_msg *msg, dda_reply_fn fn,
		void *arg)
{
	struct dda_reply r = { .dda = dda, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_MSG_IN, NL_CB_CUSTOM, dda_reply_msg_in, &r);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, dda_reply_seq_check, &r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, dda_reply_valid, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, dda_reply_stop, NULL);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, dda_reply_stop, NULL);
	nl_cb_err(cb, NL_CB_CUSTOM, dda_reply_error, NULL);

	ret = nl_send_auto(dda->sock, msg);
	if (ret < 0) {
		r.err = dda_errno_from_nl(ret);
		dda_set_error(dda, "cannot send a request to dda.ko");
		goto out;
	}
	r.seq = nlmsg_hdr(msg)->nlmsg_seq;

	while (!r.done) {
		ret = nl_recvmsgs_report(dda->sock, cb);
		if (ret > 0)
			continue;
		if (r.done && r.err)
			break;	/* the kernel's error, read above */
		if (!ret) {
			r.err = -EIO;
			dda_set_error(dda, "no answer from dda.ko");
		} else if (ret == -NLE_DUMP_INTR) {
			r.err = -EAGAIN;
			dda_set_error(dda, "the devices changed during a dump");
		} else {
			r.err = dda_errno_from_nl(ret);
			dda_set_error(dda, "cannot receive from dda.ko: %s",
				      nl_geterror(ret));
		}
		break;
	}
out:
	nl_cb_put(cb);
	return r.err;
}

/* How often a dump is asked again when devices keep coming and going. */
#define DDA_DUMP_TRIES	5

/*
 * A dump that devices came or went during (NLM_F_DUMP_INTR: dda.ko cannot
 * tell what it missed or sent twice) is thrown away and asked again.
 */
int dda_dump(struct dda *dda, uint8_t cmd, struct dda_collect *c)
{
	return dda_dump_u32(dda, cmd, 0, 0, c);
}

int dda_dump_u32(struct dda *dda, uint8_t cmd, int attr, uint32_t value,
		 struct dda_collect *c)
{
	struct nl_msg *msg;
	int err, tries = 0;

	do {
		dda->error[0] = '\0';
		while (c->drop && c->count)
			c->drop((char *)c->items + --c->count * c->elem);
		c->count = 0;
		msg = dda_msg_new(dda, cmd, NLM_F_DUMP);
		if (!msg)
			return -ENOMEM;
		if (attr && nla_put_u32(msg, attr, value) < 0) {
			nlmsg_free(msg);
			return -EMSGSIZE;
		}
		err = dda_request(dda, msg, dda_collect_reply, c);
		nlmsg_free(msg);
	} while (err == -EAGAIN && ++tries < DDA_DUMP_TRIES);
	return err;
}
