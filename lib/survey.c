// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Surveys: DDA_CMD_DEV_SURVEY, may a device be assigned, and why not; for
 * one device or a dump of them all.
 *
 * A survey message carries DDA_A_SURVEY_FINDING once per finding, so it is
 * read attribute by attribute rather than into a table, which would keep
 * only the last. As with device messages, everything is checked before it
 * is believed, and attributes this version does not know are skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "internal.h"

int dda_finding_parse(struct nlattr *nla, struct dda_finding *out)
{
	struct nlattr *tb[DDA_A_FINDING_MAX + 1];
	struct dda_finding f;
	uint32_t check, severity;

	if (nla_parse_nested(tb, DDA_A_FINDING_MAX, nla, NULL) < 0 ||
	    !tb[DDA_A_FINDING_CHECK] || !tb[DDA_A_FINDING_SEVERITY] ||
	    !tb[DDA_A_FINDING_TEXT] ||
	    dda_attr_u32(tb[DDA_A_FINDING_CHECK], &check) ||
	    dda_attr_u32(tb[DDA_A_FINDING_SEVERITY], &severity) ||
	    dda_attr_string(tb[DDA_A_FINDING_TEXT], f.text, sizeof(f.text)))
		return -EBADMSG;
	f.check = check;
	f.severity = severity;
	*out = f;
	return 0;
}

int dda_survey_parse(struct nlmsghdr *nlh, struct dda_survey *out)
{
	struct dda_survey survey = { 0 };
	struct dda_finding *findings;
	struct genlmsghdr *ghdr;
	bool address = false, verdict = false;
	size_t size = 0;
	struct nlattr *nla;
	uint32_t u32;
	int rem, err = -EBADMSG;

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EBADMSG;
	ghdr = nlmsg_data(nlh);
	nla_for_each_attr(nla, genlmsg_attrdata(ghdr, 0),
			  genlmsg_attrlen(ghdr, 0), rem) {
		switch (nla_type(nla)) {
		case DDA_A_DEV_ADDRESS:
			if (dda_attr_address(nla, survey.address))
				goto fail;
			address = true;
			break;
		case DDA_A_SURVEY_VERDICT:
			if (dda_attr_u32(nla, &u32))
				goto fail;
			survey.verdict = u32;
			verdict = true;
			break;
		case DDA_A_SURVEY_FINDING:
			if (survey.n_findings == size) {
				size = size ? 2 * size : 16;
				findings = reallocarray(survey.findings, size,
							sizeof(*findings));
				if (!findings) {
					err = -ENOMEM;
					goto fail;
				}
				survey.findings = findings;
			}
			if (dda_finding_parse(nla,
					      &survey.findings[survey.n_findings]))
				goto fail;
			survey.n_findings++;
			break;
		}
	}
	if (!address || !verdict)
		goto fail;

	*out = survey;
	return 0;

fail:
	dda_survey_free(&survey);
	return err;
}

void dda_survey_free(struct dda_survey *survey)
{
	if (!survey)
		return;
	free(survey->findings);
	survey->findings = NULL;
	survey->n_findings = 0;
}

void dda_survey_list_free(struct dda_survey *surveys, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		dda_survey_free(&surveys[i]);
	free(surveys);
}

struct dda_survey_get_reply {
	struct dda_survey survey;
	bool found;
};

static int dda_survey_get_reply(struct nlmsghdr *nlh, void *arg)
{
	struct dda_survey_get_reply *reply = arg;
	int err;

	if (reply->found)
		return -EBADMSG;	/* one device asked, one answered */
	err = dda_survey_parse(nlh, &reply->survey);
	if (err)
		return err;
	reply->found = true;
	return 0;
}

int dda_survey_get(struct dda *dda, const char *address,
		   struct dda_survey *out)
{
	struct dda_survey_get_reply reply = { 0 };
	char canonical[DDA_ADDRESS_LEN + 1];
	struct nl_msg *msg;
	int err;

	dda->error[0] = '\0';
	err = dda_address_arg(dda, address, canonical);
	if (err)
		return err;

	msg = dda_msg_new(dda, DDA_CMD_DEV_SURVEY, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, DDA_A_DEV_ADDRESS, canonical) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = dda_request(dda, msg, dda_survey_get_reply, &reply);
	nlmsg_free(msg);
	if (err) {
		dda_survey_free(&reply.survey);
		return err;
	}
	if (!reply.found) {
		dda_set_error(dda, "dda.ko acknowledged without a survey");
		return -EBADMSG;
	}
	*out = reply.survey;
	return 0;
}

static int dda_survey_parse_item(struct nlmsghdr *nlh, void *item)
{
	return dda_survey_parse(nlh, item);
}

static void dda_survey_drop_item(void *item)
{
	dda_survey_free(item);
}

int dda_survey_list(struct dda *dda, struct dda_survey **out, size_t *count)
{
	struct dda_collect c = {
		.elem = sizeof(struct dda_survey),
		.parse = dda_survey_parse_item,
		.drop = dda_survey_drop_item,
	};
	int err;

	*out = NULL;
	*count = 0;
	err = dda_dump(dda, DDA_CMD_DEV_SURVEY, &c);
	if (err) {
		dda_survey_list_free(c.items, c.count);
		return err;
	}
	*out = c.items;
	*count = c.count;
	return 0;
}
