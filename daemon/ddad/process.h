/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * process.h: the processes behind QMP sockets, as the kernel knows them
 * (process.c).
 */
#ifndef DDAD_PROCESS_H
#define DDAD_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "libdda.h"

/* A process: its pid, when it started, and a pidfd of it (or -1). */
struct process {
	pid_t pid;		/* 0: none */
	unsigned long long start;	/* /proc/PID/stat's starttime */
	int pidfd;
};

void process_init(struct process *p);
void process_close(struct process *p);

/*
 * The process serving the connected UNIX socket sock (SO_PEERCRED, and
 * SO_PEERPIDFD where the kernel has it) and its uid. 0 or -errno.
 */
int process_of_peer(int sock, uid_t *uid, struct process *out);

/*
 * The process pid that started at start, if it is still there: 0, or
 * -ESRCH when it is gone (its pid maybe another's now).
 */
int process_find(pid_t pid, unsigned long long start, struct process *out);

/*
 * The process pid now (its start read, a pidfd of it): as libvirt names
 * a domain's QEMU. 0 or -errno (-ESRCH: no such process).
 */
int process_open(pid_t pid, struct process *out);

/* Whether p has exited (its pidfd is readable). */
bool process_exited(const struct process *p);

/*
 * Whether p holds the device at address open through vfio: its IOMMU
 * group's /dev/vfio/GROUP or the device's /dev/vfio/devices/vfioN among
 * its file descriptors (dda_vfio_held_by()). 1 or 0; -ESRCH when p is
 * gone, another -errno when it cannot be told (to be taken as "it holds
 * it").
 */
int process_holds_vfio(const struct process *p, const char *address);

/*
 * Whoever holds the device at address open through vfio, any process
 * (dda_vfio_users()): 1 with the first in *user and in *out (a pidfd of
 * it; none if it exited meanwhile), 0 when no process does, or a negative
 * errno when it cannot be told.
 */
int process_vfio_holder(const char *address, struct process *out,
			struct dda_vfio_user *user);

/* The guests: guest.h, vm.h, guest_libvirt.h */

#endif /* DDAD_PROCESS_H */
