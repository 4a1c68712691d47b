// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad's files, as units: state.json written atomically, read back, kept in
 * line with what dda.ko reports, and set aside when corrupt; the
 * single-instance lock; directories made on demand; the ISO-8601 times.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "fs.h"
#include "isotime.h"
#include "log.h"
#include "operation.h"
#include "state.h"
#include "state_json.h"
#include "state_sync.h"
#include "unit.h"
#include "util.h"

static char top[PATH_MAX];

static void path_of(char *out, const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		ok(0, "a path too long: %s/%s", dir, name);
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

static void file_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		ok(0, "writing %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void file_read(const char *path, char *buf, size_t size)
{
	ssize_t n = -1;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
}

/* How many entries of dir begin with prefix; removes them with remove. */
static int entries(const char *dir, const char *prefix, bool remove)
{
	char path[PATH_MAX];
	struct dirent *e;
	int n = 0;
	DIR *d;

	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		n++;
		path_of(path, dir, e->d_name);
		if (remove && unlink(path) && rmdir(path))
			ok(0, "removing %s", path);
	}
	if (d)
		closedir(d);
	return n;
}

/* A fresh, empty directory under top. */
static void dir_new(char *out, const char *name)
{
	path_of(out, top, name);
	if (mkdir(out, 0755))
		ok(0, "mkdir %s: %s", out, strerror(errno));
}

static void test_time(void)
{
	char buf[TIME_SIZE];
	time_t t;

	time_format(0, buf);
	is_str(buf, "1970-01-01T00:00:00Z", "time_format(0)");
	time_format(1738324800, buf);
	is_str(buf, "2025-01-31T12:00:00Z", "time_format(2025-01-31 noon)");
	is_int(time_parse("2025-01-31T12:00:00Z", &t), 0, "time_parse");
	is_int(t, 1738324800, "time_parse: the time");
	is_int(time_parse("2025-1-31T12:00:00Z", &t), -EINVAL,
	       "time_parse: a missing digit");
	is_int(time_parse("2025-01-31T12:00:00", &t), -EINVAL,
	       "time_parse: no Z");
	is_int(time_parse("2025-01-31T12:00:00+01:00", &t), -EINVAL,
	       "time_parse: not UTC");
	is_int(time_parse("2025-02-30T12:00:00Z", &t), -EINVAL,
	       "time_parse: February 30th");
	is_int(time_parse("2025-01-31T12:00:00Z ", &t), -EINVAL,
	       "time_parse: trailing blank");
	is_int(time_parse("", &t), -EINVAL, "time_parse: empty");
}

static void test_mkdir(void)
{
	char path[PATH_MAX], file[PATH_MAX];

	path_of(path, top, "a/b//c/");
	is_int(mkdir_parents(path, 0755), 0, "mkdir_parents a/b//c/");
	path_of(path, top, "a/b/c");
	ok(exists(path), "a/b/c exists");
	is_int(mkdir_parents(path, 0755), 0, "mkdir_parents: it exists");
	path_of(file, top, "a/file");
	file_write(file, "x");
	path_of(path, top, "a/file/d");
	is_int(mkdir_parents(path, 0755), -ENOTDIR,
	       "mkdir_parents through a file: -ENOTDIR");
	is_int(mkdir_parents(file, 0755), -ENOTDIR,
	       "mkdir_parents of a file: -ENOTDIR");
}

static void test_lock(void)
{
	char dir[PATH_MAX], path[PATH_MAX], buf[64], want[32];
	pid_t holder = -1;
	int fd, fd2;

	dir_new(dir, "lock");
	fd = instance_lock(dir, &holder);
	ok(fd >= 0, "instance_lock: taken");
	path_of(path, dir, "ddad.lock");
	file_read(path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%d\n", (int)getpid());
	is_str(buf, want, "instance_lock: our pid in ddad.lock");

	fd2 = instance_lock(dir, &holder);
	is_int(fd2, -EWOULDBLOCK, "instance_lock again: -EWOULDBLOCK");
	is_int(holder, getpid(), "instance_lock again: the holder's pid");

	close(fd);
	fd2 = instance_lock(dir, &holder);
	ok(fd2 >= 0, "instance_lock once released: taken");
	close(fd2);
}

static void test_write_atomic(void)
{
	char dir[PATH_MAX], path[PATH_MAX], buf[64], sub[PATH_MAX];
	struct stat st;

	dir_new(dir, "atomic");
	path_of(path, dir, "f");
	is_int(write_atomic(dir, "f", "one\n", 4, 0600), 0,
	       "write_atomic: a new file");
	file_read(path, buf, sizeof(buf));
	is_str(buf, "one\n", "write_atomic: its content");
	ok(!stat(path, &st) && (st.st_mode & 07777) == 0600,
	   "write_atomic: its mode");
	is_int(write_atomic(dir, "f", "two\n", 4, 0644), 0,
	       "write_atomic: replacing it");
	file_read(path, buf, sizeof(buf));
	is_str(buf, "two\n", "write_atomic: the new content");
	is_int(entries(dir, "f.tmp-", false), 0,
	       "write_atomic: no temporary file left");

	/* A rename that fails leaves the old file and no temporary file. */
	path_of(sub, dir, "d");
	mkdir(sub, 0755);
	path_of(path, sub, "x");
	file_write(path, "x");
	ok(write_atomic(dir, "d", "three\n", 6, 0600) < 0,
	   "write_atomic over a directory that is not empty: an error");
	ok(exists(path), "write_atomic failed: the old one is there");
	is_int(entries(dir, "d.tmp-", false), 0,
	       "write_atomic failed: no temporary file left");

	path_of(path, top, "no-such-dir");
	is_int(write_atomic(path, "f", "x", 1, 0600), -ENOENT,
	       "write_atomic into no directory: -ENOENT");
}

static const struct dda_device devs_first[] = {
	{ .address = "0000:00:03.0", .state = DDA_STATE_HOST },
	{ .address = "0000:00:05.0", .state = DDA_STATE_ASSIGNED },
	{ .address = "0000:00:04.0", .state = DDA_STATE_QUARANTINED },
};

static const struct dda_device devs_later[] = {
	{ .address = "0000:00:03.0", .state = DDA_STATE_QUARANTINED },
	{ .address = "0000:00:04.0", .state = DDA_STATE_ASSIGNED },
	{ .address = "0000:00:05.0", .state = DDA_STATE_HOST },
};

#define T0	1738324800	/* 2025-01-31T12:00:00Z */

static void test_state_round_trip(void)
{
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX], buf[4096];
	struct state state;
	struct state_device *d;
	struct stat st;
	size_t len;

	dir_new(dir, "state");
	path_of(path, dir, "state.json");
	path_of(tmp, dir, "state.json.tmp-AbCdEf");
	file_write(tmp, "half a state");

	is_int(state_load(&state, dir), 0, "state_load of no file");
	is_int(state.count, 0, "no file: no devices");
	ok(!exists(tmp), "state_load removes a temporary file left behind");
	is_int(state_save(&state), 0, "state_save, nothing changed");
	ok(!exists(path), "nothing changed: no file written");

	ok(state_sync(&state, devs_first, 3, T0), "state_sync: changed");
	ok(state.dirty, "state_sync: dirty");
	is_int(state.count, 2, "state_sync: the quarantined and the assigned");
	is_str(state.devices[0].address, "0000:00:04.0",
	       "state_sync: sorted by address");
	is_int(state.devices[0].state, DDA_STATE_QUARANTINED,
	       "state_sync: 04.0 quarantined");
	is_int(state.devices[1].state, DDA_STATE_ASSIGNED,
	       "state_sync: 05.0 assigned");
	is_int(state.devices[0].since, T0, "state_sync: since now");
	ok(!state.devices[1].vm, "state_sync: no vm known");
	state.devices[1].vm = strdup("win11");

	is_int(state_save(&state), 0, "state_save");
	ok(!state.dirty, "state_save: clean");
	ok(!stat(path, &st) && (st.st_mode & 07777) == 0600,
	   "state.json has mode 0600");
	file_read(path, buf, sizeof(buf));
	len = strlen(buf);
	ok(len && buf[len - 1] == '\n', "state.json ends with a newline");
	ok(strstr(buf, "\"since\": \"2025-01-31T12:00:00Z\""),
	   "state.json: since in ISO-8601");
	is_int(entries(dir, "state.json.tmp-", false), 0,
	       "state_save: no temporary file left");
	state_release(&state);

	is_int(state_load(&state, dir), 0, "state_load of what was saved");
	is_int(state.count, 2, "read back: two devices");
	d = state_find(&state, "0000:00:05.0");
	ok(d && d->state == DDA_STATE_ASSIGNED && d->since == T0 &&
	   d->vm && !strcmp(d->vm, "win11"), "read back: 05.0 as it was");
	d = state_find(&state, "0000:00:04.0");
	ok(d && d->state == DDA_STATE_QUARANTINED && d->since == T0 &&
	   !d->vm, "read back: 04.0 as it was");
	ok(!state.dirty, "read back: clean");

	ok(!state_sync(&state, devs_first, 3, T0 + 60),
	   "state_sync, the same devices later: nothing changed");
	ok(!state.dirty, "nothing changed: clean");
	d = state_find(&state, "0000:00:05.0");
	ok(d && d->since == T0, "nothing changed: since kept");

	ok(state_sync(&state, devs_later, 3, T0 + 60),
	   "state_sync, the devices moved: changed");
	is_int(state.count, 2, "moved: 03.0 and 04.0");
	d = state_find(&state, "0000:00:03.0");
	ok(d && d->state == DDA_STATE_QUARANTINED && d->since == T0 + 60,
	   "moved: 03.0 quarantined since then");
	d = state_find(&state, "0000:00:04.0");
	ok(d && d->state == DDA_STATE_ASSIGNED && d->since == T0 + 60 &&
	   !d->vm, "moved: 04.0 assigned since then, to no known vm");
	ok(!state_find(&state, "0000:00:05.0"), "moved: 05.0 back home, gone");

	ok(state_sync(&state, NULL, 0, T0 + 120),
	   "state_sync with no devices: changed");
	is_int(state.count, 0, "no devices: none kept");
	is_int(state_save(&state), 0, "state_save of no devices");
	file_read(path, buf, sizeof(buf));
	ok(strstr(buf, "\"version\": 1") && strstr(buf, "\"devices\": {"),
	   "an empty state is still a state file");
	state_release(&state);

	/* A state that cannot be written stays dirty, to be tried again. */
	is_int(state_load(&state, dir), 0, "state_load");
	free(state.dir);
	path_of(tmp, top, "no-such-dir");
	state.dir = strdup(tmp);
	state_sync(&state, devs_first, 3, T0);
	ok(state_save(&state) < 0, "state_save into no directory fails");
	ok(state.dirty, "and the state stays dirty");
	state_release(&state);
}

static const struct {
	const char *text;
	const char *why;
} corrupt[] = {
	{ "{", "not JSON: it ends too soon" },
	{ "{\"version\":1,,}", "not JSON: ..." },
	{ "[]", "not a JSON object" },
	{ "{\"version\":2,\"devices\":{},\"vms\":{}}", "\"version\" is not 1" },
	{ "{\"version\":\"1\",\"devices\":{},\"vms\":{}}", "\"version\" is not 1" },
	{ "{\"devices\":{},\"vms\":{}}", "\"version\" is not 1" },
	{ "{\"version\":1,\"vms\":{}}", "\"devices\" is not an object" },
	{ "{\"version\":1,\"devices\":[],\"vms\":{}}",
	  "\"devices\" is not an object" },
	{ "{\"version\":1,\"devices\":{}}", "\"vms\" is not an object" },
	{ "{\"version\":1,\"devices\":{},\"vms\":{},\"x\":0}",
	  "unknown key \"x\"" },
	{ "{\"version\":1,\"devices\":{\"eth0\":{}},\"vms\":{}}",
	  "\"devices\": \"eth0\" is not a PCI address" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":1},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0 is not an object" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"host\",\"vm\":null,\"since\":\"2025-01-31T12:00:00Z\"}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"state\" is not \"quarantined\" or \"assigned\"" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"since\":\"2025-01-31T12:00:00Z\"}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"vm\" is not a string or null" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":5,\"since\":\"2025-01-31T12:00:00Z\"}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"vm\" is not a string or null" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":null,\"since\":\"yesterday\"}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"since\" is not an ISO-8601 UTC time" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":null}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"since\" is not an ISO-8601 UTC time" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":null,\"since\":\"2025-01-31T12:00:00Z\",\"pids\":1}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: unknown key \"pids\"" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":null,\"since\":\"2025-01-31T12:00:00Z\",\"pid\":1,\"pid_start\":2}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"pid\" and \"pid_start\" are not a process of its vm" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":\"a\",\"since\":\"2025-01-31T12:00:00Z\",\"pid\":1}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"pid\" and \"pid_start\" are not a process of its vm" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":\"a\",\"since\":\"2025-01-31T12:00:00Z\",\"with\":\"0000:00:03.1\"}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"with\" is not the PCI address of a device its process holds" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":null,\"since\":\"2025-01-31T12:00:00Z\"},\"00:03.0\":{\"state\":\"assigned\",\"vm\":null,\"since\":\"2025-01-31T12:00:00Z\"}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0 appears twice" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":\"a\",\"since\":\"2025-01-31T12:00:00Z\",\"port\":3}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"port\" is not a device id or null" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":\"a\",\"since\":\"2025-01-31T12:00:00Z\",\"port\":\"\"}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"port\" is not a device id or null" },
	{ "{\"version\":1,\"devices\":{\"0000:00:03.0\":{\"state\":\"assigned\",\"vm\":\"a\",\"since\":\"2025-01-31T12:00:00Z\",\"operation\":\"mount\"}},\"vms\":{}}",
	  "\"devices\": 0000:00:03.0: \"operation\" is not \"assign\", \"unassign\", \"reclaim\" or null" },
	{ "{\"version\":1,\"devices\":{},\"vms\":{\"keep\":[1]}}",
	  "\"vms\": keep is not an object" },
	{ "{\"version\":1,\"devices\":{},\"vms\":{\"-x\":{\"qmp\":\"/a\"}}}",
	  "\"vms\": \"-x\" is not a guest's name" },
	{ "{\"version\":1,\"devices\":{},\"vms\":{\"g\":{\"qmp\":\"a\"}}}",
	  "\"vms\": g: \"qmp\" is not an absolute path" },
	{ "{\"version\":1,\"devices\":{},\"vms\":{\"g\":{}}}",
	  "\"vms\": g: \"qmp\" is not an absolute path" },
	{ "{\"version\":1,\"devices\":{},\"vms\":{\"g\":{\"qmp\":\"/a\\nb\"}}}",
	  "\"vms\": g: \"qmp\" is not printable ASCII" },
	{ "{\"version\":1,\"devices\":{},\"vms\":{\"g\":{\"qmp\":\"/a\",\"pid\":1}}}",
	  "\"vms\": g: unknown key \"pid\"" },
	{ "{\"version\":1,\"devices\":{},\"vms\":{\"g\":{\"qmp\":\"/a\",\"uid\":-1}}}",
	  "\"vms\": g: \"uid\" is not a uid" },
};

static const char valid[] =
	"{\"version\":1,\"devices\":{\"3A:00.1\":{\"state\":\"quarantined\","
	"\"vm\":null,\"since\":\"2025-01-31T12:00:00Z\"},"
	"\"0000:3b:00.0\":{\"state\":\"assigned\",\"vm\":\"win11\","
	"\"since\":\"2025-01-31T12:00:00Z\",\"port\":\"rp0\","
	"\"operation\":\"unassign\",\"pid\":42,\"pid_start\":9000},"
	"\"0000:3b:00.1\":{\"state\":\"assigned\",\"vm\":\"win11\","
	"\"since\":\"2025-01-31T12:00:00Z\",\"pid\":42,\"pid_start\":9000,"
	"\"with\":\"0000:3b:00.0\"}},"
	"\"vms\":{\"win11\":{\"qmp\":\"/run/win11.qmp\",\"uid\":107},"
	"\"db\":{\"qmp\":\"/run/db.qmp\"}}}";

static void test_state_corrupt(void)
{
	char dir[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	char why[STATE_WHY_SIZE];
	struct state state;
	size_t i, n;
	int err;

	for (i = 0; i < ARRAY_SIZE(corrupt); i++) {
		state = (struct state){ 0 };
		why[0] = '\0';
		err = state_parse(&state, corrupt[i].text,
				  strlen(corrupt[i].text), why);
		n = strlen(corrupt[i].why);
		if (n > 3 && !strcmp(corrupt[i].why + n - 3, "..."))
			ok(err == -EINVAL && !strncmp(why, corrupt[i].why, n - 3),
			   "corrupt %zu: %s (%s)", i, corrupt[i].why, why);
		else
			ok(err == -EINVAL && !strcmp(why, corrupt[i].why),
			   "corrupt %zu: %s (%s)", i, corrupt[i].why, why);
		state_clear(&state);
		free(state.devices);
	}

	/* The address is taken in any form and kept canonical. */
	state = (struct state){ 0 };
	err = state_parse(&state, valid, strlen(valid), why);
	is_int(err, 0, "a valid state");
	ok(state.count == 3 && !strcmp(state.devices[0].address, "0000:3a:00.1"),
	   "its address, canonical");
	ok(!state.devices[0].port && !state.devices[0].operation,
	   "a file of ddad's first version: no port, no operation");
	ok(state.count == 3 && state.devices[1].port &&
	   !strcmp(state.devices[1].port, "rp0") &&
	   state.devices[1].operation == OPERATION_UNASSIGN &&
	   !strcmp(state.devices[1].vm, "win11"),
	   "port rp0, operation unassign, vm win11");
	ok(state.count == 3 && state.devices[1].pid == 42 &&
	   state.devices[1].start == 9000 && !state.devices[1].with &&
	   state.devices[2].pid == 42 && state.devices[2].with &&
	   !strcmp(state.devices[2].with, "0000:3b:00.0"),
	   "its QEMU process, pid 42; the other went with it");
	ok(state.vm_count == 2 && state.vms[0].uid == -1 &&
	   state.vms[1].uid == 107, "win11's uid 107, db's not known");
	ok(state.vm_count == 2 && !strcmp(state.vms[0].name, "db") &&
	   !strcmp(state.vms[1].qmp, "/run/win11.qmp"),
	   "its \"vms\", sorted by name");
	state_release(&state);

	/* state_load moves a corrupt file aside and starts empty. */
	dir_new(dir, "corrupt");
	path_of(path, dir, "state.json");
	file_write(path, "{\"version\":1,\"devices\":{\"0000:00:03.0\":{");
	is_int(state_load(&state, dir), 0, "state_load of a corrupt file: 0");
	is_int(state.count, 0, "corrupt: empty");
	ok(state.rebuilt, "corrupt: to be rebuilt from dda.ko, and said so");
	ok(!state.dirty, "corrupt: nothing to write yet");
	ok(!exists(path), "corrupt: state.json is gone");
	is_int(entries(dir, "state.json.corrupt-", false), 1,
	       "corrupt: moved to state.json.corrupt-TIME");
	state_release(&state);

	file_write(path, "");
	is_int(state_load(&state, dir), 0, "state_load of an empty file: 0");
	is_int(entries(dir, "state.json.corrupt-", false), 2,
	       "empty: moved aside too, next to the first one");
	state_release(&state);

	mkdir(path, 0755);
	is_int(state_load(&state, dir), 0, "state_load of a directory: 0");
	ok(!exists(path), "a directory: moved aside");
	state_release(&state);

	path_of(target, dir, "elsewhere");
	file_write(target, "{\"version\":1,\"devices\":{},\"vms\":{}}");
	if (symlink("elsewhere", path))
		ok(0, "symlink: %s", strerror(errno));
	is_int(state_load(&state, dir), 0, "state_load of a symbolic link: 0");
	ok(!exists(path), "a symbolic link: moved aside");
	ok(exists(target), "a symbolic link: its target left alone");
	is_int(entries(dir, "state.json.corrupt-", true), 4,
	       "four files set aside");
	state_release(&state);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	/* Messages go to syslog only. */
	log_open(false);
	log_started();

	snprintf(top, sizeof(top), "%s/ddad-state-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!ok(mkdtemp(top), "a temporary directory"))
		return unit_done();

	test_time();
	test_mkdir();
	test_lock();
	test_write_atomic();
	test_state_round_trip();
	test_state_corrupt();

	nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	log_close();
	return unit_done();
}
