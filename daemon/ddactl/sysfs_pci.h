/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI devices as sysfs shows them, for when dda.ko is not there to ask
 * (udev at boot, before dda.ko loads), and the attributes the policy
 * writes. sysfs is read as files, not through libudev: these few
 * attributes are the kernel's ABI, and a test can give a tree of its own.
 *
 * Every function takes the root of sysfs, "/sys" but for tests, which give
 * a tree of plain files and symbolic links of the same shape.
 */
#ifndef DDA_SYSFS_PCI_H
#define DDA_SYSFS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "libdda.h"

#define SYSFS_ROOT	"/sys"

/* The driver dda.ko registers on the PCI bus. */
#define SYSFS_DDA_DRIVER	"dda"

struct sysfs_pci_device {
	/*
	 * As dda.ko would describe it: ids, class, driver, IOMMU group; the
	 * state is host (without dda.ko, nothing is quarantined).
	 */
	struct dda_device dev;
	char driver_override[DDA_DRIVER_SIZE];	/* "" for none */
	bool boot_vga;				/* the firmware's console */
};

/*
 * Describes every PCI device under root/bus/pci/devices, in the order of
 * their addresses. On success *out holds *count devices, to be released
 * with free(); it may be NULL when *count is 0. A device that vanishes
 * meanwhile is left out.
 */
int sysfs_pci_list(const char *root, struct sysfs_pci_device **out,
		   size_t *count);

/* Is dda.ko's PCI driver registered? */
bool sysfs_pci_dda_loaded(const char *root);

/*
 * Takes the lock of root's PCI devices, one holder at a time (flock(2) on
 * their directory): the fd to close() to let go, or -errno.
 */
int sysfs_pci_lock(const char *root);

/* Writes driver into the driver_override of the device: 0 or -errno. */
int sysfs_pci_set_override(const char *root, const char *address,
			   const char *driver);

/* Asks the PCI core to probe the device's drivers: 0 or -errno. */
int sysfs_pci_probe(const char *root, const char *address);

/* The driver bound to the device, into buf; "" for none. */
void sysfs_pci_driver(const char *root, const char *address, char *buf,
		      size_t size);

/* Of an SR-IOV virtual function, its physical function into out; else "". */
void sysfs_pci_physfn(const char *root, const char *address,
		      char out[DDA_ADDRESS_LEN + 1]);

/* The SR-IOV side of a physical function. */
struct sysfs_pci_sriov {
	unsigned int total;	/* sriov_totalvfs: the most it can have */
	unsigned int num;	/* sriov_numvfs: how many are enabled */
	bool autoprobe;		/* sriov_drivers_autoprobe: host drivers
				   may probe new VFs */
};

/*
 * Reads the SR-IOV attributes of the device at address: 0, -EOPNOTSUPP
 * when it has no SR-IOV capability, or another -errno.
 */
int sysfs_pci_sriov_read(const char *root, const char *address,
			 struct sysfs_pci_sriov *out);

/*
 * The address of virtual function n (from 0) of the physical function at
 * address, into out: 0, or -ENOENT when it has no such VF.
 */
int sysfs_pci_virtfn(const char *root, const char *address, unsigned int n,
		     char out[DDA_ADDRESS_LEN + 1]);

/* Writes sriov_drivers_autoprobe of the device: 0 or -errno. */
int sysfs_pci_set_autoprobe(const char *root, const char *address, bool on);

/*
 * Writes sriov_numvfs of the device, which asks its driver to enable n
 * virtual functions (0: to remove them): 0 or the driver's -errno,
 * -ENOENT when it has no driver, or one that cannot make VFs.
 */
int sysfs_pci_set_numvfs(const char *root, const char *address,
			 unsigned int n);

#endif /* DDA_SYSFS_PCI_H */
