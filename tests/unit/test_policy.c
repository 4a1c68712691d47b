// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy (daemon/ddactl/policy.c): its syntax, what it refuses and how
 * it names the fault, which devices each selector selects, and the
 * precedence of its files across the directories of the policy path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "unit.h"

#define ADDRESS_WANT	"(expected DDDD:BB:DD.F or BB:DD.F)"
#define ID_WANT		"(expected VENDOR:DEVICE, 4 hex digits each)"
#define CLASS_WANT	"(expected 0xBB, 0xBBSS or 0xBBSSPP, optionally /0xMMMMMM)"
#define UNKNOWN_WANT	"(expected address, vf-of, id or class)"

static char tmp[] = "/tmp/dda-test-policy.XXXXXX";

/* text as a test's description shows it: on one line, cut at 48 bytes. */
static const char *shown(const char *text)
{
	static char buf[128];
	size_t n = 0;

	for (; *text && n < 48; text++) {
		if (*text == '\n' || *text == '\t' || *text == '\r') {
			buf[n++] = '\\';
			buf[n++] = *text == '\n' ? 'n' : *text == '\t' ? 't' : 'r';
		} else {
			buf[n++] = *text;
		}
	}
	strcpy(buf + n, *text ? "..." : "");
	return buf;
}

/* The first selector of text, canonical, or the error. */
static const char *first(const char *text)
{
	static char out[POLICY_ERROR_SIZE];
	struct policy p = { 0 };

	if (policy_parse(&p, "f.conf", text, out))
		return out;
	if (p.n_selectors)
		policy_selector_text(&p.selectors[0], out);
	else
		strcpy(out, "(none)");
	policy_free(&p);
	return out;
}

static void accepts(const char *text, const char *canonical)
{
	is_str(first(text), canonical, "'%s' is %s", shown(text), canonical);
}

static void refuses(const char *text, const char *error)
{
	struct policy p = { 0 };
	char out[POLICY_ERROR_SIZE];

	is_int(policy_parse(&p, "f.conf", text, out), -EINVAL,
	       "'%s' is refused", shown(text));
	is_str(out, error, "with: %s", error);
	is_int(p.n_selectors + p.n_files, 0, "and adds nothing");
	policy_free(&p);
}

static struct dda_device device(const char *address, uint16_t vendor,
				uint16_t dev, uint16_t sv, uint16_t sd,
				uint32_t class_code)
{
	struct dda_device d = {
		.vendor = vendor, .device = dev, .subsys_vendor = sv,
		.subsys_device = sd, .class_code = class_code,
	};

	snprintf(d.address, sizeof(d.address), "%s", address);
	return d;
}

/* The canonical selector of policy text that selects dev, or "-". */
static const char *selected_by(const char *text, const struct dda_device *d)
{
	static char out[POLICY_ERROR_SIZE];
	const struct policy_selector *s;
	struct policy p = { 0 };

	if (policy_parse(&p, "f.conf", text, out))
		return out;
	s = policy_match(&p, d);
	if (s)
		policy_selector_text(s, out);
	else
		strcpy(out, "-");
	policy_free(&p);
	return out;
}

static void syntax(void)
{
	accepts("address 0000:03:00.0", "address 0000:03:00.0");
	accepts("address 03:00.0", "address 0000:03:00.0");
	accepts("address ABCD:EF:1F.7", "address abcd:ef:1f.7");
	accepts("vf-of 0000:3b:00.0", "vf-of 0000:3b:00.0");
	accepts("vf-of 3B:00.0", "vf-of 0000:3b:00.0");
	accepts("id 8086:10d3", "id 8086:10d3");
	accepts("id 8086:10D3", "id 8086:10d3");
	accepts("id 1af4:1041 subsystem 1af4:1100",
		"id 1af4:1041 subsystem 1af4:1100");
	accepts("class 0x04", "class 0x04");
	accepts("class 0x0403", "class 0x0403");
	accepts("class 0403", "class 0x0403");
	accepts("class 0X0C0330", "class 0x0c0330");
	accepts("class 0x040300/0xffff00", "class 0x0403");
	accepts("class 0x0403/0xffff00", "class 0x0403");
	accepts("class 0x020000/0xff00ff", "class 0x020000/0xff00ff");
	accepts("  \taddress\t03:00.0  ", "address 0000:03:00.0");
	accepts("address 03:00.0 # the NIC", "address 0000:03:00.0");
	accepts("address 03:00.0#no blank", "address 0000:03:00.0");
	accepts("address 03:00.0\r", "address 0000:03:00.0");
	accepts("", "(none)");
	accepts("\n\n", "(none)");
	accepts("# only a comment\n   \n\t# another\n", "(none)");
	accepts("# a\n\naddress 03:00.0", "address 0000:03:00.0");

	refuses("adress 03:00.0",
		"f.conf:1: unknown word 'adress' (expected address, vf-of, id or class)");
	refuses("Address 03:00.0",
		"f.conf:1: unknown word 'Address' (expected address, vf-of, id or class)");
	refuses("# ok\n\naddress 03:00.0\nid 8086:10d3 subsytem 8086:0000\n",
		"f.conf:4: unexpected word 'subsytem'");
	refuses("address", "f.conf:1: 'address' needs a PCI address (DDDD:BB:DD.F or BB:DD.F)");
	refuses("address 03:00",
		"f.conf:1: '03:00' is not a PCI address " ADDRESS_WANT);
	refuses("address 03:00.8",
		"f.conf:1: '03:00.8' is not a PCI address " ADDRESS_WANT);
	refuses("address 03:00.0 04:00.0", "f.conf:1: unexpected word '04:00.0'");
	refuses("vf-of",
		"f.conf:1: 'vf-of' needs the PCI address of an SR-IOV physical function (DDDD:BB:DD.F or BB:DD.F)");
	refuses("vf-of 8086:10ed",
		"f.conf:1: '8086:10ed' is not a PCI address " ADDRESS_WANT);
	refuses("vf-of 3b:00.0 3b:00.1",
		"f.conf:1: unexpected word '3b:00.1'");
	refuses("vf_of 3b:00.0",
		"f.conf:1: unknown word 'vf_of' " UNKNOWN_WANT);
	refuses("id", "f.conf:1: 'id' needs VENDOR:DEVICE (4 hex digits each)");
	refuses("id 8086",
		"f.conf:1: '8086' is not an id " ID_WANT);
	refuses("id 8086:10d",
		"f.conf:1: '8086:10d' is not an id " ID_WANT);
	refuses("id 0x8086:10d3",
		"f.conf:1: '0x8086:10d3' is not an id " ID_WANT);
	refuses("id 8086:10g3",
		"f.conf:1: '8086:10g3' is not an id " ID_WANT);
	refuses("id 8086:10d3 subsystem",
		"f.conf:1: 'subsystem' needs VENDOR:DEVICE (4 hex digits each)");
	refuses("id 8086:10d3 subsystem 8086",
		"f.conf:1: '8086' is not a subsystem id (expected VENDOR:DEVICE, 4 hex digits each)");
	refuses("id 8086:10d3 subsystem 8086:0000 x",
		"f.conf:1: unexpected word 'x'");
	refuses("class",
		"f.conf:1: 'class' needs a class code (0xBB, 0xBBSS or 0xBBSSPP, optionally /0xMMMMMM)");
	refuses("class 0x4",
		"f.conf:1: '0x4' is not a class code " CLASS_WANT);
	refuses("class 0x040",
		"f.conf:1: '0x040' is not a class code " CLASS_WANT);
	refuses("class 0x04030000",
		"f.conf:1: '0x04030000' is not a class code " CLASS_WANT);
	refuses("class 0x",
		"f.conf:1: '0x' is not a class code " CLASS_WANT);
	refuses("class 0xzz",
		"f.conf:1: '0xzz' is not a class code " CLASS_WANT);
	refuses("class 0x0403/0xff",
		"f.conf:1: '0x0403/0xff' is not a class code " CLASS_WANT);
	refuses("class 0x0403/",
		"f.conf:1: '0x0403/' is not a class code " CLASS_WANT);
	refuses("class 0x0403ff/0xffff00",
		"f.conf:1: '0x0403ff/0xffff00' has bits outside its mask");
	refuses("class 0x0403 0x0c03", "f.conf:1: unexpected word '0x0c03'");
	refuses("class 0x00/0x000000",
		"f.conf:1: '0x00/0x000000' matches every device, the host's own among them: name a class (a mask that is not 0)");
	refuses("class 0x000000/0x000000",
		"f.conf:1: '0x000000/0x000000' matches every device, the host's own among them: name a class (a mask that is not 0)");
}

static void matching(void)
{
	const struct dda_device nic = device("0000:03:00.0", 0x8086, 0x10d3,
					     0x8086, 0x0000, 0x020000);
	const struct dda_device hda = device("0000:00:04.0", 0x8086, 0x293e,
					     0x1af4, 0x1100, 0x040300);
	const struct dda_device xhci = device("0000:00:05.0", 0x1b36, 0x000d,
					      0x1af4, 0x1100, 0x0c0330);
	const struct dda_device host = device("0000:00:00.0", 0x8086, 0x29c0,
					      0x1af4, 0x1100, 0x060000);
	const struct dda_device port = device("0000:00:01.0", 0x1b36, 0x000c,
					      0x0000, 0x0000, 0x060400);
	const struct dda_device pf = device("0000:3b:00.0", 0x8086, 0x10fb,
					    0x8086, 0x7a11, 0x020000);
	struct dda_device vf = device("0000:3b:00.2", 0x8086, 0x10ed,
				      0x8086, 0x7a11, 0x020000);
	struct dda_device vf2 = device("0000:3b:10.1", 0x8086, 0x10ed,
				       0x8086, 0x7a11, 0x020000);

	strcpy(vf.physfn, "0000:3b:00.0");
	strcpy(vf2.physfn, "0000:3b:00.0");

	is_str(selected_by("address 03:00.0", &nic), "address 0000:03:00.0",
	       "an address selects its device");
	is_str(selected_by("address 03:00.1", &nic), "-",
	       "and no other function");
	is_str(selected_by("address 0001:03:00.0", &nic), "-",
	       "nor another domain");
	is_str(selected_by("id 8086:10d3", &nic), "id 8086:10d3",
	       "an id selects its device");
	is_str(selected_by("id 8086:10d4", &nic), "-", "and no other");
	is_str(selected_by("id 8086:10d3 subsystem 8086:0000", &nic),
	       "id 8086:10d3 subsystem 8086:0000",
	       "an id with its subsystem selects its device");
	is_str(selected_by("id 8086:10d3 subsystem 8086:0001", &nic), "-",
	       "not with another subsystem");
	is_str(selected_by("class 0x04", &hda), "class 0x04",
	       "a base class selects its devices");
	is_str(selected_by("class 0x0403", &hda), "class 0x0403",
	       "a base class and subclass");
	is_str(selected_by("class 0x040300", &hda), "class 0x040300",
	       "a full class code");
	is_str(selected_by("class 0x040301", &hda), "-",
	       "not another programming interface");
	is_str(selected_by("class 0x0401", &hda), "-", "not another subclass");
	is_str(selected_by("class 0x0c0330", &xhci), "class 0x0c0330",
	       "xHCI by its class code");
	is_str(selected_by("class 0x0c0000/0xff00ff", &xhci), "-",
	       "a mask counts only its bits: not the interface 0x30");
	is_str(selected_by("class 0x0c0030/0xff00ff", &xhci),
	       "class 0x0c0030/0xff00ff", "but 0x30 under 0xff00ff");
	is_str(selected_by("class 0x02\naddress 03:00.0", &nic), "class 0x02",
	       "the first selector that selects a device is the one");
	is_str(selected_by("address 03:00.0\nclass 0x02", &nic),
	       "address 0000:03:00.0", "whichever comes first");
	is_str(selected_by("vf-of 3b:00.0", &vf), "vf-of 0000:3b:00.0",
	       "vf-of selects a virtual function of its PF");
	is_str(selected_by("vf-of 3b:00.0", &vf2), "vf-of 0000:3b:00.0",
	       "and every other");
	is_str(selected_by("vf-of 3b:00.0", &pf), "-", "not the PF itself");
	is_str(selected_by("vf-of 3b:00.1", &vf), "-",
	       "nor the VFs of another PF");
	is_str(selected_by("vf-of 03:00.0", &nic), "-",
	       "nor a device that is no VF");
	is_str(selected_by("address 3b:00.2", &vf), "address 0000:3b:00.2",
	       "an address selects a VF");
	is_str(selected_by("id 8086:10ed", &vf), "id 8086:10ed",
	       "an id selects a VF by the VF device id");
	is_str(selected_by("id 8086:10fb", &vf), "-",
	       "not by its PF's");
	is_str(selected_by("class 0x0200", &vf2), "class 0x0200",
	       "a class selects VFs");
	is_str(selected_by("class 0x06", &host), "-",
	       "a host bridge is never selected");
	is_str(selected_by("address 00:01.0\nclass 0x06", &port), "-",
	       "nor a PCI bridge, even by address");
	is_str(selected_by("class 0x000000/0xff0000", &port), "-",
	       "nor by the widest class a policy may name");
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", tmp, dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* "file:line selector, ..." of the policy that path reads, or the error. */
static const char *read_path(const char *dirs)
{
	static char out[1024];
	char path[512], error[POLICY_ERROR_SIZE], text[POLICY_SELECTOR_SIZE];
	char *cursor = path, *dir;
	struct policy p = { 0 };
	size_t i, n = 0;
	int err;

	/* dirs relative to tmp, colon-separated. */
	path[0] = '\0';
	for (dir = strtok(strcpy(out, dirs), ":"); dir;
	     dir = strtok(NULL, ":"))
		cursor += snprintf(cursor, path + sizeof(path) - cursor,
				   "%s%s/%s", cursor == path ? "" : ":", tmp,
				   dir);
	err = policy_read_path(&p, path, error);
	if (err) {
		/* The error, tmp cut from it. */
		snprintf(out, sizeof(out), "%d %s", err,
			 strstr(error, tmp) == error ?
			 error + strlen(tmp) + 1 : error);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < p.n_selectors; i++) {
		policy_selector_text(&p.selectors[i], text);
		n += snprintf(out + n, sizeof(out) - n, "%s%s:%u %s",
			      i ? ", " : "",
			      p.selectors[i].file + strlen(tmp) + 1,
			      p.selectors[i].line, text);
	}
	policy_free(&p);
	return out;
}

static void files(void)
{
	struct policy p = { 0 };
	char error[POLICY_ERROR_SIZE], path[256];

	if (!mkdtemp(tmp)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	write_file("usr", "10-nic.conf", "address 03:00.0\n");
	write_file("usr", "30-sound.conf", "class 0x0403\n");
	write_file("usr", "README", "not a policy\n");
	write_file("usr", ".hidden.conf", "junk\n");
	write_file("usr", "conf", "junk\n");
	write_file("run", "20-gpu.conf", "# a GPU\nid 10de:1eb8\n");
	write_file("run", "30-sound.conf", "class 0x0401\n");
	write_file("etc", "30-sound.conf", "\n\nclass 0x0403/0xffffff\n");
	write_file("etc", "40-none.conf", "# nothing\n");

	is_str(read_path("usr"),
	       "usr/10-nic.conf:1 address 0000:03:00.0, usr/30-sound.conf:1 class 0x0403",
	       "only *.conf files are read, in the order of their names");
	is_str(read_path("run:usr"),
	       "usr/10-nic.conf:1 address 0000:03:00.0, run/20-gpu.conf:2 id 10de:1eb8, run/30-sound.conf:1 class 0x0401",
	       "a file in /run overrides the one of its name in /usr/lib, "
	       "and names order them across directories");
	is_str(read_path("etc:run:usr"),
	       "usr/10-nic.conf:1 address 0000:03:00.0, run/20-gpu.conf:2 id 10de:1eb8, etc/30-sound.conf:3 class 0x040300",
	       "a file in /etc overrides both");
	is_str(read_path("etc:nowhere:run::usr"),
	       "usr/10-nic.conf:1 address 0000:03:00.0, run/20-gpu.conf:2 id 10de:1eb8, etc/30-sound.conf:3 class 0x040300",
	       "missing directories and empty entries are skipped");
	is_str(read_path("nowhere"), "", "no directory: an empty policy");

	write_file("bad", "10-ok.conf", "address 03:00.0\n");
	write_file("bad", "20-typo.conf", "id 8086:10d3\n\nclas 0x04\n");
	is_str(read_path("bad"),
	       "-22 bad/20-typo.conf:3: unknown word 'clas' " UNKNOWN_WANT,
	       "one bad file refuses the whole policy, naming its file and line");
	is_str(read_path("etc:bad"),
	       "-22 bad/20-typo.conf:3: unknown word 'clas' " UNKNOWN_WANT,
	       "whatever else is in the path");
	write_file("fix", "20-typo.conf", "id 8086:10d3\n");
	is_str(read_path("fix:bad"),
	       "bad/10-ok.conf:1 address 0000:03:00.0, fix/20-typo.conf:1 id 8086:10d3",
	       "an overriding file of the same name hides the bad one");

	snprintf(path, sizeof(path), "%s/bad/20-typo.conf", tmp);
	is_int(policy_read_file(&p, path, error), -EINVAL,
	       "policy_read_file() refuses the bad file");
	snprintf(path, sizeof(path), "%s/etc/30-sound.conf", tmp);
	is_int(policy_read_file(&p, path, error), 0,
	       "and reads a good one");
	is_int(p.n_selectors, 1, "its one selector");
	is_int(p.n_files, 1, "from one file");
	is_str(p.files[0], path, "named as given");
	is_int(p.selectors[0].line, 3, "on line 3");
	snprintf(path, sizeof(path), "%s/nothing.conf", tmp);
	is_int(policy_read_file(&p, path, error), -ENOENT,
	       "a missing file: -ENOENT");
	ok(strstr(error, "nothing.conf: No such file or directory") != NULL,
	   "naming it: %s", error);
	is_int(p.n_selectors, 1, "and the policy is as it was");
	policy_free(&p);
	is_int(p.n_selectors + p.n_files, 0, "policy_free() empties it");

	/* A policy file that is a symbolic link to /dev/null masks. */
	snprintf(path, sizeof(path), "%s/etc/10-nic.conf", tmp);
	ok(!symlink("/dev/null", path), "etc/10-nic.conf -> /dev/null");
	is_str(read_path("etc:run:usr"),
	       "run/20-gpu.conf:2 id 10de:1eb8, etc/30-sound.conf:3 class 0x040300",
	       "masks usr/10-nic.conf");

	snprintf(path, sizeof(path), "%s/usr", tmp);
	setenv(POLICY_PATH_ENV, path, 1);
	is_int(policy_read(&p, error), 0, "policy_read() reads $%s",
	       POLICY_PATH_ENV);
	is_int(p.n_selectors, 2, "its two selectors");
	policy_free(&p);
	unsetenv(POLICY_PATH_ENV);

	snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
	if (system(path))
		printf("# cannot remove %s\n", tmp);
}

int main(void)
{
	syntax();
	matching();
	files();
	return unit_done();
}
