/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * args.h: the arguments of requests (args.c).
 */
#ifndef DDAD_ARGS_H
#define DDAD_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "libdda.h"

struct json_object;
struct reply;

/* What kind of JSON value obj is, in JSON's words: "a string", "null". */
const char *json_kind(struct json_object *obj);

/*
 * The string argument key of request: 0 with *out set (NULL when absent
 * and optional), else -EINVAL with reply saying what is wrong.
 */
int arg_string(struct json_object *request, const char *op, const char *key,
	       bool required, const char **out, struct reply *reply);

/* The optional boolean argument key of request: false when absent. */
int arg_bool(struct json_object *request, const char *op, const char *key,
	     bool *out, struct reply *reply);

/* The PCI address argument "address", canonical. */
int arg_address(struct json_object *request, const char *op,
		char out[DDA_ADDRESS_LEN + 1], struct reply *reply);

/* The guest argument "vm": a valid name (vm_name_valid()). */
int arg_vm(struct json_object *request, const char *op, const char **out,
	   struct reply *reply);

/*
 * The optional "timeout" argument, seconds (a number, 0 < t <= 3600), in
 * milliseconds; def when absent.
 */
int arg_timeout(struct json_object *request, const char *op,
		unsigned int def, unsigned int *out, struct reply *reply);

/* A PCI hostdev of a libvirt domain's XML, as the qemu hook names it. */
struct hostdev {
	char address[DDA_ADDRESS_LEN + 1];	/* canonical */
	bool managed;
};

/* The most hostdevs a libvirt_prepare takes. */
#define HOSTDEVS_MAX		256

/*
 * The "hostdevs" argument of libvirt_prepare: an array of at most
 * HOSTDEVS_MAX {"address": A, "managed": BOOL}, nothing else in them;
 * *out (to free()) holds *count of them.
 */
int arg_hostdevs(struct json_object *request, const char *op,
		 struct hostdev **out, size_t *count, struct reply *reply);

#endif /* DDAD_ARGS_H */
