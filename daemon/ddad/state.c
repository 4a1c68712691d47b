// SPDX-License-Identifier: GPL-2.0-only
/*
 * What ddad records of the devices and its guests: the records, kept
 * sorted, and every change to them marking the state dirty, to be saved
 * (state_file.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libdda.h"
#include "operation.h"
#include "state.h"

struct state_device *state_find(struct state *state, const char *address)
{
	size_t i;

	for (i = 0; i < state->count; i++)
		if (!strcmp(state->devices[i].address, address))
			return &state->devices[i];
	return NULL;
}

/* A copy of text, NULL staying NULL; false when out of memory. */
static bool copy_of(const char *text, char **out)
{
	*out = text ? strdup(text) : NULL;
	return !text || *out;
}

int state_add(struct state *state, const char *address, enum dda_state st,
	      const char *vm, time_t since, const char *port,
	      enum operation operation)
{
	struct state_device *dev;
	char *copy, *port_copy;
	size_t i;

	if (!copy_of(vm, &copy))
		return -ENOMEM;
	if (!copy_of(port, &port_copy)) {
		free(copy);
		return -ENOMEM;
	}
	if (state->count == state->size) {
		size_t size = state->size ? 2 * state->size : 8;

		dev = reallocarray(state->devices, size, sizeof(*dev));
		if (!dev) {
			free(copy);
			free(port_copy);
			return -ENOMEM;
		}
		state->devices = dev;
		state->size = size;
	}
	for (i = state->count; i > 0; i--) {
		if (strcmp(state->devices[i - 1].address, address) < 0)
			break;
		state->devices[i] = state->devices[i - 1];
	}
	dev = &state->devices[i];
	*dev = (struct state_device){ .state = st, .vm = copy, .since = since,
				      .port = port_copy,
				      .operation = operation };
	snprintf(dev->address, sizeof(dev->address), "%s", address);
	state->count++;
	state->dirty = true;
	return 0;
}

static void state_remove(struct state *state, struct state_device *dev)
{
	size_t i = dev - state->devices;

	free(dev->vm);
	free(dev->port);
	free(dev->with);
	memmove(dev, dev + 1, (state->count - i - 1) * sizeof(*dev));
	state->count--;
}

struct state_device *state_get(struct state *state, const char *address,
			       time_t now)
{
	struct state_device *dev = state_find(state, address);

	if (dev)
		return dev;
	if (state_add(state, address, DDA_STATE_QUARANTINED, NULL, now, NULL,
		      OPERATION_NONE))
		return NULL;
	return state_find(state, address);
}

void state_forget(struct state *state, struct state_device *dev)
{
	state_remove(state, dev);
	state->dirty = true;
}

int state_set(struct state *state, struct state_device *dev,
	      enum dda_state st, const char *vm, const char *port,
	      enum operation operation, time_t now)
{
	char *vm_copy, *port_copy;

	if (!copy_of(vm, &vm_copy))
		return -ENOMEM;
	if (!copy_of(port, &port_copy)) {
		free(vm_copy);
		return -ENOMEM;
	}
	free(dev->vm);
	free(dev->port);
	dev->vm = vm_copy;
	dev->port = port_copy;
	if (!vm) {
		dev->pid = 0;
		dev->start = 0;
		free(dev->with);
		dev->with = NULL;
	}
	if (dev->state != st)
		dev->since = now;
	dev->state = st;
	dev->operation = operation;
	state->dirty = true;
	return 0;
}

int state_set_holder(struct state *state, struct state_device *dev,
		     pid_t pid, unsigned long long start, const char *with)
{
	char *copy;

	if (!copy_of(with, &copy))
		return -ENOMEM;
	free(dev->with);
	dev->with = copy;
	dev->pid = pid > 0 ? pid : 0;
	dev->start = pid > 0 ? start : 0;
	state->dirty = true;
	return 0;
}

bool vm_name_valid(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= 64)
			return false;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (!i || !strchr("._-", c))
			return false;
	}
	return i > 0;
}

struct state_vm *state_vm_find(struct state *state, const char *name)
{
	size_t i;

	for (i = 0; i < state->vm_count; i++)
		if (!strcmp(state->vms[i].name, name))
			return &state->vms[i];
	return NULL;
}

int state_vm_add(struct state *state, const char *name, const char *qmp,
		 long long uid)
{
	struct state_vm *vms, vm;
	size_t i;

	if (state_vm_find(state, name))
		return -EEXIST;
	vm = (struct state_vm){ .name = strdup(name), .qmp = strdup(qmp),
				.uid = uid };
	vms = reallocarray(state->vms, state->vm_count + 1, sizeof(*vms));
	if (vms)
		state->vms = vms;
	if (!vm.name || !vm.qmp || !vms) {
		free(vm.name);
		free(vm.qmp);
		return -ENOMEM;
	}
	for (i = state->vm_count; i > 0; i--) {
		if (strcmp(vms[i - 1].name, name) < 0)
			break;
		vms[i] = vms[i - 1];
	}
	vms[i] = vm;
	state->vm_count++;
	state->dirty = true;
	return 0;
}

void state_vm_remove(struct state *state, const char *name)
{
	struct state_vm *vm = state_vm_find(state, name);
	size_t i;

	if (!vm)
		return;
	i = vm - state->vms;
	free(vm->name);
	free(vm->qmp);
	memmove(vm, vm + 1, (state->vm_count - i - 1) * sizeof(*vm));
	state->vm_count--;
	state->dirty = true;
}

void state_clear(struct state *state)
{
	while (state->count)
		state_remove(state, &state->devices[state->count - 1]);
	while (state->vm_count) {
		state->vm_count--;
		free(state->vms[state->vm_count].name);
		free(state->vms[state->vm_count].qmp);
	}
}

void state_release(struct state *state)
{
	state_clear(state);
	free(state->devices);
	free(state->vms);
	free(state->dir);
	*state = (struct state){ 0 };
}
