/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The small helpers that libdda, ddactl, ddad and their tests share, each
 * defined here once. Not installed.
 */
#ifndef DDA_UTIL_H
#define DDA_UTIL_H

#include <stddef.h>

/* The number of elements of an array (not of a pointer). */
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* The structure of type that member, at ptr, is in. */
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* The value of the hex digit c, either case; -1 if c is none. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif /* DDA_UTIL_H */
