# SPDX-License-Identifier: GPL-2.0-only
#
# For the scenarios of the SR-IOV pool (47, 48): sourced after "$DDA_TESTLIB".
#
#   reclaimed_by_flr EVENTS VF=N...
#       in EVENTS, what `ddactl events --json` printed, each VF came back
#       from a guest (assigned -> quarantined, reason reclaim) N times so
#       far, each through an FLR, healthy

reclaimed_by_flr() {
	/usr/bin/python3 - "$@" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for arg in sys.argv[2:]:
    vf, n = arg.split("=")
    back = [e for e in ev if e["address"] == vf and e["reason"] == "reclaim"]
    assert len(back) == int(n), (vf, back)
    for e in back:
        assert (e["old_state"], e["state"], e.get("reset_method"), e.get("health")) == \
            ("assigned", "quarantined", "flr", "ok"), e
PY
}
