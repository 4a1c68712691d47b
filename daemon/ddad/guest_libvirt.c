// SPDX-License-Identifier: GPL-2.0-only
/*
 * libvirt's domains as guests (guest.h), through libvirt.h's connection.
 *
 * Every domain libvirt lists is a guest of ddad by its name, kind
 * "libvirt", with no vm_add: listed when ddad connects, when libvirt says
 * a domain was defined or undefined, and every LIBVIRT_REFRESH_MS after
 * (what a lost event would have said), and looked at (running? its QEMU's pid? its
 * PCI hostdevs, from the live XML) when it is new, starts or stops. It is
 * up while libvirt is connected, it runs and its QEMU process is known:
 * that process (a pidfd of the pid libvirt_query() names) is what ddad
 * records for what it gives the domain, as for a QMP guest.
 *
 *	prepare   libvirt_query: running, and its QEMU process
 *	add       libvirt_attach: a live managed='no' hostdev, alias
 *		  ua-dda-..., checked in the live XML (and, with
 *		  JOB_PERSISTENT, in the domain's config)
 *	remove    libvirt_detach by alias: done at DEVICE_REMOVED
 *	look      libvirt_query: is the device in its live XML
 *
 * A domain that stops, crashes or is destroyed says nothing by itself:
 * what it holds comes back to quarantine when its QEMU process is gone
 * (reconcile.c's holders, by the pidfd), never to the host driver. While
 * libvirtd is away (restarted) no domain is up: nothing moves, and once
 * connected again every domain is looked at and reconciled.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <json-c/json.h>

#include "ddad.h"
#include "guest.h"
#include "guest_libvirt.h"
#include "job.h"
#include "json_add.h"
#include "libdda.h"
#include "libvirt.h"
#include "log.h"
#include "process.h"
#include "state.h"
#include "timer.h"
#include "util.h"

#define LIBVIRT_REFRESH_MS	5000

enum request_kind {
	REQ_DOMAINS,		/* the list of domains */
	REQ_QUERY,		/* a look at one, for ddad itself */
	REQ_PREPARE,		/* the guest.h ops of a job */
	REQ_ADD,
	REQ_REMOVE,
	REQ_LOOK,
};

struct domain;

/* A request under way: whom its LIBVIRT_DONE is for. */
struct request {
	uint64_t id;
	enum request_kind kind;
	struct domain *dom;	/* NULL: the domain is gone, or REQ_DOMAINS */
	struct job *job;	/* NULL: nobody waits (cancelled) */
};

struct domain {
	struct guest guest;
	struct libvirt_guests *lg;
	bool running;
	bool listed;		/* in libvirt's last list */
	struct libvirt_hostdev *hostdevs;	/* its live XML's, last seen */
	size_t n_hostdevs;
};

struct libvirt_guests {
	struct ddad *ddad;
	struct libvirt *lv;
	char *uri;
	bool connected;
	bool said;		/* that it is not connected, once */
	bool look_all;		/* the next list: look at every domain */
	bool list_again;	/* asked for a list while one was under way */
	char why[256];		/* why it is not connected */
	struct request *reqs;
	size_t n_reqs;
	struct timer timer;	/* the next list */
};

static const struct guest_ops domain_ops;

static struct domain *dom_of(const struct guest *guest)
{
	return container_of(guest, struct domain, guest);
}

static const char *uri_of(const struct libvirt_guests *lg)
{
	return lg->uri ? lg->uri : LIBVIRT_URI_DEFAULT;
}

/* Keeps id (0: the request failed, errno says why) for its answer. */
static int request_keep(struct libvirt_guests *lg, uint64_t id,
			enum request_kind kind, struct domain *dom,
			struct job *job)
{
	struct request *reqs;

	if (!id)
		return -(errno ? errno : EIO);
	reqs = reallocarray(lg->reqs, lg->n_reqs + 1, sizeof(*reqs));
	if (!reqs)
		return -ENOMEM;	/* its answer goes nowhere */
	lg->reqs = reqs;
	reqs[lg->n_reqs++] = (struct request){ .id = id, .kind = kind,
					       .dom = dom, .job = job };
	return 0;
}

/*
 * Asks for the list of domains, unless one is under way: then once more
 * when it is answered (what changed since it began may be missing from
 * it). A flood of define/undefine events costs two lists, not one each.
 */
static void domains_list(struct libvirt_guests *lg)
{
	size_t i;

	for (i = 0; i < lg->n_reqs; i++)
		if (lg->reqs[i].kind == REQ_DOMAINS) {
			lg->list_again = true;
			return;
		}
	request_keep(lg, libvirt_domains(lg->lv), REQ_DOMAINS, NULL, NULL);
}

static bool request_take(struct libvirt_guests *lg, uint64_t id,
			 struct request *out)
{
	size_t i;

	for (i = 0; i < lg->n_reqs; i++) {
		if (lg->reqs[i].id != id)
			continue;
		*out = lg->reqs[i];
		lg->reqs[i] = lg->reqs[--lg->n_reqs];
		return true;
	}
	return false;
}

static struct domain *domain_find(struct libvirt_guests *lg,
				  const char *name)
{
	struct guest *guest = guest_find(lg->ddad, name);

	return guest && guest->ops == &domain_ops ? dom_of(guest) : NULL;
}

static void domain_set_up(struct domain *dom)
{
	dom->guest.up = dom->lg->connected && dom->running &&
			dom->guest.proc.pid > 0;
	if (dom->guest.up)
		dom->guest.why[0] = '\0';
	else if (!dom->lg->connected)
		snprintf(dom->guest.why, sizeof(dom->guest.why),
			 "libvirt is not connected");
	else if (!dom->running)
		snprintf(dom->guest.why, sizeof(dom->guest.why),
			 "the libvirt domain is not running");
	else
		snprintf(dom->guest.why, sizeof(dom->guest.why),
			 "its QEMU process is not known");
}

/*
 * The domain named name, made when new; NULL when a guest of another kind
 * has the name (said in the log with say).
 */
static struct domain *domain_get(struct libvirt_guests *lg, const char *name,
				 bool say, bool *made)
{
	struct guest *other = guest_find(lg->ddad, name);
	struct domain *dom;

	*made = false;
	if (other && other->ops == &domain_ops)
		return dom_of(other);
	if (other) {
		if (say)
			log_msg(LOG_WARNING, "libvirt domain %s has the name of a %s guest of ddad's: left out (vm remove %s to reach it)",
				name, other->ops->kind, name);
		return NULL;
	}
	if (!vm_name_valid(name))
		return NULL;	/* ddad's names are narrower than libvirt's */
	dom = calloc(1, sizeof(*dom));
	if (!dom)
		return NULL;
	dom->lg = lg;
	if (guest_init(&dom->guest, &domain_ops, lg->ddad, name) ||
	    guest_register(&dom->guest)) {
		free(dom->guest.name);
		free(dom);
		return NULL;
	}
	domain_set_up(dom);
	*made = true;
	return dom;
}

static void domain_query(struct libvirt_guests *lg, struct domain *dom)
{
	request_keep(lg, libvirt_query(lg->lv, dom->guest.name), REQ_QUERY,
		     dom, NULL);
}

/* What libvirt_query() said of it: running, its QEMU, its hostdevs. */
static void domain_update(struct domain *dom, struct libvirt_event *ev)
{
	struct process *proc = &dom->guest.proc;

	dom->running = ev->running;
	free(dom->hostdevs);
	dom->hostdevs = ev->hostdevs;
	dom->n_hostdevs = ev->n_hostdevs;
	ev->hostdevs = NULL;
	ev->n_hostdevs = 0;
	if (!ev->running || ev->pid <= 0) {
		process_close(proc);
	} else if (proc->pid != ev->pid || process_exited(proc)) {
		process_close(proc);
		if (process_open(ev->pid, proc))
			process_close(proc);
	}
	domain_set_up(dom);
}

static bool domain_has(const struct guest *guest, const char *address)
{
	const struct domain *dom = dom_of(guest);
	size_t i;

	for (i = 0; i < dom->n_hostdevs; i++)
		if (!strcmp(dom->hostdevs[i].address, address))
			return true;
	return false;
}

static void domain_forget_hostdev(struct domain *dom, const char *address)
{
	size_t i;

	for (i = 0; i < dom->n_hostdevs; i++)
		if (!strcmp(dom->hostdevs[i].address, address))
			dom->hostdevs[i--] = dom->hostdevs[--dom->n_hostdevs];
}

static int domain_note_hostdev(struct domain *dom, const char *address)
{
	struct libvirt_hostdev *hd;

	if (domain_has(&dom->guest, address))
		return 0;
	hd = reallocarray(dom->hostdevs, dom->n_hostdevs + 1, sizeof(*hd));
	if (!hd)
		return -ENOMEM;
	dom->hostdevs = hd;
	hd = &hd[dom->n_hostdevs++];
	memset(hd, 0, sizeof(*hd));
	snprintf(hd->address, sizeof(hd->address), "%s", address);
	libvirt_alias(address, hd->alias);
	return 0;
}

/* Whether ddad still needs the domain: a record or a job names it. */
static bool domain_needed(struct domain *dom)
{
	struct state *state = &dom->lg->ddad->state;
	size_t i;

	for (i = 0; i < state->count; i++)
		if (state->devices[i].vm &&
		    !strcmp(state->devices[i].vm, dom->guest.name))
			return true;
	return jobs_on_vm(dom->lg->ddad, &dom->guest);
}

/* libvirt listed its domains: new ones are looked at, gone ones go. */
static void domains_listed(struct libvirt_guests *lg,
			   struct libvirt_event *ev)
{
	struct ddad *ddad = lg->ddad;
	struct domain *dom;
	bool made, all = lg->look_all;
	size_t i;

	lg->look_all = false;
	for (i = 0; i < ddad->guest_count; i++)
		if (ddad->guests[i]->ops == &domain_ops)
			dom_of(ddad->guests[i])->listed = false;
	for (i = 0; i < ev->n_names; i++) {
		dom = domain_get(lg, ev->names[i], all, &made);
		if (!dom)
			continue;
		dom->listed = true;
		if (made || all)
			domain_query(lg, dom);
	}
	for (i = ddad->guest_count; i > 0; i--) {
		struct guest *guest = ddad->guests[i - 1];

		if (guest->ops != &domain_ops || dom_of(guest)->listed)
			continue;
		dom = dom_of(guest);
		if (domain_needed(dom)) {
			dom->running = false;
			domain_set_up(dom);
		} else {
			guest_destroy(guest);
		}
	}
}

/* --- the answers ------------------------------------------------------ */

static void answer_prepare(struct domain *dom, struct job *job,
			   struct libvirt_event *ev)
{
	char what[300];
	int err = -ev->err;

	if (ev->err == ENOENT)
		snprintf(what, sizeof(what), "no libvirt domain named %s",
			 dom->guest.name);
	else if (ev->err)
		snprintf(what, sizeof(what), "libvirt domain %s: %s",
			 dom->guest.name, ev->message ? ev->message :
			 strerror(ev->err));
	else if (!dom->running)
		err = -ENOTCONN;
	else if (dom->guest.proc.pid <= 0)
		err = -ESRCH;
	if (err == -ENOTCONN && !ev->err)
		snprintf(what, sizeof(what), "libvirt domain %s is not running",
			 dom->guest.name);
	if (err == -ESRCH)
		snprintf(what, sizeof(what),
			 "libvirt domain %s: its QEMU process is not known (libvirtd's pid file of qemu:///system names it)",
			 dom->guest.name);
	guest_prepared(job, err, err ? what : NULL);
}

static void answer_add(struct domain *dom, struct job *job,
		       struct libvirt_event *ev)
{
	char what[300];

	if (!ev->err) {
		domain_note_hostdev(dom, job->address);
		guest_added(job, 0, NULL);
		return;
	}
	/* Unless it was never asked, it may be in: taken out on rollback. */
	job->plugged = ev->err != ENOTCONN && ev->err != EINVAL;
	snprintf(what, sizeof(what), "libvirt cannot attach %s to domain %s: %s",
		 job->address, dom->guest.name,
		 ev->message ? ev->message : strerror(ev->err));
	guest_added(job, -ev->err, what);
}

static void answer_remove(struct domain *dom, struct job *job,
			  struct libvirt_event *ev)
{
	char what[300];

	switch (ev->err) {
	case 0:
		domain_forget_hostdev(dom, job->address);
		/* fall through */
	case ENOENT:		/* it has it no more, it says: looked at */
		guest_removed(job, 0, NULL);
		return;
	case ESRCH:		/* it stopped: its QEMU's end is the proof */
	case ECONNRESET:	/* libvirtd went away: nothing proven */
	case ENOTCONN:
		return;
	default:
		snprintf(what, sizeof(what), "refused to release %s (%s)",
			 job->address, ev->message ? ev->message :
			 strerror(ev->err));
		guest_removed(job, -ev->err, what);
	}
}

static void request_answered(struct libvirt_guests *lg,
			     struct libvirt_event *ev)
{
	struct request req;
	struct domain *dom;
	char what[300];

	if (!request_take(lg, ev->id, &req))
		return;
	if (req.kind == REQ_DOMAINS) {
		if (!ev->err)
			domains_listed(lg, ev);
		if (lg->list_again) {
			lg->list_again = false;
			domains_list(lg);
		}
		return;
	}
	dom = req.dom;
	if (!dom)
		return;
	if (req.kind == REQ_QUERY || req.kind == REQ_PREPARE ||
	    req.kind == REQ_LOOK) {
		if (!ev->err)
			domain_update(dom, ev);
		else if (ev->err == ENOENT) {
			dom->running = false;
			domain_set_up(dom);
		}
	}
	if (!req.job) {
		if (req.kind == REQ_QUERY && !ev->err)
			guest_changed(&dom->guest);
		return;
	}
	switch (req.kind) {
	case REQ_PREPARE:
		answer_prepare(dom, req.job, ev);
		break;
	case REQ_ADD:
		answer_add(dom, req.job, ev);
		break;
	case REQ_REMOVE:
		answer_remove(dom, req.job, ev);
		break;
	case REQ_LOOK:
		snprintf(what, sizeof(what), "libvirt's live XML of it cannot be had (%s)",
			 ev->message ? ev->message : strerror(ev->err));
		guest_looked(req.job, ev->err || domain_has(&dom->guest,
							     req.job->address),
			     -ev->err, ev->err ? what : NULL);
		break;
	default:
		break;
	}
}

/* --- libvirt's own events ----------------------------------------------- */

static const char *stop_reason(enum libvirt_stop_reason reason)
{
	switch (reason) {
	case LIBVIRT_STOP_SHUTDOWN:
		return "shut down";
	case LIBVIRT_STOP_DESTROYED:
		return "destroyed";
	case LIBVIRT_STOP_CRASHED:
		return "crashed";
	default:
		return "stopped";
	}
}

static void connection_changed(struct libvirt_guests *lg, bool up,
			       const char *why)
{
	struct ddad *ddad = lg->ddad;
	size_t i;

	if (up) {
		log_msg(LOG_INFO, "libvirt: connected to %s: its domains are guests",
			uri_of(lg));
		lg->connected = true;
		lg->said = false;
		lg->look_all = true;
		request_keep(lg, libvirt_domains(lg->lv), REQ_DOMAINS, NULL,
			     NULL);
		timer_arm(ddad, &lg->timer, LIBVIRT_REFRESH_MS);
		return;
	}
	snprintf(lg->why, sizeof(lg->why), "%s", why ? why : "disconnected");
	if (lg->connected || !lg->said)
		log_msg(LOG_NOTICE, "libvirt: %s: what libvirt domains hold stays where it is",
			lg->why);
	lg->said = true;
	lg->connected = false;
	timer_disarm(ddad, &lg->timer);
	for (i = 0; i < ddad->guest_count; i++)
		if (ddad->guests[i]->ops == &domain_ops)
			domain_set_up(dom_of(ddad->guests[i]));
}

static void domain_event(struct libvirt_guests *lg, struct libvirt_event *ev)
{
	char address[DDA_ADDRESS_LEN + 1];
	struct domain *dom;
	bool made;

	if (!ev->domain)
		return;
	switch (ev->type) {
	case LIBVIRT_STARTED:
		dom = domain_get(lg, ev->domain, true, &made);
		if (dom)
			domain_query(lg, dom);
		break;
	case LIBVIRT_STOPPED:
		dom = domain_find(lg, ev->domain);
		if (!dom)
			break;
		dom->running = false;
		domain_set_up(dom);
		if (dom->n_hostdevs || domain_needed(dom))
			log_msg(LOG_NOTICE, "libvirt domain %s %s: what ddad gave it comes back to quarantine once its QEMU is gone",
				dom->guest.name, stop_reason(ev->reason));
		domain_query(lg, dom);
		break;
	case LIBVIRT_DEFINED:
	case LIBVIRT_UNDEFINED:
		/* Which domains there are is the list's to say. */
		domains_list(lg);
		break;
	case LIBVIRT_DEVICE_REMOVED:
		dom = domain_find(lg, ev->domain);
		if (!dom || !ev->alias ||
		    libvirt_alias_address(ev->alias, address))
			break;
		domain_forget_hostdev(dom, address);
		guest_device_gone(&dom->guest, address);
		break;
	default:
		break;
	}
}

void libvirt_guests_service(struct ddad *ddad)
{
	struct libvirt_guests *lg = ddad->libvirt;
	struct libvirt_event ev;

	if (!lg)
		return;
	while (libvirt_next(lg->lv, &ev) == 1) {
		switch (ev.type) {
		case LIBVIRT_CONNECTED:
			connection_changed(lg, true, NULL);
			break;
		case LIBVIRT_DISCONNECTED:
			connection_changed(lg, false, ev.message);
			break;
		case LIBVIRT_DONE:
			request_answered(lg, &ev);
			break;
		default:
			domain_event(lg, &ev);
			break;
		}
		libvirt_event_release(&ev);
	}
}

static void refresh(struct ddad *ddad, struct timer *timer)
{
	struct libvirt_guests *lg = container_of(timer, struct libvirt_guests,
						 timer);

	if (!lg->connected)
		return;
	domains_list(lg);
	timer_arm(ddad, &lg->timer, LIBVIRT_REFRESH_MS);
}

/* --- the guest's ops -------------------------------------------------- */

static int domain_ask(struct guest *guest, struct job *job,
		      enum request_kind kind)
{
	struct domain *dom = dom_of(guest);
	struct libvirt *lv = dom->lg->lv;
	const char *name = guest->name;
	uint64_t id = 0;

	errno = 0;
	switch (kind) {
	case REQ_PREPARE:
	case REQ_LOOK:
		id = libvirt_query(lv, name);
		break;
	case REQ_ADD:
		id = libvirt_attach(lv, name, job->address,
				    job->flags & JOB_PERSISTENT ?
				    LIBVIRT_PERSISTENT : 0);
		break;
	case REQ_REMOVE:
		id = libvirt_detach(lv, name, job->address, 0);
		break;
	default:
		break;
	}
	return request_keep(dom->lg, id, kind, dom, job);
}

static int domain_prepare(struct guest *guest, struct job *job)
{
	return domain_ask(guest, job, REQ_PREPARE);
}

static int domain_add(struct guest *guest, struct job *job)
{
	return domain_ask(guest, job, REQ_ADD);
}

static int domain_remove(struct guest *guest, struct job *job)
{
	return domain_ask(guest, job, REQ_REMOVE);
}

static int domain_look(struct guest *guest, struct job *job)
{
	return domain_ask(guest, job, REQ_LOOK);
}

static void domain_cancel(struct guest *guest, void *ctx)
{
	struct libvirt_guests *lg = dom_of(guest)->lg;
	size_t i;

	for (i = 0; i < lg->n_reqs; i++)
		if (lg->reqs[i].job == ctx)
			lg->reqs[i].job = NULL;
}

static const char *domain_port(const struct guest *guest,
			       const char *address)
{
	(void)guest;
	(void)address;
	return NULL;		/* libvirt picks it */
}

static bool domain_describe(const struct guest *guest,
			    struct json_object *obj)
{
	return json_add(obj, "running",
			json_object_new_boolean(dom_of(guest)->running));
}

static int domain_poll_fd(const struct guest *guest, short *events)
{
	(void)guest;
	*events = 0;
	return -1;		/* libvirt_guests_fd() serves them all */
}

static void domain_service(struct guest *guest, short revents)
{
	(void)guest;
	(void)revents;
}

static void domain_destroy(struct guest *guest)
{
	struct domain *dom = dom_of(guest);
	struct libvirt_guests *lg = dom->lg;
	size_t i;

	for (i = 0; i < lg->n_reqs; i++)
		if (lg->reqs[i].dom == dom)
			lg->reqs[i].dom = NULL;
	guest_unregister(guest);
	free(dom->hostdevs);
	free(dom);
}

static const struct guest_ops domain_ops = {
	.kind = "libvirt",
	.prepare = domain_prepare,
	.add = domain_add,
	.remove = domain_remove,
	.look = domain_look,
	.cancel = domain_cancel,
	.has = domain_has,
	.port = domain_port,
	.describe = domain_describe,
	.poll_fd = domain_poll_fd,
	.service = domain_service,
	.destroy = domain_destroy,
};

/* --- the connection --------------------------------------------------- */

int libvirt_guests_start(struct ddad *ddad, const char *uri)
{
	struct libvirt_guests *lg = calloc(1, sizeof(*lg));

	if (!lg)
		return -ENOMEM;
	lg->ddad = ddad;
	lg->timer.fire = refresh;
	if (uri) {
		lg->uri = strdup(uri);
		if (!lg->uri) {
			free(lg);
			return -ENOMEM;
		}
	}
	snprintf(lg->why, sizeof(lg->why), "connecting");
	lg->lv = libvirt_open(uri, 0);
	if (!lg->lv) {
		log_msg(LOG_ERR, "libvirt: cannot start its threads (%m): libvirt domains are not guests of this ddad");
		free(lg->uri);
		free(lg);
		return 0;
	}
	ddad->libvirt = lg;
	return 0;
}

void libvirt_guests_stop(struct ddad *ddad)
{
	struct libvirt_guests *lg = ddad->libvirt;
	size_t i;

	if (!lg)
		return;
	for (i = ddad->guest_count; i > 0; i--)
		if (ddad->guests[i - 1]->ops == &domain_ops)
			guest_destroy(ddad->guests[i - 1]);
	timer_disarm(ddad, &lg->timer);
	if (!libvirt_close(lg->lv))
		log_msg(LOG_WARNING, "libvirt: %s did not let go within %d s: its connection is left behind",
			uri_of(lg), LIBVIRT_CLOSE_WAIT_S);
	free(lg->reqs);
	free(lg->uri);
	free(lg);
	ddad->libvirt = NULL;
}

int libvirt_guests_fd(const struct ddad *ddad)
{
	return ddad->libvirt ? libvirt_fd(ddad->libvirt->lv) : -1;
}

const char *libvirt_guests_why(const struct ddad *ddad)
{
	static char why[300];
	const struct libvirt_guests *lg = ddad->libvirt;

	if (!lg)
		return "libvirt is not connected";
	if (!lg->connected) {
		snprintf(why, sizeof(why), "libvirt is not connected (%s)",
			 lg->why);
		return why;
	}
	return "no libvirt domain of that name";
}
