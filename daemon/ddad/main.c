// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddad: the policy daemon of dda, discrete device assignment.
 *
 * It runs in the foreground, for systemd's Type=simple, and logs to syslog;
 * --foreground logs to stderr too. One ddad runs per state directory: it
 * holds an flock on DIR/ddad.lock for life.
 *
 * Exit codes:
 *	0	stopped by SIGTERM or SIGINT
 *	1	could not start, or failed while serving
 *	2	bad usage
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "ddad.h"
#include "ddad_socket.h"
#include "fs.h"
#include "guest.h"
#include "guest_libvirt.h"
#include "job.h"
#include "kernel.h"
#include "kernel_view.h"
#include "libdda.h"
#include "log.h"
#include "reconcile.h"
#include "server.h"
#include "state.h"
#include "vm.h"

#ifndef DDA_VERSION
#define DDA_VERSION "unknown"
#endif

enum {
	EXIT_USAGE = 2,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ddad [--foreground] [--socket PATH] [--state-dir DIR] [--group NAME]\n"
		"            [--libvirt-uri URI]\n"
		"            [--events-buffer BYTES]\n"
		"       ddad --help | --version\n\n"
		"The policy daemon of dda, discrete device assignment.\n\n"
		"  -f, --foreground     log to stderr as well as to syslog\n"
		"  -s, --socket PATH    listen on PATH (default " DDAD_SOCKET ")\n"
		"  -d, --state-dir DIR  keep the state in DIR (default " DDAD_STATE_DIR ")\n"
		"  -g, --group NAME     let group NAME change device state, besides root\n"
		"      --libvirt-uri URI\n"
		"                       libvirt's domains are guests, from URI (default\n"
		"                       qemu:///system; retried while libvirtd is down)\n"
		"      --events-buffer BYTES\n"
		"                       the receive buffer of dda's events socket (tests)\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n\n"
		"ddad always runs in the foreground; SIGTERM or SIGINT stops it.\n"
		"Exit status: 0 stopped by a signal, 1 failure, 2 bad usage.\n");
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ddad: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'ddad --help'.\n", stderr);
	return EXIT_USAGE;
}

/* Reads the options into config: -1 to go on, else the exit code. */
static int options_parse(int argc, char *argv[], struct ddad_config *config)
{
	static const struct option options[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "group", required_argument, NULL, 'g' },
		{ "libvirt-uri", required_argument, NULL, 'L' },
		{ "events-buffer", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *arg;
	struct group *gr;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":fs:d:g:hV", options,
				NULL)) != -1) {
		arg = argv[optind - 1];
		switch (c) {
		case 'f':
			config->foreground = true;
			break;
		case 's':
			if (!*optarg)
				return usage_error("--socket needs a path");
			config->socket_path = optarg;
			break;
		case 'd':
			if (!*optarg)
				return usage_error("--state-dir needs a directory");
			config->state_dir = optarg;
			break;
		case 'g':
			if (!*optarg)
				return usage_error("--group needs a group name");
			config->group_name = optarg;
			break;
		case 'L':
			if (!*optarg)
				return usage_error("--libvirt-uri needs a URI");
			config->libvirt_uri = optarg;
			break;
		case 'E': {
			char *end;
			long n;

			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 ||
			    n > 1 << 30)
				return usage_error("--events-buffer needs a number of bytes, 1 to 1073741824, not '%s'",
						   optarg);
			config->events_buffer = n;
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("ddad %s\n", DDA_VERSION);
			return EXIT_SUCCESS;
		case ':':
			if (!strncmp(arg, "--", 2))
				return usage_error("option '%s' needs an argument",
						   arg);
			return usage_error("option '-%c' needs an argument",
					   optopt);
		default:
			if (!strncmp(arg, "--", 2) && optopt)
				return usage_error("option '%s' takes no argument",
						   arg);
			if (!strncmp(arg, "--", 2))
				return usage_error("unknown option '%s'", arg);
			return usage_error("unknown option '-%c'", optopt);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);

	if (config->group_name) {
		gr = getgrnam(config->group_name);
		if (!gr)
			return usage_error("no group named '%s'",
					   config->group_name);
		config->group = gr->gr_gid;
	}
	return -1;
}

/*
 * SIGTERM and SIGINT, blocked from the start and read from a signalfd: one
 * that comes while ddad starts waits for the loop, which then stops.
 */
static int signals_open(void)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int ddad_run(struct ddad *ddad, int signal_fd)
{
	const struct ddad_config *config = &ddad->config;
	int lock_fd, listen_fd, err;
	pid_t holder;

	err = mkdir_parents(config->state_dir, 0755);
	if (err) {
		log_msg(LOG_ERR, "cannot create %s: %s", config->state_dir,
			strerror(-err));
		return EXIT_FAILURE;
	}
	lock_fd = instance_lock(config->state_dir, &holder);
	if (lock_fd == -EWOULDBLOCK) {
		if (holder)
			log_msg(LOG_ERR, "already running (pid %d)",
				(int)holder);
		else
			log_msg(LOG_ERR, "already running");
		return EXIT_FAILURE;
	}
	if (lock_fd < 0) {
		log_msg(LOG_ERR, "cannot lock %s/ddad.lock: %s",
			config->state_dir, strerror(-lock_fd));
		return EXIT_FAILURE;
	}

	err = state_load(&ddad->state, config->state_dir);
	if (err)
		goto out;
	err = kernel_init(ddad);
	if (err) {
		log_msg(LOG_ERR, "cannot make a pipe: %s", strerror(-err));
		goto out;
	}
	listen_fd = server_listen(config);
	if (listen_fd < 0) {
		err = listen_fd;
		goto out;
	}

	log_started();
	log_msg(LOG_INFO, "version %s, listening on %s, state in %s",
		DDA_VERSION, config->socket_path, config->state_dir);
	/*
	 * What a previous ddad left under way: what dda.ko says now is
	 * settled at once, what the guests say as they connect.
	 */
	err = vms_start(ddad);
	if (!err)
		err = libvirt_guests_start(ddad, config->libvirt_uri);
	if (!err) {
		reconcile(ddad);
		err = server_run(ddad, listen_fd, signal_fd);
	} else {
		close(listen_fd);
	}
	jobs_release(ddad);
	libvirt_guests_stop(ddad);
	while (ddad->guest_count)
		guest_destroy(ddad->guests[0]);
	free(ddad->guests);
	state_save(&ddad->state);
	holders_release(ddad);
out:
	kernel_view_release(ddad);
	kernel_release(ddad);
	state_release(&ddad->state);
	close(lock_fd);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char *argv[])
{
	struct ddad ddad = {
		.config = {
			.socket_path = DDAD_SOCKET,
			.state_dir = DDAD_STATE_DIR,
		},
		.kernel_pipe = { -1, -1 },
	};
	struct rlimit nofile;
	int ret, signal_fd;

	ret = options_parse(argc, argv, &ddad.config);
	if (ret >= 0)
		return ret;

	/* A client gone mid-reply is an error on its socket, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	/* Room for root beside every other user's clients (server.c). */
	if (!getrlimit(RLIMIT_NOFILE, &nofile) &&
	    nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	log_open(ddad.config.foreground);
	signal_fd = signals_open();
	if (signal_fd < 0) {
		log_msg(LOG_ERR, "cannot watch for signals: %s",
			strerror(-signal_fd));
		ret = EXIT_FAILURE;
	} else {
		ret = ddad_run(&ddad, signal_fd);
		close(signal_fd);
	}
	log_close();
	return ret;
}
