/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What libdda's files share with each other and with the unit tests. Not
 * installed, and not exported from libdda.so (see libdda.map).
 */
#ifndef LIBDDA_INTERNAL_H
#define LIBDDA_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "libdda.h"
#include "util.h"

/* Bytes for the reason dda_error() gives, with its NUL. */
#define DDA_ERROR_SIZE		256

struct dda {
	struct nl_sock *sock;
	int family;			/* the "dda" family's id */
	char error[DDA_ERROR_SIZE];	/* why the last call failed */
	int wait_ms;			/* dda_set_wait(); -1: until done */
	/* dda_events_open(): the last datagram read, and how far it is taken */
	unsigned char *events;
	size_t events_size;		/* bytes allocated */
	size_t events_len;		/* bytes of the datagram */
	size_t events_at;		/* bytes taken */
};

/* Sets what dda_error(dda) says; dda NULL: what dda_error(NULL) says. */
void dda_set_error(struct dda *dda, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * dda_open() of any generic netlink family: name's family id goes to
 * dda->family. -ENOENT when there is no such family.
 */
int dda_open_family(const char *name, struct dda **out);

/* The negative errno closest to a negative libnl error code. */
int dda_errno_from_nl(int nlerr);

/* A request of the dda family, cmd with nlmsg flags, without attributes. */
struct nl_msg *dda_msg_new(struct dda *dda, uint8_t cmd, int flags);

/*
 * Handles one reply message of the dda family; 0 or a negative errno. The
 * first error ends the request with it, once the kernel's answer is read.
 */
typedef int (*dda_reply_fn)(struct nlmsghdr *nlh, void *arg);

/*
 * Sends msg, a do or a dump request, and hands every reply to fn until the
 * kernel acknowledges it or ends the dump. Returns 0, the kernel's negative
 * errno (its extended ACK message then in dda->error), or fn's error.
 */
/*
 * The replies of a dump gathered into a growing array: each is parsed by
 * @parse into the next @elem-sized item. dda_collect_reply() is the
 * dda_reply_fn; on failure the caller frees @items (its first @count items
 * are whole).
 */
struct dda_collect {
	void *items;
	size_t count;
	size_t size;			/* items allocated */
	size_t elem;
	int (*parse)(struct nlmsghdr *nlh, void *item);
	void (*drop)(void *item);	/* frees what an item holds; or NULL */
};

int dda_collect_reply(struct nlmsghdr *nlh, void *arg);

/* Dump @cmd into @c; on failure the caller frees what @c gathered. */
int dda_dump(struct dda *dda, uint8_t cmd, struct dda_collect *c);
/* The same, filtered by the u32 attribute attr of value (attr 0: none). */
int dda_dump_u32(struct dda *dda, uint8_t cmd, int attr, uint32_t value,
		 struct dda_collect *c);

int dda_request(struct dda *dda, struct nl_msg *msg, dda_reply_fn fn,
		void *arg);

/*
 * DDA_CMD_DEV_GET of the device at @canonical, and whether a change of it
 * is under way (DDA_A_DEV_BUSY).
 */
int dda_device_get_busy(struct dda *dda, const char *canonical,
			struct dda_device *out, bool *busy);

/*
 * The outcome an NLMSG_ERROR or NLMSG_DONE message reports: 0 or a negative
 * errno, -EBADMSG if the message is cut short. The NLMSGERR_ATTR_MSG of a
 * failure goes to reason ("" when there is none). Other messages: 0.
 */
int dda_nlmsg_status(const struct nlmsghdr *nlh, char *reason, size_t size);

/*
 * An attribute of the type its name says: 0, or -EBADMSG when it has not
 * that type's exact size. A string must end in a NUL and fit in size bytes
 * with it; bytes after the NUL are ignored.
 */
int dda_attr_u16(const struct nlattr *nla, uint16_t *value);
int dda_attr_u32(const struct nlattr *nla, uint32_t *value);
int dda_attr_u64(const struct nlattr *nla, uint64_t *value);
int dda_attr_string(const struct nlattr *nla, char *buf, size_t size);

/*
 * DDA_A_DEV_ADDRESS as dda.ko sends it: the full form "DDDD:BB:DD.F",
 * written to out in its canonical form. -EBADMSG for anything else.
 */
int dda_attr_address(const struct nlattr *nla, char out[DDA_ADDRESS_LEN + 1]);

/*
 * An address a caller asks about, in its canonical form, or -EINVAL with
 * dda_error() naming it.
 */
int dda_address_arg(struct dda *dda, const char *address,
		    char canonical[DDA_ADDRESS_LEN + 1]);

/*
 * Fills out from the attributes of a device message, tb indexed by enum
 * dda_attr. Every attribute is checked here: the required ones must be
 * there, and each must have its type's exact size; a string must end in a
 * NUL and fit. Absent optional attributes leave "" or -1 or 0. Returns
 * -EBADMSG, leaving out alone, when the message breaks the contract.
 */
int dda_device_from_attrs(struct nlattr *const *tb, struct dda_device *out);

/* Parses a whole device message: its generic netlink header, then the above. */
int dda_device_parse(struct nlmsghdr *nlh, struct dda_device *out);

/*
 * A change request (DISMOUNT, MOUNT, HANDOVER, RECLAIM, RESET, RELEASE)
 * for the device at canonical, an address in its canonical form; with
 * flag (DDA_A_DEV_GROUP, DDA_A_DEV_HOLD), that flag attribute too; 0 for
 * none.
 */
struct nl_msg *dda_change_msg(struct dda *dda, uint8_t cmd,
			      const char *canonical, int flag);

/*
 * The answer to a DISMOUNT or MOUNT: a device message per device moved,
 * the one at address among them.
 */
struct dda_change_reply {
	const char *address;		/* canonical */
	struct dda_device dev;		/* its device message */
	bool found;
};

/* A dda_reply_fn for struct dda_change_reply. */
int dda_change_reply(struct nlmsghdr *nlh, void *arg);

/*
 * Says why a DISMOUNT or MOUNT that failed with err failed, where the
 * kernel did not: an -EPERM without a reason is the genetlink core's, for
 * want of CAP_NET_ADMIN. Returns err.
 */
int dda_change_error(struct dda *dda, int err);

/*
 * Parses a survey message into out, its findings allocated; release them
 * with dda_survey_free(). Every attribute is checked, as for a device
 * message, and so is every finding: DDA_A_FINDING_CHECK, _SEVERITY and
 * _TEXT must all be there. Returns -EBADMSG or -ENOMEM, leaving out alone
 * and nothing allocated, when it cannot.
 */
int dda_survey_parse(struct nlmsghdr *nlh, struct dda_survey *out);

/* Fills out from one nested DDA_A_SURVEY_FINDING, or -EBADMSG. */
int dda_finding_parse(struct nlattr *nla, struct dda_finding *out);

/* The surveys of a dump, as they come. */

/* A dda_reply_fn for struct dda_survey_list_reply. */

/*
 * Parses an event message into out. Returns -EBADMSG, leaving out alone,
 * when it breaks the contract.
 */
int dda_event_parse(struct nlmsghdr *nlh, struct dda_event *out);

/*
 * Takes the next event of family out of the len bytes of netlink messages
 * at buf, from *at on, and moves *at past it. Other messages are skipped.
 * Returns 0 and the event in out, -EAGAIN when no event is left, or
 * -EBADMSG for a malformed one (or a malformed rest, *at then len).
 */
int dda_event_take(const void *buf, size_t len, size_t *at, int family,
		   struct dda_event *out);

/*
 * What the host uses of a PCI device (host_use.c): read from sysfs and
 * procfs under these roots, "/sys" and "/proc" (dda_host_roots); the unit
 * tests give trees of their own.
 */
struct dda_roots {
	const char *sys;
	const char *proc;
};

extern const struct dda_roots dda_host_roots;

/* dda_vfio_users() below roots (vfio_users.c). */
int dda_vfio_users_at(const struct dda_roots *roots, const char *canonical,
		      struct dda_vfio_user **out, size_t *count);
int dda_vfio_held_by_at(const struct dda_roots *roots, const char *canonical,
			int pid);

/*
 * The mount point of the block device name (dev) in the mountinfo file at
 * path, to out: 1 when mounted (the first mount), 0 when not, -errno when
 * the file cannot be read. A mount whose source is /dev/NAME counts too
 * (btrfs mounts an anonymous device).
 */
int dda_mount_point(const char *mountinfo, const char *name, dev_t dev,
		    char *out, size_t size);

/* Is the block device name (dev) active swap in the swaps file? 1, 0, -errno. */
int dda_swap_active(const char *swaps, const char *name, dev_t dev);

/*
 * The block devices on the PCI device at address (canonical) that the host
 * uses, mounted, active swap or held (holders/: dm, md), each appended to
 * text as a phrase, "nvme0n1p2 is mounted on /", "; " between. Returns how
 * many uses, or -errno.
 */
int dda_block_uses(const struct dda_roots *roots, const char *address,
		   char *text, size_t size);

/* How dda_host_use() asks what dda.ko says of a device: dda_device_get(). */
typedef int dda_get_fn(void *ctx, const char *address, struct dda_device *out);

/*
 * What the host uses of the device at address (canonical) with the host,
 * and with group of every other member of its IOMMU group with the host:
 * its block devices in use, or vfio-pci bound to it by another than dda
 * (and who has the group open). Phrases to text, a member's after
 * "ADDRESS, of its IOMMU group: ". Returns how many uses, or -errno (get's,
 * -ENODEV when there is no device at address).
 */
int dda_host_use(const struct dda_roots *roots, const char *address,
		 bool group, dda_get_fn *get, void *ctx, char *text,
		 size_t size);

/*
 * Before a dismount with flags (DDA_DISMOUNT_*) of the device at address
 * (canonical): 0 when the host uses nothing of it (or of its group, with
 * DDA_DISMOUNT_GROUP); else -EBUSY, dda_error() naming every use, unless
 * DDA_DISMOUNT_FORCE, which goes on after logging what it overrides to the
 * kernel log (syslog if that cannot be written). A use that cannot be read
 * counts as one.
 */
int dda_host_check(struct dda *dda, const char *address, unsigned int flags);

#endif /* LIBDDA_INTERNAL_H */
