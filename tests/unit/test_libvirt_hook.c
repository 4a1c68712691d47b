// SPDX-License-Identifier: GPL-2.0-only
/*
 * The qemu hook (daemon/hooks/qemu_hook.c): which calls reach ddad, the
 * request it sends for a domain's XML, and how it reads ddad's answer.
 */
#define QEMU_HOOK_NO_MAIN
#include "../../daemon/hooks/qemu_hook.c"

#include "unit.h"
#include "util.h"

#define XML \
	"<domain type='kvm'><name>vm1</name><devices>" \
	"<hostdev mode='subsystem' type='pci' managed='no'><source>" \
	"<address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>" \
	"<hostdev mode='subsystem' type='pci' managed='yes'><source>" \
	"<address domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></source></hostdev>" \
	"<hostdev mode='subsystem' type='usb'><source><vendor id='0x1'/></source></hostdev>" \
	"</devices></domain>"
#define DOMAIN_BAD \
	"<domain><devices><hostdev mode='subsystem' type='pci'><source>" \
	"<address slot='0' function='0'/></source></hostdev></devices></domain>"
#define NO_HOSTDEV "<domain><name>vm2</name><devices><disk/></devices></domain>"

static enum hook_action run(const char *op, const char *subop, const char *xml,
			    const char **json, struct json_object **req,
			    char *err)
{
	enum hook_action a;

	err[0] = 0;
	a = hook_request("vm1", op, subop, xml, strlen(xml), req, err, 256);
	*json = *req ? json_object_to_json_string_ext(*req, JSON_C_TO_STRING_PLAIN) : "";
	return a;
}

static void test_calls(void)
{
	static const char *const quiet[][2] = {
		{ "start", "begin" }, { "started", "begin" }, { "stopped", "end" },
		{ "prepare", "end" }, { "release", "begin" }, { "migrate", "begin" },
		{ "restore", "begin" }, { "reconnect", "begin" }, { "attach", "begin" },
	};
	struct json_object *req;
	const char *json;
	char err[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(quiet); i++) {
		ok(run(quiet[i][0], quiet[i][1], XML, &json, &req, err) == HOOK_NOTHING && !req,
		   "'%s %s': nothing asked of ddad", quiet[i][0], quiet[i][1]);
	}
	ok(run("prepare", "begin", NO_HOSTDEV, &json, &req, err) == HOOK_NOTHING && !req,
	   "'prepare begin' of a domain without PCI devices: nothing asked");
	ok(run("release", "end", NO_HOSTDEV, &json, &req, err) == HOOK_NOTHING && !req,
	   "'release end' of a domain without PCI devices: nothing asked");
}

static void test_requests(void)
{
	struct json_object *req;
	const char *json;
	char err[256];

	is_int(run("prepare", "begin", XML, &json, &req, err), HOOK_ASK,
	       "'prepare begin' with PCI hostdevs asks ddad");
	is_str(json,
	       "{\"id\":1,\"op\":\"libvirt_prepare\",\"domain\":\"vm1\",\"hostdevs\":["
	       "{\"address\":\"0000:01:00.0\",\"managed\":false},"
	       "{\"address\":\"0000:00:02.0\",\"managed\":true}]}",
	       "libvirt_prepare names each PCI hostdev and whether it is managed, not the USB one");
	json_object_put(req);

	is_int(run("release", "end", XML, &json, &req, err), HOOK_ASK,
	       "'release end' with PCI hostdevs asks ddad");
	is_str(json, "{\"id\":1,\"op\":\"libvirt_release\",\"domain\":\"vm1\"}",
	       "libvirt_release names the domain");
	json_object_put(req);

	is_int(run("prepare", "begin", "<domain><devices><hostdev type='pci'>", &json, &req, err),
	       HOOK_FAIL, "'prepare begin' with XML the hook cannot read fails the start");
	ok(strstr(err, "not well-formed") != NULL, "saying why: %s", err);
	is_int(run("prepare", "begin", DOMAIN_BAD, &json, &req, err), HOOK_FAIL,
	       "a hostdev without a bus fails the start");
	ok(strstr(err, "has no bus") != NULL, "saying why: %s", err);
	is_int(run("release", "end", "<domain", &json, &req, err), HOOK_NOTHING,
	       "'release end' with unreadable XML: nothing to stop");
}

static void test_replies(void)
{
	char err[256];

	is_int(hook_reply("{\"id\":1,\"ok\":true,\"result\":{}}\n", err, sizeof(err)), 0,
	       "ok: the hook succeeds");
	is_int(hook_reply("{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EPERM\","
			  "\"message\":\"0000:00:02.0 is quarantined by dda: write managed='no'\"}}\n",
			  err, sizeof(err)), -1, "a refusal: the hook fails");
	is_str(err, "0000:00:02.0 is quarantined by dda: write managed='no'",
	       "with ddad's message");
	is_int(hook_reply("{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EOPNOTSUPP\","
			  "\"message\":\"unknown op \\\"libvirt_prepare\\\"\"}}\n", err, sizeof(err)),
	       -1, "a ddad that does not know the hook's ops: fails");
	is_str(err, "ddad does not know the hook's requests (unknown op \"libvirt_prepare\"): "
	       "it is older than this hook; update ddad, or remove the hook", "saying what to do");
	is_int(hook_reply("nonsense\n", err, sizeof(err)), -1, "not JSON: fails");
	is_str(err, "ddad's answer is not a JSON object", "saying so");
	is_int(hook_reply("{\"ok\":false}\n", err, sizeof(err)), -1, "a refusal without error: fails");
	is_str(err, "ddad refused, without saying why", "saying so");
	is_int(hook_reply("[true]\n", err, sizeof(err)), -1, "an array: fails");
}

int main(void)
{
	test_calls();
	test_requests();
	test_replies();
	return unit_done();
}
