// SPDX-License-Identifier: GPL-2.0-only
/*
 * dda.ko, through libdda. Describing devices is quick and done in place.
 * A handover binds vfio-pci (an assign's keeps the group's DMA until
 * its release, right before the guest opens it); a reclaim waits until
 * QEMU let go of the device, then resets it: seconds, or as long as a
 * QEMU holds on. Each
 * runs in a detached thread with a dda handle of its own (a struct dda is
 * not thread-safe), which reports the end by writing its call's address
 * to a pipe; the poll loop reads it and calls done(). The thread touches
 * nothing else of ddad's.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ddad.h"
#include "kernel.h"
#include "libdda.h"
#include "log.h"

struct kernel_call {
	enum kernel_change change;
	char address[DDA_ADDRESS_LEN + 1];
	kernel_done_fn *done;
	void *ctx;
	int report_fd;
	struct kernel_result result;
};

int kernel_init(struct ddad *ddad)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	/* The loop must not wait on it; a thread may, for a moment. */
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	ddad->kernel_pipe[0] = fds[0];
	ddad->kernel_pipe[1] = fds[1];
	return 0;
}

void kernel_release(struct ddad *ddad)
{
	/*
	 * Threads still under way keep the write end: a reclaim waiting on
	 * QEMU ends with ddad. dda.ko finishes what it started either way.
	 */
	if (ddad->kernel_pipe[0] >= 0)
		close(ddad->kernel_pipe[0]);
	ddad->kernel_pipe[0] = -1;
}

int kernel_fd(const struct ddad *ddad)
{
	return ddad->kernel_pipe[0];
}

unsigned int kernel_busy(const struct ddad *ddad)
{
	return ddad->kernel_busy;
}

static void why(char *message, size_t size, const struct dda *dda, int err)
{
	const char *reason = dda_error(dda);

	snprintf(message, size, "%s", *reason ? reason : strerror(-err));
}

static void *kernel_thread(void *arg)
{
	struct kernel_call *call = arg;
	struct kernel_result *result = &call->result;
	struct dda *dda;
	ssize_t n;
	int err;

	err = dda_open(&dda);
	if (err) {
		why(result->message, sizeof(result->message), NULL, err);
	} else {
		switch (call->change) {
		case KERNEL_HANDOVER:
			err = dda_handover(dda, call->address, &result->dev);
			break;
		case KERNEL_RECLAIM:
			err = dda_reclaim(dda, call->address, &result->dev);
			break;
		case KERNEL_HANDOVER_HOLD:
			err = dda_handover_flags(dda, call->address,
						 DDA_HANDOVER_HOLD,
						 &result->dev);
			break;
		case KERNEL_RELEASE:
			err = dda_release(dda, call->address, &result->dev);
			break;
		case KERNEL_DESCRIBE:
			err = dda_device_get(dda, call->address, &result->dev);
			break;
		case KERNEL_LIST:
			err = dda_device_list(dda, &result->devs,
					      &result->count);
			break;
		}
		if (err)
			why(result->message, sizeof(result->message), dda,
			    err);
		dda_close(dda);
	}
	result->err = err;

	do {
		n = write(call->report_fd, &call, sizeof(call));
	} while (n < 0 && errno == EINTR);
	/* No loop to tell (ddad is stopping): the call is ours to free. */
	if (n != sizeof(call)) {
		free(result->devs);
		free(call);
	}
	return NULL;
}

int kernel_start(struct ddad *ddad, enum kernel_change change,
		 const char *address, kernel_done_fn *done, void *ctx)
{
	struct kernel_call *call;
	pthread_attr_t attr;
	pthread_t thread;
	sigset_t all, old;
	int err;

	call = calloc(1, sizeof(*call));
	if (!call)
		return -ENOMEM;
	*call = (struct kernel_call){ .change = change, .done = done,
				      .ctx = ctx,
				      .report_fd = ddad->kernel_pipe[1] };
	snprintf(call->address, sizeof(call->address), "%s", address);

	/* The thread takes no signal: they are the loop's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_attr_init(&attr);
	if (!err) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		err = -pthread_create(&thread, &attr, kernel_thread, call);
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		log_msg(LOG_ERR, "cannot start a thread for %s: %s", address,
			strerror(-err));
		free(call);
		return err;
	}
	ddad->kernel_busy++;
	return 0;
}

void kernel_reap(struct ddad *ddad)
{
	struct kernel_call *call;
	ssize_t n;

	for (;;) {
		n = read(ddad->kernel_pipe[0], &call, sizeof(call));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(call))
			return;
		ddad->kernel_busy--;
		call->done(ddad, call->ctx, &call->result);
		free(call->result.devs);
		free(call);
	}
}

/* A dda.ko handle in *dda, or a negative errno with message saying why. */
static int kernel_open(struct dda **dda, char *message, size_t size)
{
	int err = dda_open(dda);

	if (!err)
		return 0;
	/* -ENOENT: "the dda kernel module is not loaded". */
	if (*dda_error(NULL))
		snprintf(message, size, "%s", dda_error(NULL));
	else
		snprintf(message, size, "cannot connect to dda.ko: %s",
			 strerror(-err));
	return err;
}

int kernel_group(const char *address, struct dda_device **devs,
		 size_t *count, char *message, size_t size)
{
	struct dda_device self, *members = NULL, first;
	size_t n = 0, i;
	struct dda *dda;
	int err;

	*devs = NULL;
	*count = 0;
	err = kernel_open(&dda, message, size);
	if (err)
		return err;
	err = dda_device_get(dda, address, &self);
	if (err == -ENODEV) {
		err = 0;
		goto out;
	}
	if (err) {
		snprintf(message, size, "cannot describe %s: %s", address,
			 *dda_error(dda) ? dda_error(dda) : strerror(-err));
		goto out;
	}
	if (self.iommu_group >= 0) {
		err = dda_group_list(dda, self.iommu_group, &members, &n);
		if (err) {
			snprintf(message, size,
				 "cannot list IOMMU group %d of %s: %s",
				 self.iommu_group, address,
				 *dda_error(dda) ? dda_error(dda) :
				 strerror(-err));
			goto out;
		}
	}
	/* The device first, as the group says it now. */
	for (i = 0; i < n; i++) {
		if (strcmp(members[i].address, self.address))
			continue;
		first = members[i];
		members[i] = members[0];
		members[0] = first;
		break;
	}
	if (i == n) {		/* no group, or it left it meanwhile */
		struct dda_device *more;

		more = realloc(members, (n + 1) * sizeof(*more));
		if (!more) {
			snprintf(message, size, "out of memory");
			err = -ENOMEM;
			goto out;
		}
		members = more;
		memmove(&members[1], &members[0], n * sizeof(*members));
		members[0] = self;
		n++;
	}
	*devs = members;
	*count = n;
	members = NULL;
out:
	free(members);
	dda_close(dda);
	return err;
}
