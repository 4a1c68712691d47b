// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl events: dda.ko's state changes, a line each as they happen, until
 * killed. Each line is flushed at once, for whatever reads the pipe.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>

#include "ddactl.h"
#include "event_print.h"

int events_main(const struct command *cmd, const struct args *args)
{
	struct dda_event event;
	struct pollfd pfd;
	struct dda *dda;
	int ret, err;

	(void)cmd;
	ret = command_open_events(&dda);
	if (ret >= 0)
		return ret;

	pfd = (struct pollfd){ .fd = dda_events_fd(dda), .events = POLLIN };
	for (;;) {
		err = dda_event_read(dda, &event);
		if (!err) {
			if (event_print(stdout, &event, args->json) ||
			    fflush(stdout)) {
				warn("cannot write the output");
				ret = DDACTL_FAILED;
				break;
			}
			continue;
		}
		/* Lost or malformed events: say so, and listen on. */
		if (err == -ENOBUFS || err == -EBADMSG) {
			warnx("%s", dda_error(dda));
			continue;
		}
		if (err != -EAGAIN) {
			ret = command_failed(dda, err, "events");
			break;
		}
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
			ret = command_failed(NULL, -errno, "events");
			break;
		}
	}
	dda_close(dda);
	return ret;
}
