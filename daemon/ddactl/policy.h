/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy: which PCI devices go into quarantine as soon as they appear,
 * before any host driver can take them (udev/60-dda.rules, dda.conf(5)).
 *
 * Files "*.conf" in the directories of the policy path, by default
 * POLICY_PATH: a file in /etc/dda/policy.d overrides one of the same name
 * in /run/dda/policy.d, which overrides one in /usr/lib/dda/policy.d; the
 * files that remain are read in the lexical order of their names. One
 * selector per line, "#" to the end of a line is a comment:
 *
 *	address 0000:03:00.0		or 03:00.0 (domain 0000)
 *	vf-of 0000:03:00.0		the SR-IOV virtual functions of
 *					that physical function, however many
 *	id 8086:10d3			vendor:device, 4 hex digits each
 *	id 8086:10d3 subsystem 1af4:1100
 *	class 0x04			base class: 0x04xxxx
 *	class 0x0403			base class and subclass: 0x0403xx
 *	class 0x040300			the full 24-bit class code
 *	class 0x040300/0xffff00		value and mask, 24 bits each
 *
 * The "0x" is optional; hex is of either case. A class value of 2, 4 or 6
 * digits is aligned to the left of the 24-bit class code 0xBBSSPP and its
 * mask covers those digits; a "/MASK" has 6 digits and the value no bit
 * outside it. Anything else fails the whole policy with FILE:LINE and the
 * word at fault: a typo must not apply half a policy.
 */
#ifndef DDA_POLICY_H
#define DDA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libdda.h"

/* The policy path, and the variable that replaces it (colon-separated). */
#define POLICY_PATH	"/etc/dda/policy.d:/run/dda/policy.d:/usr/lib/dda/policy.d"
#define POLICY_PATH_ENV	"DDA_POLICY_PATH"

/* Bytes for a message saying why a policy was refused, with its NUL. */
#define POLICY_ERROR_SIZE	512

/* Bytes for a selector as text, policy_selector_text(), with its NUL. */
#define POLICY_SELECTOR_SIZE	64

enum policy_kind {
	POLICY_ADDRESS,		/* one PCI address */
	POLICY_VF_OF,		/* the virtual functions of a PF's address */
	POLICY_ID,		/* vendor:device [subsystem vendor:device] */
	POLICY_CLASS,		/* class code under a mask */
};

struct policy_selector {
	enum policy_kind kind;
	char address[DDA_ADDRESS_LEN + 1];	/* canonical "dddd:bb:dd.f";
						   of vf-of, the PF's */
	uint16_t vendor;
	uint16_t device;
	bool subsystem;				/* the subsystem ids count too */
	uint16_t subsys_vendor;
	uint16_t subsys_device;
	uint32_t class_code;			/* 0xBBSSPP, only bits of... */
	uint32_t class_mask;			/* ...the mask */
	const char *file;			/* where it is written */
	unsigned int line;
};

struct policy {
	struct policy_selector *selectors;	/* in the order they are read */
	size_t n_selectors;
	char **files;				/* the files read, in order */
	size_t n_files;
};

/*
 * Parses text, the contents of the file named file, appending its
 * selectors to policy (zeroed, or from an earlier call). Returns 0, or
 * -EINVAL with "FILE:LINE: why, naming the word" in error and policy left
 * as it was; -ENOMEM.
 */
int policy_parse(struct policy *policy, const char *file, const char *text,
		 char error[POLICY_ERROR_SIZE]);

/* Reads and parses the file at path. Errors as policy_parse(), or -errno. */
int policy_read_file(struct policy *policy, const char *path,
		     char error[POLICY_ERROR_SIZE]);

/*
 * Reads the "*.conf" files of the directories in path (colon-separated, the
 * first ones overriding the later ones file by file), in the lexical order
 * of their names. A directory that does not exist is skipped. Errors as
 * policy_read_file().
 */
int policy_read_path(struct policy *policy, const char *path,
		     char error[POLICY_ERROR_SIZE]);

/* policy_read_path() of $DDA_POLICY_PATH when set, else of POLICY_PATH. */
int policy_read(struct policy *policy, char error[POLICY_ERROR_SIZE]);

/*
 * The first selector of policy that selects dev, or NULL. Bridges (host,
 * PCI-to-PCI, CardBus; classes 0x0600, 0x0604, 0x0607, 0x0609) are never
 * selected: dda cannot quarantine them.
 */
const struct policy_selector *policy_match(const struct policy *policy,
					   const struct dda_device *dev);

/*
 * The selector as a policy line would write it, canonical: "address
 * 0000:03:00.0", "vf-of 0000:03:00.0", "id 8086:10d3 subsystem 1af4:1100",
 * "class 0x0403".
 */
void policy_selector_text(const struct policy_selector *selector,
			  char text[POLICY_SELECTOR_SIZE]);

/*
 * Devices an administrator gave back to the host by hand (ddactl mount):
 * a file each, named by address, in this directory. udev's policy apply
 * leaves them with the host until the next boot (it is in /run) or an
 * explicit `ddactl policy apply`, which forgets them all; a dismount
 * forgets its devices.
 */
#define POLICY_MOUNTED_DIR	"/run/dda/mounted"

/* Remembers (mounted true) or forgets a device mounted by hand; 0 or -errno. */
int policy_mounted_set(const char *dir, const char *address, bool mounted);

/* Forgets every device mounted by hand; 0 or -errno. */
int policy_mounted_clear(const char *dir);

/* What policy_apply() did. */
struct policy_apply {
	size_t selected;	/* devices the policy selects */
	size_t mounted;		/* of those, left to the host: mounted by hand */
	size_t marked;		/* driver_override set to dda by this call */
	size_t pending;		/* driver_override dda, no driver, yet */
	bool dda_loaded;	/* dda.ko was there: marked ones were probed */
};

/*
 * Applies policy to the PCI devices present: every selected device that
 * has no driver and no driver_override gets driver_override "dda", so that
 * no host driver can bind it from then on, and dda.ko binds it (probed
 * here when dda.ko is loaded; else when it loads, which result->pending
 * asks for). A device bound to a driver, or with a driver_override of its
 * own, or the boot VGA device, is left alone; so is one mounted by hand,
 * remembered in mounted_dir (NULL: none is). With report, prints through
 * the printer (print.h) the caller started, of each step a selected device
 * took, an item of the open array: in text a line, "ADDRESS: what
 * (SELECTOR, FILE:LINE)"; in JSON an object {"address", "step", and
 * "selector", "file", "line" or "error" as the step has them}, step one of
 * "mounted", "mark_failed", "marked", "quarantined", "not_taken". Returns
 * 0, or a negative errno when sysfs could not be read or written (after
 * marking what could be).
 */
int policy_apply(const struct policy *policy, const char *root,
		 const char *mounted_dir, bool report,
		 struct policy_apply *result);

/* dda.ko takes at most this many ids= and addresses= (kmod/select.c). */
#define POLICY_SELECT_MAX	32

/*
 * Prints, through the printer (print.h) the caller started, in the open
 * object, the modprobe.d lines that quarantine what policy selects among
 * devs[count] when dda.ko loads, before their host drivers: "options dda
 * ids=... addresses=...", the same for the kernel command line, and
 * "softdep MODULE pre: dda" for each module the modalias of a selected
 * device resolves to (libkmod, as modprobe would load it), with comments.
 * In JSON: "by_address", the devices selected by what dda.ko cannot take
 * ({"address", "selector", "file", "line"}), then "ids", "addresses" and
 * "softdeps", arrays of strings. Returns 0; -E2BIG, after printing them,
 * when dda.ko cannot take that many ids or addresses (POLICY_SELECT_MAX);
 * or -errno.
 */
int policy_modprobe(const struct policy *policy,
		    const struct dda_device *devs, size_t count);

/* Frees what policy holds, and zeroes it. */
void policy_free(struct policy *policy);

#endif /* DDA_POLICY_H */
