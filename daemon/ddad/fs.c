// SPDX-License-Identifier: GPL-2.0-only
/*
 * Files: directories made on demand, the single-instance lock, and files
 * replaced atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

#define LOCK_FILE		"ddad.lock"

int mkdir_parents(const char *path, mode_t mode)
{
	struct stat st;
	char *copy, *p;
	int err = 0;

	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	for (p = copy + 1; ; p++) {
		if (*p && *p != '/')
			continue;
		if (p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(copy, mode) < 0 && errno != EEXIST) {
				err = -errno;
				break;
			}
			*p = c;
		}
		if (!*p)
			break;
	}
	free(copy);
	if (err)
		return err;
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* The pid written in the lock file, or 0. */
static pid_t lock_holder(int fd)
{
	char buf[32];
	ssize_t n;
	long pid;
	char *end;
	int tries;

	/* The holder may be between truncating and writing: let it finish. */
	for (tries = 0; tries < 50; tries++) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0 && buf[n - 1] == '\n') {
			buf[n] = '\0';
			pid = strtol(buf, &end, 10);
			if (pid > 0 && *end == '\n')
				return pid;
			return 0;
		}
		usleep(10000);
	}
	return 0;
}

int instance_lock(const char *dir, pid_t *holder)
{
	char path[4096], pid[32];
	int fd, err, len;

	*holder = 0;
	if (snprintf(path, sizeof(path), "%s/%s", dir, LOCK_FILE) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		err = -errno;
		if (err == -EWOULDBLOCK)
			*holder = lock_holder(fd);
		close(fd);
		return err;
	}

	len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, len, 0) != len) {
		err = errno ? -errno : -EIO;
		close(fd);
		return err;
	}
	return fd;
}

static int write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= n;
	}
	return 0;
}

int write_atomic(const char *dir, const char *name, const void *data,
		 size_t len, mode_t mode)
{
	char tmp[4096], path[4096];
	int fd, dir_fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s/%s.tmp-XXXXXX", dir, name) >=
	    (int)sizeof(tmp) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fchmod(fd, mode) < 0 ? -errno : 0;
	if (!err)
		err = write_all(fd, data, len);
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}

	/* The rename itself must reach the disk too. */
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	err = fsync(dir_fd) < 0 ? -errno : 0;
	close(dir_fd);
	return err;
}
