// SPDX-License-Identifier: GPL-2.0-only
/*
 * ddactl sriov PF: the SR-IOV virtual functions of a physical function, and
 * with --vfs N, N of them made straight into quarantine, or removed.
 *
 * The PF's host driver makes its VFs when sriov_numvfs is written, and the
 * PCI core lets a new VF meet a host driver only while the PF's
 * sriov_drivers_autoprobe is on, or through its driver_override. So
 * autoprobe is off while the VFs are born, each is dismounted by dda.ko
 * (the survey's checks, a reset, DMA blocked) before any driver saw it, and
 * the PF's autoprobe is put back as it was, on every path. A VF that
 * cannot be quarantined undoes the lot: the VFs are removed again, nothing
 * is left half done. Signals that end a process are held meanwhile, and
 * the policy's lock (sysfs_pci_lock()) keeps two of these, and udev's
 * `policy apply`, from crossing.
 *
 * --vfs 0 removes the VFs only while every one of them is quarantined: a
 * VF assigned to a guest, or back with a host driver, is named and the
 * removal refused.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "ddactl.h"
#include "device_print.h"
#include "print.h"
#include "sysfs_pci.h"
#include "util.h"

/* A physical function as this command sees it. */
struct sriov_pf {
	char address[DDA_ADDRESS_LEN + 1];
	struct dda_device dev;		/* as dda.ko describes it */
	struct sysfs_pci_sriov sriov;	/* as sysfs does */
	struct dda_device *vfs;		/* sriov.num of them, by dda.ko */
	size_t n_vfs;
};

static void sriov_pf_free(struct sriov_pf *pf)
{
	free(pf->vfs);
	pf->vfs = NULL;
	pf->n_vfs = 0;
}

/*
 * Reads the PF and its VFs: DDACTL_FAILED after saying what is wrong, or -1
 * to go on.
 */
static int sriov_pf_read(struct dda *dda, struct sriov_pf *pf)
{
	char vf[DDA_ADDRESS_LEN + 1];
	unsigned int i;
	int err;

	sriov_pf_free(pf);
	err = dda_device_get(dda, pf->address, &pf->dev);
	if (err)
		return command_failed(dda, err, pf->address);
	if (pf->dev.physfn[0]) {
		warnx("%s is an SR-IOV virtual function of %s: name its physical function",
		      pf->address, pf->dev.physfn);
		return DDACTL_FAILED;
	}
	err = sysfs_pci_sriov_read(SYSFS_ROOT, pf->address, &pf->sriov);
	if (err == -EOPNOTSUPP) {
		warnx("%s has no SR-IOV capability: it makes no virtual functions",
		      pf->address);
		return DDACTL_FAILED;
	}
	if (err)
		return command_failed(NULL, err, "cannot read its SR-IOV state");
	if (pf->sriov.num) {
		pf->vfs = calloc(pf->sriov.num, sizeof(*pf->vfs));
		if (!pf->vfs)
			return command_failed(NULL, -ENOMEM, "sriov");
	}
	for (i = 0; i < pf->sriov.num; i++) {
		err = sysfs_pci_virtfn(SYSFS_ROOT, pf->address, i, vf);
		if (!err)
			err = dda_device_get(dda, vf, &pf->vfs[pf->n_vfs]);
		if (err)
			return command_failed(dda, err,
					      "cannot read its virtual functions");
		pf->n_vfs++;
	}
	return -1;
}

/*
 * The PF's fields, then its VFs: in JSON whole device objects, in text a
 * table of what matters here.
 */
static void sriov_print_fields(const struct sriov_pf *pf,
			       const struct device_view *views)
{
	size_t i;

	print_string(PRINT_ANY, "address", "address: %s\n", pf->address);
	print_string(PRINT_ANY, "driver", "driver: %s\n",
		     pf->dev.driver[0] ? pf->dev.driver : NULL);
	print_int(PRINT_ANY, "total_vfs", "total_vfs: %lld\n", pf->sriov.total);
	print_int(PRINT_ANY, "num_vfs", "num_vfs: %lld\n", pf->sriov.num);
	print_bool(PRINT_ANY, "autoprobe", "autoprobe: %s\n",
		   pf->sriov.autoprobe);

	print_text("\n");
	print_open_table("vfs");
	device_print_headers(DEVICE_VF);
	for (i = 0; i < pf->n_vfs; i++) {
		print_open_row();
		device_print_fields(&views[i], DEVICE_VF);
		print_close_row();
	}
	print_close_table("no virtual functions");
}

/* Prints the PF and its VFs, their guests as ddad knows them. */
static int sriov_print(const struct sriov_pf *pf, bool json)
{
	struct device_view *views = NULL;
	struct json_object *guests;
	size_t i;
	int err;

	if (pf->n_vfs) {
		views = calloc(pf->n_vfs, sizeof(*views));
		if (!views)
			return command_failed(NULL, -ENOMEM, "sriov");
	}
	for (i = 0; i < pf->n_vfs; i++)
		views[i] = (struct device_view){ .dev = &pf->vfs[i] };
	guests = ddad_vms(views, pf->n_vfs);
	print_start(stdout, json ? PRINT_FORMAT_JSON : PRINT_FORMAT_TEXT);
	print_open_object(NULL);
	sriov_print_fields(pf, views);
	print_close_object();
	err = print_end();
	json_object_put(guests);
	free(views);
	return err ? command_failed(NULL, err, "sriov") : DDACTL_OK;
}

/* Says why the PF's driver did not make n VFs; DDACTL_FAILED. */
static int sriov_create_failed(const struct sriov_pf *pf, unsigned int n,
			       int err)
{
	if (err == -ENOENT)
		warnx("%s: its driver %s cannot make virtual functions (it has no sriov_configure)",
		      pf->address, pf->dev.driver);
	else
		warnx("%s: its driver %s did not make %u virtual functions: %s",
		      pf->address, pf->dev.driver, n, strerror(-err));
	return DDACTL_FAILED;
}

/*
 * Dismounts every VF of the PF, none of which has met a driver: -1 to go
 * on, else DDACTL_FAILED after naming the VF that could not be taken and
 * why.
 */
static int sriov_quarantine(struct dda *dda, const struct sriov_pf *pf)
{
	char vf[DDA_ADDRESS_LEN + 1], driver[DDA_DRIVER_SIZE];
	unsigned int i;
	int err;

	for (i = 0; i < pf->sriov.num; i++) {
		err = sysfs_pci_virtfn(SYSFS_ROOT, pf->address, i, vf);
		if (err)
			return command_failed(NULL, err,
					      "cannot find its virtual functions");
		sysfs_pci_driver(SYSFS_ROOT, vf, driver, sizeof(driver));
		if (driver[0] && strcmp(driver, SYSFS_DDA_DRIVER)) {
			warnx("%s: bound to %s before dda could take it",
			      vf, driver);
			return DDACTL_FAILED;
		}
		err = dda_dismount(dda, vf, false, NULL);
		/* udev's policy may have quarantined it already. */
		if (err && err != -EALREADY) {
			command_failed(dda, err, vf);
			transition_explain(dda, vf);
			return DDACTL_FAILED;
		}
	}
	return -1;
}

/*
 * Makes n VFs with the PF's autoprobe off, and quarantines them; removes
 * them again when one cannot be. The PF's autoprobe is as it was after.
 */
static int sriov_create(struct dda *dda, struct sriov_pf *pf, unsigned int n)
{
	bool autoprobe = pf->sriov.autoprobe;
	int ret, err;

	if (autoprobe) {
		err = sysfs_pci_set_autoprobe(SYSFS_ROOT, pf->address, false);
		if (err)
			return command_failed(NULL, err,
					      "cannot turn off its VF autoprobe");
	}
	err = sysfs_pci_set_numvfs(SYSFS_ROOT, pf->address, n);
	if (err) {
		ret = sriov_create_failed(pf, n, err);
		goto out;
	}
	pf->sriov.num = n;
	ret = sriov_quarantine(dda, pf);
	if (ret >= 0) {
		err = sysfs_pci_set_numvfs(SYSFS_ROOT, pf->address, 0);
		if (err)
			warnx("%s: cannot remove the virtual functions again: %s",
			      pf->address, strerror(-err));
		else
			warnx("%s: its virtual functions are removed again",
			      pf->address);
	}
out:
	if (autoprobe) {
		err = sysfs_pci_set_autoprobe(SYSFS_ROOT, pf->address, true);
		if (err) {
			warnx("%s: cannot turn its VF autoprobe back on: %s",
			      pf->address, strerror(-err));
			ret = DDACTL_FAILED;
		}
	}
	return ret;
}

/* Removes the VFs, when every one is quarantined. */
static int sriov_remove(struct sriov_pf *pf)
{
	const struct dda_device *vf;
	int err;

	for (vf = pf->vfs; vf < pf->vfs + pf->n_vfs; vf++) {
		if (vf->state == DDA_STATE_QUARANTINED)
			continue;
		warnx("%s: virtual function %s is %s%s%s: its virtual functions are removed only from quarantine",
		      pf->address, vf->address, vf->state == DDA_STATE_ASSIGNED ?
		      "assigned to a guest" : "with the host",
		      vf->driver[0] ? ", bound to " : "", vf->driver);
		return DDACTL_FAILED;
	}
	err = sysfs_pci_set_numvfs(SYSFS_ROOT, pf->address, 0);
	if (err)
		return command_failed(NULL, err,
				      "cannot remove its virtual functions");
	return -1;
}

/* Checks that the PF can make n VFs now: -1, or the exit code. */
static int sriov_can_create(const struct sriov_pf *pf, unsigned int n)
{
	if (n > pf->sriov.total) {
		warnx("%s has at most %u virtual functions, not %u",
		      pf->address, pf->sriov.total, n);
		return DDACTL_USAGE;
	}
	if (pf->sriov.num) {
		warnx("%s has %u virtual functions already: remove them first with --vfs 0",
		      pf->address, pf->sriov.num);
		return DDACTL_FAILED;
	}
	if (!pf->dev.driver[0]) {
		warnx("%s has no driver: its host driver makes its virtual functions",
		      pf->address);
		return DDACTL_FAILED;
	}
	if (pf->dev.state != DDA_STATE_HOST) {
		warnx("%s is %s: its host driver makes its virtual functions, mount it first",
		      pf->address, dda_state_name(pf->dev.state));
		return DDACTL_FAILED;
	}
	return -1;
}

/* --vfs n, with the policy's lock held and ending signals blocked. */
static int sriov_change(struct dda *dda, struct sriov_pf *pf, unsigned int n)
{
	int ret;

	ret = sriov_pf_read(dda, pf);
	if (ret >= 0)
		return ret;
	if (n == pf->sriov.num)
		return -1;	/* nothing to do */
	if (!n)
		ret = sriov_remove(pf);
	else
		ret = sriov_can_create(pf, n);
	if (ret < 0 && n)
		ret = sriov_create(dda, pf, n);
	return ret;
}

int sriov_main(const struct command *cmd, const struct args *args)
{
	struct sriov_pf pf = { 0 };
	sigset_t ending, old;
	struct dda *dda;
	int ret, lock;

	(void)cmd;
	ret = command_address(args->operands[0], pf.address);
	if (ret >= 0)
		return ret;
	ret = command_open(&dda);
	if (ret >= 0)
		return ret;

	if (args->vfs.given) {
		lock = sysfs_pci_lock(SYSFS_ROOT);
		if (lock < 0) {
			ret = command_failed(NULL, lock, "cannot lock the PCI devices");
			goto out;
		}
		sigemptyset(&ending);
		sigaddset(&ending, SIGINT);
		sigaddset(&ending, SIGTERM);
		sigaddset(&ending, SIGHUP);
		sigaddset(&ending, SIGQUIT);
		sigprocmask(SIG_BLOCK, &ending, &old);
		ret = sriov_change(dda, &pf, args->vfs.value);
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(lock);
		if (ret >= 0)
			goto out;
	}
	ret = sriov_pf_read(dda, &pf);
	if (ret < 0)
		ret = sriov_print(&pf, args->json);
out:
	sriov_pf_free(&pf);
	dda_close(dda);
	return ret;
}
