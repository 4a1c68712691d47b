#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The same workflow through ddactl: the survey explains every device, a
# dismount and a mount print the device and are seen live by `ddactl
# events`, a refusal shows the survey's reasons, and an unprivileged user is
# told what is missing.
#
#   q35 + intel-iommu
#    |-- rp -- e1000e            e1000e
#    |-- edu                     no driver
#    |-- virtio-net              virtio-pci
#    `-- ich9-intel-hda          snd_hda_intel
#
#@ devices: e1000e edu virtio-net hda
. "$DDA_TESTLIB"

ddactl=$DDA_SAN_BIN/ddactl
nic=$(vm_pci_addr e1000e0)
check "insmod dda.ko" insmod "$DDA_KO"

check "ddactl survey --json covers every device" sh -c "$ddactl survey --json > /tmp/survey.json"
check "each with a verdict and findings" python3 - <<'PY'
import json, os
s = {d["address"]: d for d in json.load(open("/tmp/survey.json"))}
assert sorted(s) == sorted(os.listdir("/sys/bus/pci/devices")), sorted(s)
for a, d in s.items():
    assert d["verdict"] in ("assignable", "caveats", "blocked"), d
    assert d["findings"], a
    assert all(f["check"] and f["severity"] and f["text"] for f in d["findings"]), d
# The host bridge and the root ports are blocked as bridges.
assert s["0000:00:00.0"]["verdict"] == "blocked", s["0000:00:00.0"]
print({a: d["verdict"] for a, d in s.items()})
PY
check "the e1000e is assignable, behind a port with ACS" sh -c \
	"$ddactl survey $nic | tee /dev/stderr | grep -q 'isolates with ACS'"

"$ddactl" events --json > /tmp/events.json 2>&1 &
events=$!
# Subscribed once it waits in poll(2) for the first event.
listening() { grep -q poll "/proc/$events/wchan"; }
check "ddactl events is listening" wait_for 20 listening

check "ddactl dismount the e1000e" sh -c "$ddactl dismount $nic | tee /dev/stderr | grep -q quarantined"
check "ddactl mount it back (short address)" sh -c "$ddactl mount ${nic#0000:} | tee /dev/stderr | grep -q e1000e"
saw_both() {
	python3 - "$nic" <<'PY'
import json, sys
ev = [json.loads(l) for l in open("/tmp/events.json") if l.startswith("{")]
want = [{"address": sys.argv[1], "old_state": "host", "state": "quarantined", "reason": "dismount"},
        {"address": sys.argv[1], "old_state": "quarantined", "state": "host", "reason": "mount"}]
# Each change reset the e1000e (PM here: QEMU's e1000e has no FLR), says
# how long that took and that the device came back from it.
got = ev[-2:]
usec = [e.pop("reset_usec", 0) for e in got]
methods = [e.pop("reset_method", None) for e in got]
health = [e.pop("health", None) for e in got]
sys.exit(0 if got == want and methods == ["pm", "pm"] and
         health == ["ok", "ok"] and all(0 < u < 10**6 for u in usec) else 1)
PY
}
check "events saw host -> quarantined -> host, with reasons and resets" wait_for 10 saw_both
kill "$events"
log "$(cat /tmp/events.json)"

check "a refusal shows the survey's reasons" sh -c "
	$ddactl dismount 0000:00:00.0 2> /tmp/err; [ \$? -eq 1 ] &&
	grep -q 'host and PCI bridges cannot be assigned' /tmp/err &&
	grep -q 'blocker' /tmp/err"
log "$(cat /tmp/err)"
check "an unprivileged dismount: exit 1, says what is missing" sh -c "
	$(declare -f as_user); as_user $ddactl dismount $nic 2> /tmp/err; [ \$? -eq 1 ] &&
	grep -q 'CAP_NET_ADMIN' /tmp/err"
check "the e1000e still has its driver" test \
	"$(basename "$(readlink /sys/bus/pci/devices/$nic/driver)")" = e1000e
check "rmmod dda" rmmod dda
dmesg_clean
done_testing
