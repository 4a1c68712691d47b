/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What ddactl's command files share: their functions, the requests to
 * ddad, and the helpers that check an address and report failures.
 */
#ifndef DDACTL_H
#define DDACTL_H

#include <stdbool.h>
#include <stddef.h>

#include "args.h"
#include "libdda.h"

/* The commands' functions, by file; ddactl.c has their table. */

/* device.c */
int list_main(const struct command *cmd, const struct args *args);
int show_main(const struct command *cmd, const struct args *args);

/* transition.c */
int dismount_main(const struct command *cmd, const struct args *args);
int mount_main(const struct command *cmd, const struct args *args);
int reset_main(const struct command *cmd, const struct args *args);
int handover_main(const struct command *cmd, const struct args *args);
int release_main(const struct command *cmd, const struct args *args);

/*
 * Prints the blockers and warnings of the device's survey, below the
 * reason of a refusal. Best effort: a survey that fails adds nothing.
 */
void transition_explain(struct dda *dda, const char *address);

/* survey.c */
int survey_main(const struct command *cmd, const struct args *args);

/* event.c */
int events_main(const struct command *cmd, const struct args *args);

/* policy.c: check, apply, modprobe */
extern const struct command policy_commands[];
extern const char policy_notes[];

/* sriov.c */
int sriov_main(const struct command *cmd, const struct args *args);

/* assign.c */
int assign_main(const struct command *cmd, const struct args *args);
int unassign_main(const struct command *cmd, const struct args *args);
int reclaim_main(const struct command *cmd, const struct args *args);
int reassign_main(const struct command *cmd, const struct args *args);

/* status.c */
int status_main(const struct command *cmd, const struct args *args);

/* vm.c: add, list, remove */
extern const struct command vm_commands[];

/* ddad_client.c: requests to ddad */

struct json_object;
struct device_view;

/* --socket PATH, or NULL: then $DDA_SOCKET, else DDAD_SOCKET. */
extern const char *ddactl_socket;

/* How long a quick request may take. */
#define DDAD_TIMEOUT_MS		30000

/* The socket ddactl talks to ddad on. */
const char *ddad_socket(void);

/* {"op": op}, or NULL when out of memory. */
struct json_object *ddad_request(const char *op);

/* Adds key: value to a request, taking value over; false when it failed. */
bool ddad_request_add(struct json_object *request, const char *key,
		      struct json_object *value);

/*
 * Sends request (taken over; NULL stands for out of memory) and waits up
 * to timeout_ms for the reply: DDACTL_OK with its result in *result (to
 * json_object_put()), else DDACTL_FAILED after saying why: ddad's error
 * message, or that ddad is not running and how to start it.
 */
int ddad_call(struct json_object *request, int timeout_ms,
	      struct json_object **result);

/* Sends request and reads the reply whole, quietly: 0 or -errno. */
int ddad_ask(struct json_object *request, int timeout_ms,
	     struct json_object **reply);

/*
 * Names the guests of views[count] as ddad says, when it is running
 * (quietly: NULL otherwise). The names live in what it returns, to
 * json_object_put() after printing.
 */
struct json_object *ddad_vms(struct device_view *views, size_t count);

struct json_column;

/*
 * Asks ddad for op, whose result is an array of objects, and prints it for
 * cmd: as ddad's JSON, else as a table of columns[n], or the line empty
 * when there is no row. Returns the exit code, after saying what failed.
 */
int ddad_print_list(const struct command *cmd, const char *op, bool json,
		    const struct json_column *columns, size_t n,
		    const char *empty);

/* ddactl.c */

/*
 * Canonicalizes a PCI address given on the command line. Returns -1 to go
 * on, else DDACTL_USAGE after saying the text is not an address.
 */
int command_address(const char *text, char out[DDA_ADDRESS_LEN + 1]);

/*
 * Connects to dda.ko. Returns -1 to go on, else DDACTL_FAILED after saying
 * why not, e.g. that the dda kernel module is not loaded.
 */
int command_open(struct dda **dda);

/* As command_open(), for a handle that hears dda.ko's events. */
int command_open_events(struct dda **dda);

/*
 * Says that what failed with err, a negative errno: the reason dda_error()
 * gives, when dda is not NULL and it gives one, then the errno text.
 * Returns DDACTL_FAILED.
 */
int command_failed(const struct dda *dda, int err, const char *what);

#endif /* DDACTL_H */
