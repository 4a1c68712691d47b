#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Where a device's cycle through dda goes (bench/transitions.sh).

    breakdown.py NAME ADDRESS TIMES EVENTS DDAD_LOG

TIMES: lines "KEY US US ...", the timings of the shell (dismount, assign,
unassign, mount through ddactl; the manual sub-steps; the process and
round-trip baselines). EVENTS: `ddactl events --json`, whose resets are the
floor. DDAD_LOG: ddad's log, whose lines "assign ADDRESS: T ms: STEP T, ..."
say what each of its jobs waited on.

Prints the resets, the steps of ddad's jobs and the breakdown, with
"bench: KEY=VALUE" figure lines; exits 1 when a figure is missing.
"""
import json
import re
import statistics
import sys


def stat(name, values, unit_us=True, note=""):
    """One stats line and its figure, as bench/lib.sh's stats prints."""
    v = [x / 1000 if unit_us else x for x in values]
    med = statistics.median(v)
    print(f"  {name:<28} median {med:8.1f} ms  min {min(v):8.1f}  max {max(v):8.1f}"
          f"  (n={len(v)}{note})")
    print(f"bench: {name}_ms={med:.1f}")
    return med


def main():
    name, address, times_path, events_path, log_path = sys.argv[1:]
    times = {}
    for line in open(times_path):
        key, *values = line.split()
        times[key] = [int(x) for x in values]

    def med(key):
        return statistics.median(times[key]) / 1000 if times.get(key) else 0.0

    # The floor: the resets dda reported, by the transition that ran them.
    by = {"dismount": [], "reclaim": [], "mount": []}
    methods = set()
    for line in open(events_path):
        e = json.loads(line)
        if e["address"] == address and e["reason"] in by and "reset_usec" in e:
            by[e["reason"]].append(e["reset_usec"])
            methods.add(e["reset_method"])
    step_of = {"dismount": "dismount", "reclaim": "unassign", "mount": "mount"}
    floor = 0.0
    for reason, v in by.items():
        if not v:
            print(f"bench: {name}: no reset reported for {reason}")
            return 1
        floor += stat(f"{name}_{step_of[reason]}_reset", v,
                      note=", " + "/".join(sorted(methods)))

    # ddad's jobs: "assign 0000:01:00.0: 690.2 ms: query-pci 21.0, ..."
    jobs = {"assign": {}, "unassign": {}}
    pat = re.compile(r"ddad: (assign|unassign) " + re.escape(address) + r": ([0-9.]+) ms:(.*)")
    for line in open(log_path):
        m = pat.search(line)
        if not m:
            continue
        steps = jobs[m.group(1)]
        steps.setdefault("total", []).append(float(m.group(2)))
        for part in m.group(3).split(","):
            step, ms = part.split()
            steps.setdefault(step, []).append(float(ms))
    for op, steps in jobs.items():
        if not steps:
            print(f"bench: {name}: ddad logged no {op} of {address}")
            return 1
        print(f"  ddad's {op} jobs, by step:")
        for step, v in steps.items():
            stat(f"{name}_ddad_{op}_{step}".replace("-", "_").replace(".", "_"),
                 v, unit_us=False)

    def job(op, step):
        return statistics.median(jobs[op].get(step, [0]))

    cycle = sum(med(s) for s in ("dismount", "assign", "unassign", "mount"))
    host = med("unbind") + med("probe")
    qemu = job("assign", "device_add") + job("unassign", "device_del")
    query = job("assign", "query-pci") + job("assign", "verify")
    kernel = (job("assign", "handover") + job("unassign", "reclaim")
              - statistics.median(by["reclaim"]) / 1000)
    state = job("assign", "state.json") + job("unassign", "state.json")
    # A ddactl process (start, connect, one request, print): what the
    # transitions through ddad cost above ddad's job, and what a no-op
    # request to dda.ko costs for the two without ddad.
    procs = (med("assign") - job("assign", "total") + med("unassign")
             - job("unassign", "total") + 2 * med("show"))
    rows = [
        ("resets (the floor, reported by dda.ko)", floor),
        ("host driver: unbind + probe (timed by hand)", host),
        ("QEMU: device_add + device_del (ddad waiting)", qemu),
        ("QMP query-pci x2: free port, verify", query),
        ("dda.ko handover + reclaim, less its reset", kernel),
        ("ddad writing state.json (fsync, rename)", state),
        ("4 ddactl processes: start, ask, answer", procs),
    ]
    rest = cycle - sum(v for _, v in rows)
    rows.append(("the rest: dda.ko dismount/mount, ddad's loop", rest))
    # Of the processes, what the dynamic loader costs: the same ddactl
    # linked statically answers the same request.
    loader = 4 * (med("show") - med("static_show"))
    print(f"  {name}: where the cycle's {cycle:.1f} ms go (medians):")
    for what, v in rows:
        print(f"    {what:<48} {v:8.1f} ms")
        if what.startswith("4 ddactl"):
            print(f"      {'of which the dynamic loader (vs a static ddactl)':<46} {loader:8.1f} ms")
    print(f"bench: {name}_cycle_ms={cycle:.1f}")
    print(f"bench: {name}_procs_ms={procs:.1f}")
    print(f"bench: {name}_loader_ms={loader:.1f}")
    print(f"bench: {name}_rest_ms={rest:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
