// SPDX-License-Identifier: GPL-2.0-only
/*
 * What ddad reads in a guest's query-pci, as units: the free hotplug port
 * for an assign, whether a device is there and on which port, ddad's own
 * devices among the guest's, and the "dda-*" ids. The answers are QEMU
 * 7.2's, as a q35 guest with two pcie-root-ports gives them.
 */
#include <errno.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "port.h"
#include "unit.h"

/* rp0 holds dda-0000-00-02-0, rp1 is free; the q35 built-ins around. */
static const char two_ports[] =
	"[{\"bus\": 0, \"devices\": ["
	"{\"irq_pin\": 0, \"bus\": 0, \"qdev_id\": \"\", \"slot\": 0, \"class_info\": {\"class\": 1536, \"desc\": \"Host bridge\"}, \"id\": {\"device\": 10688, \"subsystem-vendor\": 6900, \"vendor\": 32902, \"subsystem\": 4352}, \"function\": 0, \"regions\": []},"
	"{\"irq_pin\": 1, \"bus\": 0, \"pci_bridge\": {\"bus\": {\"prefetchable_range\": {\"limit\": 4273995775, \"base\": 4271898624}, \"memory_range\": {\"limit\": 4267704319, \"base\": 4265607168}, \"secondary\": 1, \"io_range\": {\"limit\": 49151, \"base\": 49152}, \"number\": 0, \"subordinate\": 1}, \"devices\": ["
	"{\"irq_pin\": 1, \"bus\": 1, \"qdev_id\": \"dda-0000-00-02-0\", \"irq\": 0, \"slot\": 0, \"class_info\": {\"class\": 255}, \"id\": {\"device\": 4584, \"subsystem-vendor\": 6900, \"vendor\": 4660, \"subsystem\": 4352}, \"function\": 0, \"regions\": [{\"prefetch\": false, \"mem_type_64\": false, \"bar\": 0, \"size\": 1048576, \"address\": -1, \"type\": \"memory\"}]}]},"
	" \"qdev_id\": \"rp0\", \"irq\": 10, \"slot\": 1, \"class_info\": {\"class\": 1540, \"desc\": \"PCI bridge\"}, \"id\": {\"device\": 12, \"vendor\": 6966}, \"function\": 0, \"regions\": []},"
	"{\"irq_pin\": 1, \"bus\": 0, \"pci_bridge\": {\"bus\": {\"secondary\": 2, \"number\": 0, \"subordinate\": 2}, \"devices\": []}, \"qdev_id\": \"rp1\", \"irq\": 11, \"slot\": 2, \"class_info\": {\"class\": 1540, \"desc\": \"PCI bridge\"}, \"id\": {\"device\": 12, \"vendor\": 6966}, \"function\": 0, \"regions\": []},"
	"{\"irq_pin\": 0, \"bus\": 0, \"qdev_id\": \"\", \"slot\": 31, \"class_info\": {\"class\": 1537, \"desc\": \"ISA bridge\"}, \"id\": {\"device\": 10520, \"subsystem-vendor\": 6900, \"vendor\": 32902, \"subsystem\": 4352}, \"function\": 0, \"regions\": []}"
	"]}]";

/* A switch: rp0 -> upstream port up0 -> downstream ports dp0 (taken), dp1. */
static const char nested[] =
	"[{\"bus\": 0, \"devices\": ["
	" {\"bus\": 0, \"slot\": 1, \"function\": 0, \"qdev_id\": \"rp0\", \"pci_bridge\": {\"bus\": {\"number\": 0, \"secondary\": 1, \"subordinate\": 4}, \"devices\": ["
	"  {\"bus\": 1, \"slot\": 0, \"function\": 0, \"qdev_id\": \"up0\", \"pci_bridge\": {\"bus\": {\"number\": 1, \"secondary\": 2, \"subordinate\": 4}, \"devices\": ["
	"   {\"bus\": 2, \"slot\": 0, \"function\": 0, \"qdev_id\": \"dp0\", \"pci_bridge\": {\"bus\": {\"number\": 2, \"secondary\": 3, \"subordinate\": 3}, \"devices\": ["
	"    {\"bus\": 3, \"slot\": 0, \"function\": 0, \"qdev_id\": \"dda-0000-01-00-0\"}]}},"
	"   {\"bus\": 2, \"slot\": 1, \"function\": 0, \"qdev_id\": \"dp1\", \"pci_bridge\": {\"bus\": {\"number\": 2, \"secondary\": 4, \"subordinate\": 4}}}]}}]}},"
	" {\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": \"dda-0000-00-03-0\"}]},"
	" {\"bus\": 128, \"devices\": [{\"bus\": 128, \"slot\": 0, \"function\": 0, \"qdev_id\": \"dda-nonsense\"}]}]";

/* Bridges, but none free: one without an id, one holding a NIC. */
static const char full[] =
	"[{\"bus\": 0, \"devices\": ["
	" {\"bus\": 0, \"slot\": 1, \"function\": 0, \"qdev_id\": \"\", \"pci_bridge\": {\"bus\": {\"number\": 0, \"secondary\": 1, \"subordinate\": 1}, \"devices\": []}},"
	" {\"bus\": 0, \"slot\": 2, \"function\": 0, \"qdev_id\": \"rp1\", \"pci_bridge\": {\"bus\": {\"number\": 0, \"secondary\": 2, \"subordinate\": 2}, \"devices\": ["
	"  {\"bus\": 2, \"slot\": 0, \"function\": 0, \"qdev_id\": \"nic0\"}]}},"
	" {\"bus\": 0, \"slot\": 3, \"function\": 0, \"qdev_id\": \"nic1\"}]}]";

static void test_qdev(void)
{
	char qdev[QDEV_SIZE], address[DDA_ADDRESS_LEN + 1];

	qdev_of("0000:01:00.0", qdev);
	is_str(qdev, "dda-0000-01-00-0", "qdev_of 0000:01:00.0");
	qdev_of("0000:3a:1f.7", qdev);
	is_str(qdev, "dda-0000-3a-1f-7", "qdev_of 0000:3a:1f.7");
	is_int(qdev_address("dda-0000-3a-1f-7", address), 0,
	       "qdev_address of dda-0000-3a-1f-7");
	is_str(address, "0000:3a:1f.7", "is 0000:3a:1f.7");
	is_int(qdev_address("dda-0000-3A-1f-7", address), -EINVAL,
	       "upper case is not ddad's");
	is_int(qdev_address("dda-0000:3a:1f.7", address), -EINVAL,
	       "an address is not an id");
	is_int(qdev_address("nic0", address), -EINVAL, "nic0 is not ddad's");
	is_int(qdev_address("dda-0000-3a-1f-7x", address), -EINVAL,
	       "one character too many");
	is_int(qdev_address("dda-0000-3a-1f-", address), -EINVAL,
	       "one too few");
	is_int(qdev_address("dda-0000-3a-1f-9", address), -EINVAL,
	       "function 9 is no function");
}

static void test_pick(void)
{
	struct json_object *pci = json_tokener_parse(two_ports);
	struct json_object *tree = json_tokener_parse(nested);
	struct json_object *none = json_tokener_parse(full);
	const char *taken[] = { "rp1" }, *both[] = { "rp0", "dp1" };
	char port[QDEV_SIZE];

	ok(pci && tree && none, "the canned answers are JSON");
	is_int(port_pick(pci, NULL, 0, port), 0, "a free port");
	is_str(port, "rp1", "rp1: rp0 holds a device");
	is_int(port_pick(pci, taken, 1, port), -ENOSPC,
	       "rp1 taken by a job: none left, -ENOSPC");
	is_int(port_pick(tree, NULL, 0, port), 0, "behind a switch");
	is_str(port, "dp1", "dp1, the downstream port with nothing on it");
	is_int(port_pick(tree, both, 2, port), -ENOSPC,
	       "dp1 taken: -ENOSPC");
	is_int(port_pick(none, NULL, 0, port), -ENOSPC,
	       "bridges without an id or with a device: -ENOSPC");
	json_object_put(none);
	none = json_tokener_parse("[{\"bus\": 0, \"devices\": []}]");
	is_int(port_pick(none, NULL, 0, port), -ENOSPC, "no bridge: -ENOSPC");
	json_object_put(none);
	none = json_tokener_parse("{\"bus\": 0}");
	is_int(port_pick(none, NULL, 0, port), -EPROTO,
	       "not an array: -EPROTO");
	json_object_put(none);
	none = json_tokener_parse("[1, \"x\", {\"devices\": 3}, {\"devices\": [null, 2, {\"pci_bridge\": []}]}]");
	is_int(port_pick(none, NULL, 0, port), -ENOSPC,
	       "wrongly typed members are skipped");
	json_object_put(none);
	json_object_put(pci);
	json_object_put(tree);
}

static void test_find(void)
{
	struct json_object *pci = json_tokener_parse(two_ports);
	struct json_object *tree = json_tokener_parse(nested);
	struct guest_dev *devs;
	char port[QDEV_SIZE];
	size_t n;

	ok(pci_has_qdev(pci, "dda-0000-00-02-0", port),
	   "dda-0000-00-02-0 is there");
	is_str(port, "rp0", "on rp0");
	ok(!pci_has_qdev(pci, "dda-0000-01-00-0", NULL),
	   "dda-0000-01-00-0 is not");
	ok(!pci_has_qdev(pci, "", NULL), "no device has the empty id");
	ok(pci_has_qdev(tree, "dda-0000-01-00-0", port),
	   "behind a switch: found");
	is_str(port, "dp0", "on dp0");
	ok(pci_has_qdev(tree, "dda-0000-00-03-0", port),
	   "on the root bus: found");
	is_str(port, "", "on no port");

	is_int(pci_dda_devices(tree, &devs, &n), 0, "ddad's devices");
	is_int(n, 2, "two: dda-nonsense is no address");
	ok(n == 2 && !strcmp(devs[0].qdev, "dda-0000-01-00-0") &&
	   !strcmp(devs[0].port, "dp0") &&
	   !strcmp(devs[1].qdev, "dda-0000-00-03-0") && !*devs[1].port,
	   "dda-0000-01-00-0 on dp0, dda-0000-00-03-0 on the root bus");
	free(devs);
	is_int(pci_dda_devices(pci, &devs, &n), 0, "the two ports' guest");
	ok(n == 1 && !strcmp(devs[0].port, "rp0"), "one, on rp0");
	free(devs);
	is_int(pci_dda_devices(json_object_array_get_idx(pci, 0), &devs, &n),
	       -EPROTO, "a bus is not the answer: -EPROTO");
	json_object_put(pci);
	json_object_put(tree);
}

int main(void)
{
	test_qdev();
	test_pick();
	test_find();
	return unit_done();
}
