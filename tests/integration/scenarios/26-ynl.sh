#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The family as an orchestrator meets it: the kernel's own generic netlink
# client, tools/net/ynl/cli.py of linux-source-6.12, given nothing of dda's
# but the YNL spec include/uapi/linux/dda.yaml, lists the devices (dump),
# shows one (do), dismounts and mounts the e1000e as root, is refused as an
# unprivileged user, and receives those changes on the events group. What it
# prints is compared with ddactl --json for the same devices and events.
#
# cli.py comes from the host: tests/ynl/tools.sh (make ynl, a prerequisite
# of make check) lays the kernel's YNL tools out in build/ynl before the VM
# boots.
#
#   q35 + intel-iommu
#    |-- rp -- e1000e            e1000e
#    |-- edu                     no driver
#    |-- virtio-net              virtio-pci
#    `-- ich9-intel-hda          snd_hda_intel
#
#@ devices: e1000e edu virtio-net hda
#@ timeout: 600
. "$DDA_TESTLIB"

ddactl=$DDA_SAN_BIN/ddactl
ynl=$DDA_SRC/build/ynl
export PYTHONDONTWRITEBYTECODE=1
cli=(/usr/bin/python3 "$ynl/tools/net/ynl/cli.py" --output-json
	--spec "$DDA_SRC/include/uapi/linux/dda.yaml")
# The client validates the spec against the kernel's schema as it loads it,
# the first time; after that, --no-schema spares ~15 s a call under TCG.
schema=(--schema "$ynl/Documentation/netlink/genetlink-legacy.yaml")
nic=$(vm_pci_addr e1000e0)
addr="{\"dev-address\": \"$nic\"}"

if [[ ! -f $ynl/tools/net/ynl/cli.py ]]; then
	not_ok "the kernel's cli.py in build/ynl" "run 'make ynl' (tests/ynl/tools.sh) on the host"
	done_testing
fi
check "insmod dda.ko" insmod "$DDA_KO"

# The attributes of a device message as ddactl --json names them, from
# cli.py's output; every attribute must be known, and ddactl's "vm" (ddad's,
# not the family's) must be null.
cat >/tmp/compare.py <<'PY'
import json, sys

def ynl_dev(d):
    known = {"dev-address", "dev-vendor", "dev-device", "dev-subsys-vendor",
             "dev-subsys-device", "dev-class", "dev-driver", "dev-iommu-group",
             "dev-state", "dev-original-driver", "dev-reset-method",
             "dev-reset-usec", "dev-health", "dev-physfn",
             "dev-window-usec", "dev-unowned-usec", "dev-hold"}
    assert set(d) <= known, set(d) - known
    return {"address": d["dev-address"],
            "vendor": "%04x" % d["dev-vendor"],
            "device": "%04x" % d["dev-device"],
            "subsystem_vendor": "%04x" % d["dev-subsys-vendor"],
            "subsystem_device": "%04x" % d["dev-subsys-device"],
            "class": "%06x" % d["dev-class"],
            "driver": d.get("dev-driver"),
            "iommu_group": d.get("dev-iommu-group"),
            "state": d["dev-state"],
            # a flag: present (cli.py says true) or absent
            "hold": bool(d.get("dev-hold")),
            "original_driver": d.get("dev-original-driver"),
            # dda.ko tells the health of the devices it holds; ddactl
            # says "ok" of the others, as libdda reads no attribute.
            "health": d.get("dev-health", "ok").replace("-", "_"),
            "physfn": d.get("dev-physfn"),
            # dda.ko sends the window's times only once there is one.
            "window_usec": d.get("dev-window-usec"),
            "unowned_usec": d.get("dev-unowned-usec")}

def ddactl_dev(d):
    assert d.pop("vm") is None, d
    return d

def load(path):
    return json.load(open(path))

what, ynl_path, ddactl_path = sys.argv[1:4]
if what == "list":
    y = {d["address"]: d for d in map(ynl_dev, load(ynl_path))}
    c = {d["address"]: d for d in map(ddactl_dev, load(ddactl_path))}
elif what == "show":
    y, c = ynl_dev(load(ynl_path)), ddactl_dev(load(ddactl_path))
elif what == "events":
    def ynl_ev(n):
        assert n["name"] == "dev-event", n
        e = {"address": n["msg"]["dev-address"],
             "old_state": n["msg"]["event-old-state"],
             "state": n["msg"]["dev-state"], "reason": n["msg"]["event-reason"]}
        if "dev-reset-method" in n["msg"]:
            e["reset_method"] = n["msg"]["dev-reset-method"].replace("-", "_")
            e["reset_usec"] = n["msg"]["dev-reset-usec"]
            e["health"] = n["msg"]["dev-health"].replace("-", "_")
        return e
    y = [ynl_ev(n) for n in load(ynl_path)]
    c = [json.loads(l) for l in open(ddactl_path) if l.startswith("{")]
    want = [(sys.argv[4], "host", "quarantined", "dismount"),
            (sys.argv[4], "quarantined", "host", "mount")]
    got = [(e["address"], e["old_state"], e["state"], e["reason"]) for e in y]
    assert got == want, got
elif what == "survey":
    names = {"intr-remap": "interrupt_remapping"}
    y = {s["dev-address"]: {"address": s["dev-address"], "verdict": s["survey-verdict"],
                            "findings": [{"check": names.get(f["check"], f["check"].replace("-", "_")),
                                          "severity": f["severity"], "text": f["text"]}
                                         for f in s["survey-finding"]]}
         for s in load(ynl_path)}
    c = {s["address"]: s for s in load(ddactl_path)}
if y != c:
    print("cli.py:", json.dumps(y, indent=1, sort_keys=True))
    print("ddactl:", json.dumps(c, indent=1, sort_keys=True))
    sys.exit(1)
print(json.dumps(y, sort_keys=True)[:2000])
PY
same() { python3 /tmp/compare.py "$@"; }

check "cli.py --dump dev-get (the spec valid by the kernel's schema)" sh -c \
	'"$@" --dump dev-get >/tmp/ynl-list.json' - "${cli[@]}" "${schema[@]}"
cli+=(--no-schema)
check "ddactl list --json" sh -c "$ddactl list --json >/tmp/ddactl-list.json"
check "the same devices, attribute for attribute" same list /tmp/ynl-list.json /tmp/ddactl-list.json
check "every PCI device of the VM" python3 -c "
import json, os, sys
got = sorted(d['dev-address'] for d in json.load(open('/tmp/ynl-list.json')))
sys.exit(got != sorted(os.listdir('/sys/bus/pci/devices')))"

check "cli.py --do dev-get the e1000e" sh -c '"$@" --do dev-get --json "$0" >/tmp/ynl-show.json' \
	"$addr" "${cli[@]}"
check "ddactl show --json" sh -c "$ddactl show $nic --json >/tmp/ddactl-show.json"
check "the same device" same show /tmp/ynl-show.json /tmp/ddactl-show.json

check "cli.py --dump dev-survey" sh -c '"$@" --dump dev-survey >/tmp/ynl-survey.json' - "${cli[@]}"
check "ddactl survey --json" sh -c "$ddactl survey --json >/tmp/ddactl-survey.json"
check "the same verdicts and findings" same survey /tmp/ynl-survey.json /tmp/ddactl-survey.json

# Listeners before the changes, so that they see each of them: cli.py
# subscribes, sleeps, then prints what the group sent meanwhile; ddactl
# prints as it goes.
"${cli[@]}" --subscribe events --sleep 150 >/tmp/ynl-events.json 2>&1 &
ynl_events=$!
"$ddactl" events --json >/tmp/ddactl-events.json 2>&1 &
ddactl_events=$!
sleeping() { grep -q nanosleep "/proc/$ynl_events/wchan"; }
polling() { grep -q poll "/proc/$ddactl_events/wchan"; }
check "cli.py --subscribe events is listening" wait_for 60 sleeping
check "ddactl events is listening" wait_for 20 polling
listening_since=$SECONDS

check "cli.py --do dev-dismount the e1000e, as root" sh -c \
	'"$@" --do dev-dismount --json "$0" >/tmp/ynl-dismount.json' "$addr" "${cli[@]}"
check "ddactl show --json" sh -c "$ddactl show $nic --json >/tmp/ddactl-show.json"
check "the reply is the quarantined device ddactl shows" sh -c "
	python3 /tmp/compare.py show /tmp/ynl-dismount.json /tmp/ddactl-show.json &&
	grep -q '\"dev-state\": \"quarantined\"' /tmp/ynl-dismount.json &&
	grep -q '\"dev-original-driver\": \"e1000e\"' /tmp/ynl-dismount.json"
log "cli.py: $(cat /tmp/ynl-dismount.json)"

# Refused by the family itself (the admin-perm of the spec), with EPERM.
check "cli.py --do dev-mount as nobody, no capabilities: EPERM" sh -c "
	$(declare -f as_user); as_user \"\$@\" --do dev-mount --json '$addr' >/tmp/ynl-eperm.txt 2>&1;
	rc=\$?; cat /tmp/ynl-eperm.txt; [ \$rc -eq 1 ] &&
	grep -q 'Netlink error: Operation not permitted' /tmp/ynl-eperm.txt" - "${cli[@]}"
check "cli.py --do dev-dismount as nobody: EPERM too" sh -c "
	$(declare -f as_user); as_user \"\$@\" --do dev-dismount --json '$addr' >/tmp/ynl-eperm.txt 2>&1;
	rc=\$?; cat /tmp/ynl-eperm.txt; [ \$rc -eq 1 ] &&
	grep -q 'Netlink error: Operation not permitted' /tmp/ynl-eperm.txt" - "${cli[@]}"
check "nobody may still read: cli.py --do dev-get as nobody" sh -c "
	$(declare -f as_user); as_user \"\$@\" --do dev-get --json '$addr' |
	grep '\"dev-state\": \"quarantined\"'" - "${cli[@]}"

check "cli.py --do dev-mount the e1000e, as root" sh -c \
	'"$@" --do dev-mount --json "$0" >/tmp/ynl-mount.json' "$addr" "${cli[@]}"
check "ddactl show --json" sh -c "$ddactl show $nic --json >/tmp/ddactl-show.json"
check "the reply is the device back with e1000e, as ddactl shows it" sh -c "
	python3 /tmp/compare.py show /tmp/ynl-mount.json /tmp/ddactl-show.json &&
	grep -q '\"dev-state\": \"host\"' /tmp/ynl-mount.json &&
	grep -q '\"dev-driver\": \"e1000e\"' /tmp/ynl-mount.json"

# Its sleep must outlast every change above, with room to spare under TCG.
log "the changes took $((SECONDS - listening_since)) s of cli.py's 150 s of listening"
check "cli.py's listener is still listening after the last change" sleeping
ynl_done() { ! kill -0 "$ynl_events" 2>/dev/null; }
check "cli.py's listener is done" wait_for 200 ynl_done
kill "$ddactl_events"
wait "$ddactl_events" 2>/dev/null
log "cli.py --subscribe events:"
log "$(cat /tmp/ynl-events.json)"
check "cli.py received host -> quarantined -> host on events, as ddactl did" \
	same events /tmp/ynl-events.json /tmp/ddactl-events.json "$nic"

check "rmmod dda" rmmod dda
dmesg_clean
done_testing
