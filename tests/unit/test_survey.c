// SPDX-License-Identifier: GPL-2.0-only
/*
 * Survey messages, as dda.ko sends them, built in memory with libnl and
 * read by dda_survey_parse(), the path dda_survey_get() and
 * dda_survey_list() take for each reply; and dda_collect_reply(), which
 * gathers the replies of a dump.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "internal.h"
#include "unit.h"

#define BIT(n)		(1u << (n))
#define FAMILY		0x1d	/* any id: parsing does not read it */

struct finding_spec {
	uint32_t check;
	uint32_t severity;
	const char *text;
};

/* What dda.ko might say of a NIC that shares its group with its sibling. */
static const struct finding_spec findings[] = {
	{ DDA_CHECK_IOMMU, DDA_SEVERITY_INFO,
	  "IOMMU group 42, host DMA translated by the IOMMU" },
	{ DDA_CHECK_GROUP, DDA_SEVERITY_WARNING,
	  "shares its IOMMU group with 0000:3a:00.0, bound to ixgbe: they go together" },
	{ DDA_CHECK_ACS, DDA_SEVERITY_WARNING,
	  "port 0000:00:1c.0 has no ACS: peer-to-peer traffic below it bypasses the IOMMU" },
	{ DDA_CHECK_RESET, DDA_SEVERITY_INFO,
	  "resets by function level reset" },
};

static void put(int ret, const char *what)
{
	if (ret < 0)
		ok(0, "building the message: %s: %s", what, nl_geterror(ret));
}

static struct nl_msg *msg_new(void)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, FAMILY, 0,
				 0, DDA_CMD_DEV_SURVEY, DDA_GENL_VERSION)) {
		ok(0, "allocating a message");
		exit(1);
	}
	return msg;
}

/*
 * A nested DDA_A_SURVEY_FINDING of nest_type (DDA_A_SURVEY_FINDING, with or
 * without NLA_F_NESTED), but the attributes whose bit is in omit.
 */
static void put_finding_as(struct nl_msg *msg, int nest_type,
			   const struct finding_spec *f, unsigned int omit)
{
	struct nlattr *nest = nla_nest_start(msg, nest_type);

	if (!nest) {
		put(-NLE_NOMEM, "DDA_A_SURVEY_FINDING");
		return;
	}
	if (!(omit & BIT(DDA_A_FINDING_CHECK)))
		put(nla_put_u32(msg, DDA_A_FINDING_CHECK, f->check),
		    "DDA_A_FINDING_CHECK");
	if (!(omit & BIT(DDA_A_FINDING_SEVERITY)))
		put(nla_put_u32(msg, DDA_A_FINDING_SEVERITY, f->severity),
		    "DDA_A_FINDING_SEVERITY");
	if (!(omit & BIT(DDA_A_FINDING_TEXT)))
		put(nla_put_string(msg, DDA_A_FINDING_TEXT, f->text),
		    "DDA_A_FINDING_TEXT");
	nla_nest_end(msg, nest);
}

static void put_finding(struct nl_msg *msg, const struct finding_spec *f,
			unsigned int omit)
{
	put_finding_as(msg, DDA_A_SURVEY_FINDING, f, omit);
}

/*
 * A survey of 0000:3a:00.1 with the findings above, in the kernel's order:
 * the address, the findings, the verdict; but the attributes whose bit is
 * in omit.
 */
static struct nl_msg *survey_msg(unsigned int omit)
{
	struct nl_msg *msg = msg_new();
	size_t i;

	if (!(omit & BIT(DDA_A_DEV_ADDRESS)))
		put(nla_put_string(msg, DDA_A_DEV_ADDRESS, "0000:3a:00.1"),
		    "DDA_A_DEV_ADDRESS");
	if (!(omit & BIT(DDA_A_SURVEY_FINDING)))
		for (i = 0; i < ARRAY_SIZE(findings); i++)
			put_finding(msg, &findings[i], 0);
	if (!(omit & BIT(DDA_A_SURVEY_VERDICT)))
		put(nla_put_u32(msg, DDA_A_SURVEY_VERDICT, DDA_VERDICT_CAVEATS),
		    "DDA_A_SURVEY_VERDICT");
	return msg;
}

/* Parses msg into *survey, and frees it. */
static int parse(struct nl_msg *msg, struct dda_survey *survey)
{
	int err = dda_survey_parse(nlmsg_hdr(msg), survey);

	nlmsg_free(msg);
	return err;
}

/* A message that breaks the contract: -EBADMSG, and *survey left alone. */
static void refused(struct nl_msg *msg, const char *why)
{
	struct dda_survey survey, before;

	memset(&survey, 0xa5, sizeof(survey));
	before = survey;
	is_int(parse(msg, &survey), -EBADMSG, "refused: %s", why);
	ok(!memcmp(&survey, &before, sizeof(survey)),
	   "refused: %s: untouched", why);
}

/* The first n findings of survey are want[]. */
static void findings_start(const struct dda_survey *survey,
			   const struct finding_spec *want, size_t n,
			   const char *what)
{
	size_t i;

	for (i = 0; i < n && i < survey->n_findings; i++) {
		is_int(survey->findings[i].check, want[i].check,
		       "%s: finding %zu: check", what, i);
		is_int(survey->findings[i].severity, want[i].severity,
		       "%s: finding %zu: severity", what, i);
		is_str(survey->findings[i].text, want[i].text,
		       "%s: finding %zu: text", what, i);
	}
}

/* The findings of survey are want[], no more. */
static void findings_are(const struct dda_survey *survey,
			 const struct finding_spec *want, size_t n,
			 const char *what)
{
	if (is_int(survey->n_findings, n, "%s: %zu findings", what, n))
		findings_start(survey, want, n, what);
}

static void test_full(void)
{
	struct dda_survey survey;

	memset(&survey, 0xa5, sizeof(survey));
	if (!is_int(parse(survey_msg(0), &survey), 0, "full survey parsed"))
		return;
	is_str(survey.address, "0000:3a:00.1", "address");
	is_int(survey.verdict, DDA_VERDICT_CAVEATS, "verdict");
	findings_are(&survey, findings, ARRAY_SIZE(findings),
		     "full survey");
	dda_survey_free(&survey);
	ok(!survey.findings && !survey.n_findings,
	   "dda_survey_free() leaves no findings");
	dda_survey_free(&survey);
	dda_survey_free(NULL);
	ok(1, "dda_survey_free() twice, and of NULL");
}

static void test_order(void)
{
	struct dda_survey survey;
	struct nl_msg *msg = msg_new();
	size_t i;

	/* The verdict first, the address last: any order will do. */
	nla_put_u32(msg, DDA_A_SURVEY_VERDICT, DDA_VERDICT_BLOCKED);
	for (i = 0; i < ARRAY_SIZE(findings); i++)
		put_finding(msg, &findings[i], 0);
	nla_put_string(msg, DDA_A_DEV_ADDRESS, "0000:3a:00.1");
	if (!is_int(parse(msg, &survey), 0, "verdict first: parsed"))
		return;
	is_int(survey.verdict, DDA_VERDICT_BLOCKED, "verdict first: verdict");
	findings_are(&survey, findings, ARRAY_SIZE(findings),
		     "verdict first");
	dda_survey_free(&survey);
}

static void test_no_findings(void)
{
	struct dda_survey survey;

	memset(&survey, 0xa5, sizeof(survey));
	if (!is_int(parse(survey_msg(BIT(DDA_A_SURVEY_FINDING)), &survey), 0,
		    "no findings: parsed"))
		return;
	is_int(survey.n_findings, 0, "no findings: none");
	ok(!survey.findings, "no findings: findings NULL");
	is_int(survey.verdict, DDA_VERDICT_CAVEATS, "no findings: verdict");
	dda_survey_free(&survey);
}

static void test_many_findings(void)
{
	struct finding_spec many[40];
	char texts[ARRAY_SIZE(many)][32];
	struct dda_survey survey;
	struct nl_msg *msg;
	size_t i;

	msg = survey_msg(BIT(DDA_A_SURVEY_FINDING));
	for (i = 0; i < ARRAY_SIZE(many); i++) {
		snprintf(texts[i], sizeof(texts[i]), "BAR%zu: %zu KiB memory",
			 i % 6, 4 * i);
		many[i] = (struct finding_spec){
			.check = i % 10,
			.severity = i % 3,
			.text = texts[i],
		};
		put_finding(msg, &many[i], 0);
	}
	if (!is_int(parse(msg, &survey), 0, "40 findings: parsed"))
		return;
	findings_are(&survey, many, ARRAY_SIZE(many), "40 findings");
	dda_survey_free(&survey);
}

static void test_missing(void)
{
	struct nl_msg *msg;

	refused(survey_msg(BIT(DDA_A_DEV_ADDRESS)), "no ADDRESS");
	refused(survey_msg(BIT(DDA_A_SURVEY_VERDICT)), "no VERDICT");
	refused(survey_msg(~0u), "no attribute at all");

	/* The findings before are freed: ASan would tell. */
	msg = survey_msg(0);
	put_finding(msg, &findings[0], BIT(DDA_A_FINDING_CHECK));
	refused(msg, "a finding without CHECK");

	msg = survey_msg(0);
	put_finding(msg, &findings[0], BIT(DDA_A_FINDING_SEVERITY));
	refused(msg, "a finding without SEVERITY");

	msg = survey_msg(0);
	put_finding(msg, &findings[0], BIT(DDA_A_FINDING_TEXT));
	refused(msg, "a finding without TEXT");

	/* libnl's nla_nest_end() drops an empty nest: put it by hand. */
	msg = survey_msg(0);
	nla_put(msg, DDA_A_SURVEY_FINDING, 0, NULL);
	refused(msg, "an empty finding");
}

/* A survey whose last finding is built by hand: nest, then its call. */
#define FINDING_WITH(msg, call) do {					\
	struct nlattr *nest_ = nla_nest_start(msg, DDA_A_SURVEY_FINDING); \
	call;								\
	nla_nest_end(msg, nest_);					\
} while (0)

static void test_sizes(void)
{
	char text[DDA_FINDING_TEXT_SIZE + 1];
	struct dda_survey survey;
	struct nl_msg *msg;

	msg = survey_msg(BIT(DDA_A_SURVEY_VERDICT));
	nla_put_u16(msg, DDA_A_SURVEY_VERDICT, DDA_VERDICT_BLOCKED);
	refused(msg, "VERDICT as u16");

	msg = survey_msg(BIT(DDA_A_SURVEY_VERDICT));
	nla_put_u64(msg, DDA_A_SURVEY_VERDICT, DDA_VERDICT_BLOCKED);
	refused(msg, "VERDICT as u64");

	msg = survey_msg(0);
	FINDING_WITH(msg, {
		nla_put_u16(msg, DDA_A_FINDING_CHECK, DDA_CHECK_ACS);
		nla_put_u32(msg, DDA_A_FINDING_SEVERITY, DDA_SEVERITY_INFO);
		nla_put_string(msg, DDA_A_FINDING_TEXT, "acs");
	});
	refused(msg, "CHECK as u16");

	msg = survey_msg(0);
	FINDING_WITH(msg, {
		nla_put_u32(msg, DDA_A_FINDING_CHECK, DDA_CHECK_ACS);
		nla_put_u8(msg, DDA_A_FINDING_SEVERITY, DDA_SEVERITY_INFO);
		nla_put_string(msg, DDA_A_FINDING_TEXT, "acs");
	});
	refused(msg, "SEVERITY as u8");

	msg = survey_msg(0);
	FINDING_WITH(msg, {
		nla_put_u32(msg, DDA_A_FINDING_CHECK, DDA_CHECK_ACS);
		nla_put_u32(msg, DDA_A_FINDING_SEVERITY, DDA_SEVERITY_INFO);
		nla_put(msg, DDA_A_FINDING_TEXT, 3, "acs");
	});
	refused(msg, "TEXT without its NUL");

	msg = survey_msg(0);
	nla_put_u32(msg, DDA_A_SURVEY_FINDING, DDA_CHECK_ACS);
	refused(msg, "a FINDING that is not nested");

	/* The longest text that fits, and one more. */
	memset(text, 't', sizeof(text));
	text[DDA_FINDING_TEXT_SIZE - 1] = '\0';
	msg = survey_msg(0);
	put_finding(msg, &(struct finding_spec){ DDA_CHECK_BARS,
		    DDA_SEVERITY_WARNING, text }, 0);
	if (is_int(parse(msg, &survey), 0, "255-character text: parsed")) {
		is_str(survey.findings[ARRAY_SIZE(findings)].text, text,
		       "255-character text: whole");
		dda_survey_free(&survey);
	}

	text[DDA_FINDING_TEXT_SIZE - 1] = 't';
	text[DDA_FINDING_TEXT_SIZE] = '\0';
	msg = survey_msg(0);
	put_finding(msg, &(struct finding_spec){ DDA_CHECK_BARS,
		    DDA_SEVERITY_WARNING, text }, 0);
	refused(msg, "256-character text");
}

static void test_addresses(void)
{
	struct dda_survey survey;
	struct nl_msg *msg;

	msg = survey_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put_string(msg, DDA_A_DEV_ADDRESS, "3a:00.1");
	refused(msg, "ADDRESS in the short form");

	msg = survey_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put(msg, DDA_A_DEV_ADDRESS, DDA_ADDRESS_LEN, "0000:3a:00.1");
	refused(msg, "ADDRESS without its NUL");

	msg = survey_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put_string(msg, DDA_A_DEV_ADDRESS, "0000:3a:00.8");
	refused(msg, "ADDRESS with function 8");

	msg = survey_msg(BIT(DDA_A_DEV_ADDRESS));
	nla_put_string(msg, DDA_A_DEV_ADDRESS, "0000:3A:0B.1");
	if (is_int(parse(msg, &survey), 0, "ADDRESS in upper case: parsed")) {
		is_str(survey.address, "0000:3a:0b.1",
		       "ADDRESS in upper case: canonical");
		dda_survey_free(&survey);
	}
}

static void test_unknown(void)
{
	static const struct finding_spec future[] = {
		{ 10, DDA_SEVERITY_INFO, "a check of a newer dda.ko" },
		{ DDA_CHECK_BRIDGE, 3, "a severity of a newer dda.ko" },
	};
	struct dda_survey survey;
	struct nl_msg *msg;

	/* A newer dda.ko may add attributes; an older ddactl skips them. */
	msg = survey_msg(0);
	nla_put_u32(msg, DDA_A_MAX + 1, 7);
	nla_put_string(msg, DDA_A_DEV_DRIVER, "ixgbe");
	FINDING_WITH(msg, {
		nla_put_u32(msg, DDA_A_FINDING_CHECK, future[0].check);
		nla_put_u32(msg, DDA_A_FINDING_SEVERITY, future[0].severity);
		nla_put_string(msg, DDA_A_FINDING_MAX + 1, "future");
		nla_put_string(msg, DDA_A_FINDING_TEXT, future[0].text);
		nla_put_u64(msg, DDA_A_FINDING_MAX + 7, 1);
	});
	put_finding(msg, &future[1], 0);
	if (!is_int(parse(msg, &survey), 0, "unknown attributes skipped"))
		return;
	is_int(survey.n_findings, ARRAY_SIZE(findings) + 2,
	       "unknown attributes: every finding read");
	findings_start(&survey, findings, ARRAY_SIZE(findings),
		       "unknown attributes");
	if (survey.n_findings == ARRAY_SIZE(findings) + 2) {
		is_int(survey.findings[4].check, 10, "check 10 kept");
		is_str(dda_check_name(survey.findings[4].check), "unknown",
		       "check 10 is unknown");
		is_str(survey.findings[4].text, future[0].text,
		       "check 10: its text");
		is_int(survey.findings[5].severity, 3, "severity 3 kept");
		is_str(dda_severity_name(survey.findings[5].severity),
		       "unknown", "severity 3 is unknown");
	}
	dda_survey_free(&survey);

	msg = survey_msg(BIT(DDA_A_SURVEY_VERDICT));
	nla_put_u32(msg, DDA_A_SURVEY_VERDICT, 3);
	if (is_int(parse(msg, &survey), 0, "verdict 3: parsed")) {
		is_int(survey.verdict, 3, "verdict 3 kept");
		is_str(dda_verdict_name(survey.verdict), "unknown",
		       "verdict 3 is unknown");
		dda_survey_free(&survey);
	}
}

static void test_nested_flag(void)
{
	struct dda_survey survey;
	struct nl_msg *msg;

	/* The kernel's nla_nest_start() sets NLA_F_NESTED; libnl may not. */
	msg = survey_msg(BIT(DDA_A_SURVEY_FINDING));
	put_finding_as(msg, DDA_A_SURVEY_FINDING | NLA_F_NESTED,
		       &findings[0], 0);
	put_finding_as(msg, DDA_A_SURVEY_FINDING, &findings[1], 0);
	if (!is_int(parse(msg, &survey), 0, "NLA_F_NESTED: parsed"))
		return;
	findings_are(&survey, findings, 2, "NLA_F_NESTED or not");
	dda_survey_free(&survey);
}

static void test_headers(void)
{
	refused(nlmsg_alloc_simple(FAMILY, 0), "no generic netlink header");
}

/* A survey of device 0000:<bus>:00.0, with n of the findings above. */
static struct nl_msg *survey_of(unsigned int bus, size_t n)
{
	struct nl_msg *msg = msg_new();
	char address[DDA_ADDRESS_LEN + 1];
	size_t i;

	snprintf(address, sizeof(address), "0000:%02x:00.0", bus & 0xff);
	nla_put_string(msg, DDA_A_DEV_ADDRESS, address);
	for (i = 0; i < n; i++)
		put_finding(msg, &findings[i], 0);
	nla_put_u32(msg, DDA_A_SURVEY_VERDICT, n % 3);
	return msg;
}

static int survey_parse_item(struct nlmsghdr *nlh, void *item)
{
	return dda_survey_parse(nlh, item);
}

/* A survey dump through the collector dda_survey_list() uses. */
static void test_list_reply(void)
{
	struct dda_collect reply = {
		.elem = sizeof(struct dda_survey),
		.parse = survey_parse_item,
	};
	struct dda_survey *surveys;
	struct nl_msg *msg;
	unsigned int bus;
	size_t i;
	int err;

	/* More than the first allocation holds. */
	for (bus = 0; bus < 70; bus++) {
		msg = survey_of(bus, bus % (ARRAY_SIZE(findings) + 1));
		err = dda_collect_reply(nlmsg_hdr(msg), &reply);
		nlmsg_free(msg);
		if (err)
			break;
	}
	is_int(err, 0, "list: 70 surveys taken");
	surveys = reply.items;
	if (!is_int(reply.count, 70, "list: 70 surveys"))
		goto out;
	for (i = 0; i < reply.count; i++) {
		char want[DDA_ADDRESS_LEN + 1];

		snprintf(want, sizeof(want), "0000:%02x:00.0",
			 (unsigned int)(i & 0xff));
		if (strcmp(surveys[i].address, want) ||
		    surveys[i].n_findings !=
		    i % (ARRAY_SIZE(findings) + 1) ||
		    surveys[i].verdict !=
		    (enum dda_verdict)(surveys[i].n_findings % 3))
			break;
	}
	is_int(i, reply.count, "list: every survey in the order it came");
	ok(reply.count < 5 || !strcmp(surveys[4].findings[3].text,
				      findings[3].text),
	   "list: the findings of each");

	msg = survey_msg(BIT(DDA_A_SURVEY_VERDICT));
	is_int(dda_collect_reply(nlmsg_hdr(msg), &reply), -EBADMSG,
	       "list: a malformed survey refused");
	nlmsg_free(msg);
	is_int(reply.count, 70, "list: and not counted");
out:
	dda_survey_list_free(reply.items, reply.count);
	dda_survey_list_free(NULL, 0);
}

static void test_get_address(void)
{
	struct dda dda = { 0 };
	struct dda_survey survey;

	/* Refused before anything is sent: the handle's socket is NULL. */
	is_int(dda_survey_get(&dda, "0000:00:20.0", &survey), -EINVAL,
	       "dda_survey_get() of no address");
	ok(strstr(dda_error(&dda), "'0000:00:20.0' is not a PCI address"),
	   "dda_survey_get() of no address: dda_error() names it");
	is_int(dda_survey_get(&dda, NULL, &survey), -EINVAL,
	       "dda_survey_get() of NULL");
}

int main(void)
{
	test_full();
	test_order();
	test_no_findings();
	test_many_findings();
	test_missing();
	test_sizes();
	test_addresses();
	test_unknown();
	test_nested_flag();
	test_headers();
	test_list_reply();
	test_get_address();
	return unit_done();
}
