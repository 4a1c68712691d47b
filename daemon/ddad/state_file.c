// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state file, DIR/state.json (its JSON: state_json.c): loaded at
 * start, a corrupt one moved aside; only ever replaced whole
 * (write_atomic()), and only when something changed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <json-c/json.h>

#include "fs.h"
#include "isotime.h"
#include "log.h"
#include "state.h"
#include "state_json.h"

#define STATE_SIZE_MAX		(16 << 20)
#define STATE_TMP_PREFIX	STATE_FILE ".tmp-"
#define STATE_CORRUPT		STATE_FILE ".corrupt-"
#define WHY(...)	(snprintf(why, STATE_WHY_SIZE, __VA_ARGS__), -EINVAL)

/* Reads the whole state file: 0, -ENOENT, -EINVAL with why, or errors. */
static int state_read(const char *path, char **text, size_t *len, char *why)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	char *buf;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? WHY("a symbolic link") : -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = WHY("not a regular file");
	else if (st.st_size > STATE_SIZE_MAX)
		err = WHY("larger than %d bytes", STATE_SIZE_MAX);
	else if (!st.st_size)
		err = WHY("empty");
	if (err) {
		close(fd);
		return err;
	}

	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, buf + done, st.st_size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		done += n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[done] = '\0';
	*text = buf;
	*len = done;
	return 0;
}

/* Renames a corrupt state file to state.json.corrupt-TIME[-N]. */
static int state_set_aside(const char *dir, char *name, size_t size)
{
	char path[4096], aside[4096], stamp[TIME_SIZE], compact[TIME_SIZE];
	int i, n, err = -EEXIST;
	char *p, *q;

	time_format(time(NULL), stamp);
	for (p = stamp, q = compact; *p; p++)	/* 20250131T120000Z */
		if (*p != '-' && *p != ':')
			*q++ = *p;
	*q = '\0';

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	for (i = 1; i < 100 && err == -EEXIST; i++) {
		if (i == 1)
			n = snprintf(name, size, "%s%s", STATE_CORRUPT, compact);
		else
			n = snprintf(name, size, "%s%s-%d", STATE_CORRUPT,
				     compact, i);
		if (n >= (int)size ||
		    snprintf(aside, sizeof(aside), "%s/%s", dir, name) >=
		    (int)sizeof(aside))
			return -ENAMETOOLONG;
		err = renameat2(AT_FDCWD, path, AT_FDCWD, aside,
				RENAME_NOREPLACE) < 0 ? -errno : 0;
		/* A file system without RENAME_NOREPLACE. */
		if (err == -EINVAL) {
			if (!access(aside, F_OK))
				err = -EEXIST;
			else
				err = rename(path, aside) < 0 ? -errno : 0;
		}
	}
	return err;
}

/* Removes what an interrupted write_atomic() left behind. */
static void state_remove_temporaries(const char *dir)
{
	char path[4096];
	struct dirent *entry;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return;
	while ((entry = readdir(d)))
		if (!strncmp(entry->d_name, STATE_TMP_PREFIX,
			     strlen(STATE_TMP_PREFIX)) &&
		    snprintf(path, sizeof(path), "%s/%s", dir,
			     entry->d_name) < (int)sizeof(path))
			unlink(path);
	closedir(d);
}

int state_load(struct state *state, const char *dir)
{
	char path[4096], why[STATE_WHY_SIZE] = "", aside[256] = "";
	char *text = NULL;
	size_t len = 0;
	int err;

	*state = (struct state){ 0 };
	state->dir = strdup(dir);
	if (!state->dir)
		return -ENOMEM;
	if (snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	state_remove_temporaries(dir);

	err = state_read(path, &text, &len, why);
	if (!err) {
		err = state_parse(state, text, len, why);
		free(text);
	}
	if (err == -ENOENT)
		err = 0;
	if (err == -EINVAL) {
		state_clear(state);
		err = state_set_aside(dir, aside, sizeof(aside));
		if (err) {
			log_msg(LOG_ERR, "%s is corrupt (%s) and cannot be moved aside: %s",
				path, why, strerror(-err));
			return err;
		}
		log_msg(LOG_WARNING, "%s is corrupt (%s): moved aside to %s, rebuilt from dda.ko: no device is given to a guest for its word",
			path, why, aside);
	} else if (err) {
		log_msg(LOG_ERR, "cannot read %s: %s", path, strerror(-err));
		return err;
	}

	state->dirty = false;
	state->rebuilt = err == 0 && *aside;
	return 0;
}

int state_save(struct state *state)
{
	const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			  JSON_C_TO_STRING_NOSLASHESCAPE;
	struct json_object *root;
	const char *text;
	char *buf;
	size_t len;
	int err;

	if (!state->dirty)
		return 0;
	root = state_json(state);
	text = root ? json_object_to_json_string_ext(root, flags) : NULL;
	len = text ? strlen(text) : 0;
	buf = text ? malloc(len + 1) : NULL;
	if (!buf) {
		json_object_put(root);
		log_msg(LOG_ERR, "cannot write %s/%s: %s", state->dir,
			STATE_FILE, strerror(ENOMEM));
		return -ENOMEM;
	}
	memcpy(buf, text, len);
	buf[len++] = '\n';
	json_object_put(root);

	err = write_atomic(state->dir, STATE_FILE, buf, len, 0600);
	free(buf);
	if (err) {
		log_msg(LOG_ERR, "cannot write %s/%s: %s", state->dir,
			STATE_FILE, strerror(-err));
		return err;
	}
	state->dirty = false;
	return 0;
}
