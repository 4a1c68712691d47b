// SPDX-License-Identifier: GPL-2.0-only
/*
 * The processes behind the guests' QMP sockets, as the kernel knows them,
 * never as they say: who serves a socket (SO_PEERCRED, and a pidfd of it),
 * whether that process is still there (its pidfd), and whether it holds a
 * device open through vfio (its file descriptors). A process is named by
 * its pid and its start time (/proc/PID/stat), which a reused pid does not
 * share.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libdda.h"
#include "process.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77	/* Linux 6.5 */
#endif

void process_init(struct process *p)
{
	*p = (struct process){ .pid = 0, .pidfd = -1 };
}

void process_close(struct process *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	process_init(p);
}

/* Field 22 of /proc/PID/stat: when it started, in clock ticks after boot. */
static int process_start(pid_t pid, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	/* The name, in parentheses, may hold anything: after its last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EPROTO;
	/* p[1] is the space before field 3. */
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", start) != 1)
		return -EPROTO;
	return 0;
}

static int pidfd_of(pid_t pid)
{
	int fd = syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

/* pidfd refers to a process whose pid and start are what p says. */
static int process_fill(struct process *p, pid_t pid, int pidfd)
{
	int err;

	p->pid = pid;
	p->pidfd = pidfd;
	err = process_start(pid, &p->start);
	if (err) {
		process_close(p);
		return err;
	}
	fcntl(pidfd, F_SETFD, FD_CLOEXEC);
	return 0;
}

int process_of_peer(int sock, uid_t *uid, struct process *out)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int pidfd, fd;

	process_init(out);
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (cred.pid <= 0)
		return -ESRCH;
	*uid = cred.uid;
	/* The process that bound the socket, even if its pid is reused. */
	len = sizeof(fd);
	if (!getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &fd, &len))
		pidfd = fd;
	else
		pidfd = pidfd_of(cred.pid);
	if (pidfd < 0)
		return pidfd;
	return process_fill(out, cred.pid, pidfd);
}

int process_find(pid_t pid, unsigned long long start, struct process *out)
{
	int err;

	err = process_open(pid, out);
	if (err)
		return err;
	if (out->start != start || process_exited(out)) {
		/* Another process with the pid: the one we knew is gone. */
		process_close(out);
		return -ESRCH;
	}
	return 0;
}

bool process_exited(const struct process *p)
{
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };

	if (p->pidfd < 0)
		return false;
	return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLHUP));
}

int process_holds_vfio(const struct process *p, const char *address)
{
	int holds;

	if (p->pid <= 0)
		return -ESRCH;
	holds = dda_vfio_held_by(address, (int)p->pid);
	/* Its start time says whether the pid is still the one we knew. */
	if (holds <= 0 && process_exited(p))
		return -ESRCH;
	return holds;
}

int process_vfio_holder(const char *address, struct process *out,
			struct dda_vfio_user *user)
{
	struct dda_vfio_user *users;
	size_t count;
	int err, pidfd;

	process_init(out);
	err = dda_vfio_users(address, &users, &count);
	if (err)
		return err;
	if (!count) {
		free(users);
		return 0;
	}
	*user = users[0];
	free(users);
	/* Gone meanwhile: it held it a moment ago, out names none. */
	pidfd = pidfd_of(user->pid);
	if (pidfd >= 0)
		process_fill(out, user->pid, pidfd);
	return 1;
}

int process_open(pid_t pid, struct process *out)
{
	int pidfd;

	process_init(out);
	if (pid <= 0)
		return -ESRCH;
	pidfd = pidfd_of(pid);
	if (pidfd < 0)
		return pidfd;
	return process_fill(out, pid, pidfd);
}
