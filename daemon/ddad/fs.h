/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fs.h: files ddad writes: its directory, its instance lock, and files
 * replaced atomically (fs.c).
 */
#ifndef DDAD_FS_H
#define DDAD_FS_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p path: creates path and its missing parents with mode. */
int mkdir_parents(const char *path, mode_t mode);

/*
 * Takes the single-instance lock, an flock on DIR/ddad.lock, and writes
 * our pid in it. Returns the lock's file descriptor, to keep open for
 * life; -EWOULDBLOCK with *holder set to the pid in the file (0 if it
 * cannot be read) when another ddad holds it; another negative errno.
 */
int instance_lock(const char *dir, pid_t *holder);

/*
 * Replaces dir/name with len bytes of data, atomically: a temporary file
 * in dir, written, fsync()ed and renamed over name, then dir fsync()ed.
 * 0 or a negative errno; name is then as it was.
 */
int write_atomic(const char *dir, const char *name, const void *data,
		 size_t len, mode_t mode);

#endif /* DDAD_FS_H */
