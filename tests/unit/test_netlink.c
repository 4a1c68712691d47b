// SPDX-License-Identifier: GPL-2.0-only
/*
 * libdda's netlink plumbing: the errors and extended ACKs of
 * dda_nlmsg_status(), on messages built in memory; dda_request() against
 * the kernel's own "nlctrl" family, there in every kernel; and dda_open()
 * and dda_events_open(), with or without dda.ko loaded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"
#include "unit.h"

#define REASON		"no PCI device has this address"

/* An NLMSG_ERROR or NLMSG_DONE with status, and NLMSGERR_ATTR_MSG text. */
static struct nl_msg *status_msg(int type, int flags, int status,
				 const char *text)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);
	struct nlmsgerr e = { .error = status };

	if (type == NLMSG_ERROR)
		nlmsg_append(msg, &e, sizeof(e), NLMSG_ALIGNTO);
	else
		nlmsg_append(msg, &status, sizeof(status), NLMSG_ALIGNTO);
	if (text) {
		nla_put_string(msg, NLMSGERR_ATTR_MSG, text);
		nla_put_u32(msg, NLMSGERR_ATTR_OFFS, 20);
	}
	return msg;
}

static void status_is(struct nl_msg *msg, int err, const char *reason,
		      const char *what)
{
	char buf[DDA_ERROR_SIZE] = "stale";

	is_int(dda_nlmsg_status(nlmsg_hdr(msg), buf, sizeof(buf)), err,
	       "%s: status %d", what, err);
	is_str(buf, reason, "%s: reason \"%s\"", what, reason);
	nlmsg_free(msg);
}

static void test_status(void)
{
	const int capped = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	struct nlmsghdr *req_hdr;
	struct nl_msg *msg, *req;
	struct nlmsgerr e = { .error = -ENODEV };
	char small[8], nonul[4] = { 'a', 'b', 'c', 'd' };

	status_is(status_msg(NLMSG_ERROR, capped, -ENODEV, REASON), -ENODEV,
		  REASON, "capped error with a reason");
	status_is(status_msg(NLMSG_ERROR, NLM_F_CAPPED, -EPERM, REASON),
		  -EPERM, "", "error without NLM_F_ACK_TLVS");
	status_is(status_msg(NLMSG_ERROR, capped, -EINVAL, NULL), -EINVAL,
		  "", "error with TLVs but no message");
	status_is(status_msg(NLMSG_ERROR, capped, 0, "a warning"), 0, "",
		  "an acknowledgement, with a warning");
	status_is(status_msg(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, -EIO,
			     REASON), -EIO, REASON,
		  "a dump ended by an error");
	status_is(status_msg(NLMSG_DONE, NLM_F_MULTI, 0, NULL), 0, "",
		  "a dump's end");
	status_is(nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI), 0, "",
		  "a dump's end without a status");
	status_is(nlmsg_alloc_simple(0x1d, 0), 0, "", "not a status");

	msg = nlmsg_alloc_simple(NLMSG_ERROR, 0);
	nlmsg_append(msg, &e, sizeof(e) - 4, NLMSG_ALIGNTO);
	status_is(msg, -EBADMSG, "", "error cut short");

	msg = status_msg(NLMSG_ERROR, capped, -ENODEV, NULL);
	nla_put(msg, NLMSGERR_ATTR_MSG, sizeof(nonul), nonul);
	status_is(msg, -ENODEV, "", "reason without its NUL");

	/*
	 * Uncapped, the request comes back between the error and the
	 * attributes. Its DDA_A_DEV_ADDRESS has NLMSGERR_ATTR_MSG's number:
	 * read from the wrong place, it would be the reason.
	 */
	req = nlmsg_alloc();
	genlmsg_put(req, 1234, 77, 0x1d, 0, 0, DDA_CMD_DEV_GET,
		    DDA_GENL_VERSION);
	nla_put_string(req, DDA_A_DEV_ADDRESS, "0000:00:1f.7");
	req_hdr = nlmsg_hdr(req);
	e.msg = *req_hdr;
	msg = nlmsg_alloc_simple(NLMSG_ERROR, NLM_F_ACK_TLVS);
	nlmsg_append(msg, &e, sizeof(e), NLMSG_ALIGNTO);
	nlmsg_append(msg, nlmsg_data(req_hdr), nlmsg_datalen(req_hdr),
		     NLMSG_ALIGNTO);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, REASON);
	status_is(msg, -ENODEV, REASON, "uncapped error, request echoed");
	nlmsg_free(req);

	msg = status_msg(NLMSG_ERROR, capped, -ENODEV, REASON);
	is_int(dda_nlmsg_status(nlmsg_hdr(msg), small, sizeof(small)),
	       -ENODEV, "short buffer: status");
	is_str(small, "no PCI ", "short buffer: reason cut to 7 bytes");
	nlmsg_free(msg);
}

/*
 * dda_errno_from_nl() is the way back of libnl's nl_syserr2nlerr(): every
 * code libnl gives for an errno leads back to an errno libnl gives that
 * code for.
 */
static void test_errno_from_nl(void)
{
	int e, code, back, codes = 0, wrong = 0;

	for (e = 1; e < 134; e++) {
		code = nl_syserr2nlerr(e);
		if (code == NLE_FAILURE)
			continue;	/* libnl's "unspecific failure" */
		codes++;
		back = -dda_errno_from_nl(-code);
		if (back <= 0 || nl_syserr2nlerr(back) != code) {
			printf("# errno %d: NLE %d, back to errno %d\n", e, code,
			       back);
			wrong++;
		}
	}
	ok(codes > 20, "libnl maps %d errnos to codes of its own", codes);
	is_int(wrong, 0, "each of them back to an errno of the same code");
	is_int(dda_errno_from_nl(-NLE_SUCCESS), -EIO,
	       "NLE_SUCCESS is no errno: EIO");
	is_int(dda_errno_from_nl(-1000), -EIO, "a code libnl may add: EIO");
	is_int(dda_errno_from_nl(-NLE_DUMP_INTR), -EAGAIN,
	       "libnl's own NLE_DUMP_INTR: EAGAIN");
}

struct family_reply {
	int count;
	bool nlctrl;
};

static int family_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct family_reply *reply = arg;

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] || !tb[CTRL_ATTR_FAMILY_ID])
		return -EBADMSG;
	reply->count++;
	if (!strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), "nlctrl") &&
	    nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == GENL_ID_CTRL)
		reply->nlctrl = true;
	return 0;
}

static int refuse_reply(struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	++*(int *)arg;
	return -EBADMSG;
}

/* CTRL_CMD_GETFAMILY: a dump, or a do for name. */
static int getfamily(struct dda *dda, const char *name, dda_reply_fn fn,
		     void *arg)
{
	struct nl_msg *msg;
	int err;

	msg = dda_msg_new(dda, CTRL_CMD_GETFAMILY, name ? 0 : NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	if (name)
		nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, name);
	dda->error[0] = '\0';
	err = dda_request(dda, msg, fn, arg);
	nlmsg_free(msg);
	return err;
}

static void test_request(void)
{
	struct family_reply reply = { 0 };
	struct dda *dda;
	int err, calls = 0;

	err = dda_open_family("nlctrl", &dda);
	if (!is_int(err, 0, "open the nlctrl family"))
		return;
	is_int(dda->family, GENL_ID_CTRL, "nlctrl's id");

	err = getfamily(dda, "nlctrl", family_reply, &reply);
	is_int(err, 0, "do: answered");
	is_int(reply.count, 1, "do: one reply");
	ok(reply.nlctrl, "do: the reply describes nlctrl");

	memset(&reply, 0, sizeof(reply));
	err = getfamily(dda, NULL, family_reply, &reply);
	is_int(err, 0, "dump: answered");
	ok(reply.count >= 1, "dump: %d families", reply.count);
	ok(reply.nlctrl, "dump: nlctrl among them");

	err = getfamily(dda, "dda-none", family_reply, &reply);
	is_int(err, -ENOENT, "do for no family: the kernel's -ENOENT");

	/* CTRL_ATTR_FAMILY_NAME is at most 15 characters. */
	err = getfamily(dda, "a-family-name-far-too-long-for-genl",
			family_reply, &reply);
	is_int(err, -EINVAL, "invalid attribute: the kernel's -EINVAL");
	ok(*dda_error(dda), "invalid attribute: the kernel's reason \"%s\"",
	   dda_error(dda));

	/* A reply that fails: the answer is still read to its end. */
	err = getfamily(dda, NULL, refuse_reply, &calls);
	is_int(err, -EBADMSG, "dump, reply refused: its error");
	is_int(calls, 1, "dump, reply refused: no reply after the first");
	ok(*dda_error(dda), "dump, reply refused: a reason \"%s\"",
	   dda_error(dda));

	memset(&reply, 0, sizeof(reply));
	err = getfamily(dda, "nlctrl", family_reply, &reply);
	ok(!err && reply.count == 1 && reply.nlctrl,
	   "after a refused dump, the next request gets its own answer");

	dda_close(dda);

	err = dda_open_family("dda-no-such-family", &dda);
	is_int(err, -ENOENT, "open of no family: -ENOENT");
	ok(!dda, "open of no family: no handle");
}

static void test_open(void)
{
	struct dda_device *devs = NULL, dev;
	struct dda *dda = (struct dda *)&dda;
	size_t count = 0;
	int err;

	err = dda_open(&dda);
	if (err == -ENOENT) {
		ok(!dda, "dda.ko not loaded: no handle");
		is_str(dda_error(NULL), "the dda kernel module is not loaded",
		       "dda.ko not loaded: dda_error(NULL) says so");
		return;
	}
	if (!is_int(err, 0, "dda.ko loaded: dda_open()"))
		return;

	err = dda_device_list(dda, &devs, &count);
	is_int(err, 0, "dda.ko loaded: dda_device_list()");
	if (!err && ok(count > 0, "dda.ko loaded: %zu devices", count)) {
		err = dda_device_get(dda, devs[0].address, &dev);
		is_int(err, 0, "dda_device_get(%s)", devs[0].address);
		is_str(dev.address, devs[0].address, "get agrees with list");
	}
	free(devs);

	is_int(dda_device_get(dda, "xyz", &dev), -EINVAL,
	       "dda_device_get() of no address");
	ok(strstr(dda_error(dda), "'xyz' is not a PCI address"),
	   "dda_device_get() of no address: dda_error() names it");
	dda_close(dda);
}

static void test_events_open(void)
{
	struct dda *dda = (struct dda *)&dda;
	struct dda_event event;
	int err;

	err = dda_events_open(&dda);
	if (err == -ENOENT) {
		ok(!dda, "events, dda.ko not loaded: no handle");
		is_str(dda_error(NULL), "the dda kernel module is not loaded",
		       "events, dda.ko not loaded: dda_error(NULL) says so");
		return;
	}
	if (!is_int(err, 0, "dda.ko loaded: dda_events_open()"))
		return;
	ok(dda_events_fd(dda) >= 0, "dda.ko loaded: an events descriptor");
	is_int(dda_event_read(dda, &event), -EAGAIN,
	       "dda.ko loaded: no event yet, and no waiting");
	dda_close(dda);
}

int main(void)
{
	test_status();
	test_errno_from_nl();
	test_request();
	test_open();
	test_events_open();
	return unit_done();
}
