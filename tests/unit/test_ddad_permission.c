// SPDX-License-Identifier: GPL-2.0-only
/*
 * Who may do what in ddad, as units: peer_may() and its message, the
 * credentials read from a socket, the audit line, and requests for a
 * state-changing op (one of this test's own, as ddad has none yet) from
 * root, from the --group and from anyone else, through the protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>

#include "ddad.h"
#include "log.h"
#include "ops.h"
#include "permission.h"
#include "protocol.h"
#include "reconcile.h"
#include "unit.h"
#include "util.h"

/*
 * ops.c's status needs the view, which reconciles once read: not here.
 * This stands in for reconcile.c, which is then not linked.
 */
void reconcile(struct ddad *ddad)
{
	(void)ddad;
}

#define GROUP		4321

static const struct op read_only = { .name = "status" };
static const struct op changing = { .name = "dismount",
				    .changes_state = true };

static void test_peer_may(void)
{
	const struct ddad_config root_only = { 0 };
	const struct ddad_config group = { .group_name = "dda",
					   .group = GROUP };
	gid_t in[] = { 10, GROUP }, out[] = { 10, 20 };
	const struct peer root = { .pid = 1, .uid = 0, .gid = 0 };
	const struct peer user = { .pid = 2, .uid = 1000, .gid = 100 };
	const struct peer primary = { .pid = 3, .uid = 1000, .gid = GROUP };
	const struct peer member = { .pid = 4, .uid = 1000, .gid = 100,
				     .groups = in, .ngroups = 2 };
	const struct peer other = { .pid = 5, .uid = 1000, .gid = 100,
				    .groups = out, .ngroups = 2 };
	char buf[128];

	ok(peer_may(&user, &read_only, &root_only),
	   "anyone may run a read-only op");
	ok(peer_may(&root, &changing, &root_only),
	   "root may change state");
	ok(!peer_may(&user, &changing, &root_only),
	   "uid 1000 may not change state without --group");
	ok(!peer_may(&primary, &changing, &root_only),
	   "nor may a member of a group when there is no --group");
	ok(peer_may(&root, &changing, &group), "root may, with --group");
	ok(peer_may(&primary, &changing, &group),
	   "the group as the primary group may");
	ok(peer_may(&member, &changing, &group),
	   "the group as a supplementary group may");
	ok(!peer_may(&other, &changing, &group),
	   "other groups may not");
	ok(!peer_may(&user, &changing, &group), "no groups may not");
	ok(peer_may(&other, &read_only, &group),
	   "anyone may still read with --group");

	permission_message(buf, sizeof(buf), &changing, &group);
	is_str(buf, "dismount needs root or group dda",
	       "the message names the group");
	permission_message(buf, sizeof(buf), &changing, &root_only);
	is_str(buf, "dismount needs root", "without --group: root");
}

static bool same_groups(const gid_t *a, size_t n, const gid_t *b, size_t m)
{
	size_t i, j;

	if (n != m)
		return false;
	for (i = 0; i < n; i++) {
		for (j = 0; j < m && a[i] != b[j]; j++)
			;
		if (j == m)
			return false;
	}
	return true;
}

static void test_peer_from_socket(void)
{
	gid_t groups[NGROUPS_MAX];
	struct peer peer;
	int sv[2], n;

	if (!ok(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv), "a socket pair"))
		return;
	is_int(peer_from_socket(sv[0], &peer), 0, "peer_from_socket");
	is_int(peer.pid, getpid(), "peer_from_socket: the pid");
	is_int(peer.uid, geteuid(), "peer_from_socket: the uid");
	is_int(peer.gid, getegid(), "peer_from_socket: the gid");
	n = getgroups(NGROUPS_MAX, groups);
	ok(n >= 0 && same_groups(peer.groups, peer.ngroups, groups, n),
	   "peer_from_socket: the supplementary groups (%zu)", peer.ngroups);
	peer_release(&peer);
	ok(!peer.groups && !peer.ngroups, "peer_release");
	close(sv[0]);
	close(sv[1]);

	is_int(peer_from_socket(-1, &peer), -EBADF,
	       "peer_from_socket of no socket: -EBADF");
}

/* A peer with many supplementary groups: SO_PEERGROUPS asks for room. */
static void test_peer_groups(void)
{
	struct peer peer;
	gid_t many[100];
	pid_t pid;
	int i, sv[2], status;

	if (geteuid()) {
		ok(1, "# SKIP not root: cannot set the groups");
		return;
	}
	for (i = 0; i < 100; i++)
		many[i] = 5000 + i;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		if (setgroups(100, many) ||
		    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
		    peer_from_socket(sv[0], &peer))
			_exit(2);
		_exit(same_groups(peer.groups, peer.ngroups, many, 100) ?
		      0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && !WEXITSTATUS(status),
	   "peer_from_socket: 100 supplementary groups");
}

static void test_audit_format(void)
{
	const struct peer peer = { .pid = 4242, .uid = 1000, .gid = 100 };
	char buf[512], long_vm[101];

	audit_format(buf, sizeof(buf), &peer, "dismount", "0000:03:00.0",
		     NULL, -EPERM);
	is_str(buf, "uid=1000 pid=4242 op=dismount address=0000:03:00.0 vm=- result=error EPERM",
	       "audit: a refusal");
	audit_format(buf, sizeof(buf), &peer, "assign", "0000:03:00.0",
		     "win11", 0);
	is_str(buf, "uid=1000 pid=4242 op=assign address=0000:03:00.0 vm=win11 result=ok",
	       "audit: a success");
	audit_format(buf, sizeof(buf), &peer, "assign", "",
		     "a b\nuid=0 result=ok", -EBUSY);
	is_str(buf, "uid=1000 pid=4242 op=assign address=- vm=a?b?uid?0?result?ok result=error EBUSY",
	       "audit: blanks and newlines of a request cannot forge fields");
	memset(long_vm, 'v', 100);
	long_vm[100] = '\0';
	audit_format(buf, sizeof(buf), &peer, "assign", NULL, long_vm, 0);
	ok(strstr(buf, " vm=vvvv") && strlen(strstr(buf, " vm=")) ==
	   strlen(" vm=") + 64 + strlen(" result=ok"),
	   "audit: a long value is cut at 64 characters");

	is_str(errno_name(EINVAL), "EINVAL", "errno_name(EINVAL)");
	is_str(errno_name(-ENOENT), "ENOENT", "errno_name(-ENOENT)");
	is_str(errno_name(-E2BIG), "E2BIG", "errno_name(-E2BIG)");
	is_str(errno_name(99999), "EIO", "errno_name of no errno: EIO");
}

/* This test's ops: one read-only, two that change state. */
static int poked;

static int op_poke(struct ddad *ddad, struct json_object *request,
		   struct reply *reply)
{
	(void)ddad;
	(void)request;
	(void)reply;
	poked++;
	return 0;
}

static int op_jam(struct ddad *ddad, struct json_object *request,
		  struct reply *reply)
{
	(void)ddad;
	(void)request;
	return reply_error(reply, -EBUSY, "0000:03:00.0 is busy");
}

static const char *const poke_args[] = { "address", "vm", NULL };

static const struct op test_ops[] = {
	{ .name = "version", .run = op_version },
	{ .name = "poke", .run = op_poke, .changes_state = true,
	  .args = poke_args },
	{ .name = "jam", .run = op_jam, .changes_state = true,
	  .args = poke_args },
};

static const struct op_table test_table = { test_ops, ARRAY_SIZE(test_ops) };

static char capture_path[PATH_MAX];
static int stderr_saved = -1;

/* Sends stderr, where the audit lines also go, to a file. */
static void capture_start(void)
{
	int fd;

	fflush(stderr);
	stderr_saved = dup(2);
	fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0600);
	if (fd < 0 || dup2(fd, 2) < 0)
		ok(0, "capturing stderr: %s", strerror(errno));
	close(fd);
}

static void capture_end(char *buf, size_t size)
{
	ssize_t n = -1;
	int fd;

	fflush(stderr);
	dup2(stderr_saved, 2);
	close(stderr_saved);
	fd = open(capture_path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	unlink(capture_path);
}

/* Asks request of ddad as peer; the reply as JSON text, to free(). */
static char *ask(struct ddad *ddad, const struct peer *peer,
		 const char *request)
{
	struct json_object *reply;
	struct call *call;
	char *text;

	reply = protocol_answer(ddad, &test_table, peer, request,
				strlen(request), &call);
	if (call)
		return strdup("deferred");
	text = strdup(reply ? json_object_to_json_string_ext(reply,
			JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) :
		      "NULL");
	json_object_put(reply);
	return text;
}

#define is_reply(ddad, peer, request, want, what) do {			\
	char *got_ = ask(ddad, peer, request);				\
	is_str(got_, want, what);					\
	free(got_);							\
} while (0)

static void test_requests(void)
{
	const char *poke = "{\"id\":1,\"op\":\"poke\",\"address\":\"0000:03:00.0\",\"vm\":\"win11\"}";
	gid_t in[] = { GROUP };
	const struct peer root = { .pid = 10, .uid = 0, .gid = 0 };
	const struct peer user = { .pid = 11, .uid = 1000, .gid = 100 };
	const struct peer member = { .pid = 12, .uid = 1001, .gid = 100,
				     .groups = in, .ngroups = 1 };
	struct ddad ddad = { 0 };
	char log[4096];

	snprintf(capture_path, sizeof(capture_path), "%s/ddad-audit-%d",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	log_open(true);
	capture_start();

	is_reply(&ddad, &user, poke,
		 "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"EPERM\",\"message\":\"poke needs root\"}}",
		 "uid 1000, no --group: poke refused");
	is_reply(&ddad, &user, "{\"id\":2,\"op\":\"version\"}",
		 "{\"id\":2,\"ok\":true,\"result\":{\"version\":\"" DDA_VERSION "\",\"protocol\":1}}",
		 "uid 1000: version served");
	is_reply(&ddad, &root, poke, "{\"id\":1,\"ok\":true,\"result\":null}",
		 "root: poke done");

	ddad.config.group_name = "dda";
	ddad.config.group = GROUP;
	is_reply(&ddad, &user, "{\"op\":\"poke\",\"address\":\"x y\\nz\"}",
		 "{\"id\":null,\"ok\":false,\"error\":{\"code\":\"EPERM\",\"message\":\"poke needs root or group dda\"}}",
		 "uid 1000, --group dda: poke refused");
	is_reply(&ddad, &member, poke, "{\"id\":1,\"ok\":true,\"result\":null}",
		 "a member of dda: poke done");
	is_reply(&ddad, &root, "{\"id\":3,\"op\":\"jam\",\"address\":\"0000:03:00.0\"}",
		 "{\"id\":3,\"ok\":false,\"error\":{\"code\":\"EBUSY\",\"message\":\"0000:03:00.0 is busy\"}}",
		 "root: jam fails with its own error");
	is_reply(&ddad, &root, "{\"id\":4,\"op\":\"poke\",\"force\":true}",
		 "{\"id\":4,\"ok\":false,\"error\":{\"code\":\"EINVAL\",\"message\":\"poke takes no argument \\\"force\\\"\"}}",
		 "root: poke with an argument it does not take");
	is_reply(&ddad, &user, "{\"id\":5,\"op\":\"unpoke\"}",
		 "{\"id\":5,\"ok\":false,\"error\":{\"code\":\"EOPNOTSUPP\",\"message\":\"unknown op \\\"unpoke\\\"\"}}",
		 "an unknown op: not audited");

	capture_end(log, sizeof(log));
	log_open(false);
	is_int(poked, 2, "poke ran twice, for root and the member");
	is_str(log,
	       "ddad: uid=1000 pid=11 op=poke address=0000:03:00.0 vm=win11 result=error EPERM\n"
	       "ddad: uid=0 pid=10 op=poke address=0000:03:00.0 vm=win11 result=ok\n"
	       "ddad: uid=1000 pid=11 op=poke address=x?y?z vm=- result=error EPERM\n"
	       "ddad: uid=1001 pid=12 op=poke address=0000:03:00.0 vm=win11 result=ok\n"
	       "ddad: uid=0 pid=10 op=jam address=0000:03:00.0 vm=- result=error EBUSY\n"
	       "ddad: uid=0 pid=10 op=poke address=- vm=- result=error EINVAL\n",
	       "one audit line per state-changing request, refused or not");
}

/*
 * Whether a file's mode grants a peer access, as the kernel judges: the
 * owner's bits for its owner, the group's for its groups, else the
 * others'; root always. What vm_add asks of an admin-group member.
 */
static void test_peer_mode(void)
{
	static gid_t more[] = { 77 };
	const struct peer user = { .uid = 1000, .gid = 100, .groups = more,
				   .ngroups = 1 };
	const struct peer rootp = { .uid = 0, .gid = 0 };
	static const struct {
		uid_t uid;
		gid_t gid;
		mode_t mode;
		mode_t mask;
		bool user, root;
		const char *what;
	} rows[] = {
		{ 1000, 5, 0700, S_IWOTH, true, true, "its own, 0700: write" },
		{ 1000, 5, 0077, S_IWOTH, false, true, "its own, 0077: the owner's bits count, not the others'" },
		{ 0, 100, 0770, S_IWOTH, true, true, "its group, 0770" },
		{ 0, 77, 0750, S_IWOTH, false, true, "a supplementary group, 0750: no write" },
		{ 0, 77, 0750, S_IXOTH, true, true, "a supplementary group, 0750: search" },
		{ 0, 0, 0755, S_IWOTH, false, true, "root's socket 0755: not for it" },
		{ 0, 0, 0777, S_IWOTH, true, true, "root's socket 0777" },
		{ 0, 0, 0700, S_IXOTH, false, true, "root's directory 0700: no search" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct stat st = { .st_uid = rows[i].uid, .st_gid = rows[i].gid,
				   .st_mode = S_IFSOCK | rows[i].mode };

		is_int(peer_mode_allows(&user, &st, rows[i].mask),
		       rows[i].user, "uid 1000: %s", rows[i].what);
		is_int(peer_mode_allows(&rootp, &st, rows[i].mask),
		       rows[i].root, "root: %s", rows[i].what);
	}
}

/* What a guest or a path says reaches the log escaped, and cut to fit. */
static void test_log_escape(void)
{
	static const struct {
		const char *text;
		size_t size;
		const char *want;
	} rows[] = {
		{ "/run/g1.qmp", 64, "/run/g1.qmp" },
		{ "line\nForged: root", 64, "line\\x0aForged: root" },
		{ "\x1b[31mred", 64, "\\x1b[31mred" },
		{ "back\\slash", 64, "back\\x5cslash" },
		{ "\xc3\xa9t\xc3\xa9", 64, "\\xc3\\xa9t\\xc3\\xa9" },
		{ "0123456789abcdef", 12, "0123456..." },
		{ "", 8, "" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		is_str(log_escape(rows[i].text, buf, rows[i].size), rows[i].want,
		       "log_escape row %zu", i);
}

int main(void)
{
	log_open(false);
	log_started();

	test_peer_may();
	test_peer_mode();
	test_log_escape();
	test_peer_from_socket();
	test_peer_groups();
	test_audit_format();
	test_requests();

	log_close();
	return unit_done();
}
