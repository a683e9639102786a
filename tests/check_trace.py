#!/usr/bin/env python3
"""check_trace.py - check a trace written by `gilsim run --trace` (CTest).

    check_trace.py [--expect-gil | --expect-no-gil] TRACE.json CORES

Loads the Chrome trace-event JSON (it must parse) and checks its structure,
never its timings:
  - every "B" has an "E" on its thread, every "X" has a duration >= 0 and
    no time is negative;
  - the process named "CPU cores" has exactly CORES core tracks ("core N"),
    and the slices on each never overlap;
  - each simulated thread's state slices tile its life: sorted by time,
    each starts exactly where the previous one ended (0.001 us of
    tolerance, one nanosecond), and a thread's running slices cover exactly
    the time the core tracks show it running;
  - the slices of each "GIL holder" track never overlap;
  - every async "b" has a matching "e" (same pid, cat and id), and no "e"
    comes without its "b";
  - the metadata object names the scenario and the core count.
--expect-gil also requires a "GIL holder" track with slices and at least
one "waiting for GIL" slice; --expect-no-gil requires that neither appears
(a run without a GIL).

Exits 1 with a message at the first failure; prints "trace ok: N events".
Python 3 standard library only.
"""
import collections
import json
import re
import sys

TOL = 0.001  # us: one nanosecond, the resolution of the timestamps
STATES = {"running", "running (GIL)", "runnable", "waiting for GIL", "I/O",
          "sleeping", "blocked"}
RUNNING = {"running", "running (GIL)"}
GIL_TID_BASE = 2000000  # GS_TRACEW_GIL_TID_BASE, tool/trace.h


def fail(msg):
    print("check_trace: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def show(ev):
    return json.dumps(ev, sort_keys=True)


def no_overlap(slices, what):
    """Slices sorted by start; each starts at or after the previous end."""
    slices = sorted(slices, key=lambda e: (e["ts"], e["dur"]))
    end = None
    for ev in slices:
        if end is not None and ev["ts"] < end - TOL:
            fail("%s: slices overlap at %s" % (what, show(ev)))
        end = ev["ts"] + ev["dur"]


def merge(intervals):
    """Union of [start, end) intervals, adjacent ones joined."""
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1] + TOL:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def main(argv):
    args = argv[1:]
    expect_gil = "--expect-gil" in args
    expect_no_gil = "--expect-no-gil" in args
    # --measured: a trace of a real run (gilsim measure) knows each task's
    # thread but not which core ran it, so its core tracks stay empty.
    measured = "--measured" in args
    args = [a for a in args if a not in ("--expect-gil", "--expect-no-gil", "--measured")]
    if len(args) != 2 or (expect_gil and expect_no_gil) or not args[1].isdigit():
        print("usage: check_trace.py [--expect-gil | --expect-no-gil] [--measured] TRACE.json CORES",
              file=sys.stderr)
        return 2
    path, cores = args[0], int(args[1])

    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail("%s does not load: %s" % (path, e))
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        fail("not a JSON object with a traceEvents list")
    events = doc["traceEvents"]
    if doc.get("displayTimeUnit") not in ("ns", "ms"):
        fail("displayTimeUnit should be ns or ms")
    meta = doc.get("metadata")
    if not isinstance(meta, dict) or not meta.get("scenario") or meta.get("cores") != cores:
        fail("metadata should name the scenario and %d cores: %r" % (cores, meta))

    thread_names = {}   # (pid, tid) -> name
    proc_names = {}     # pid -> name
    stacks = collections.defaultdict(list)  # "B"/"E" per thread
    slices = collections.defaultdict(list)  # "X" per (pid, tid)
    open_async = {}
    for ev in events:
        ph = ev.get("ph")
        if ph is None or "pid" not in ev:
            fail("event without ph or pid: " + show(ev))
        key = (ev["pid"], ev.get("tid"))
        if ph != "M":
            if not isinstance(ev.get("ts"), (int, float)) or ev["ts"] < 0:
                fail("bad ts: " + show(ev))
        if ph == "M":
            if ev.get("name") == "thread_name":
                thread_names[key] = ev["args"]["name"]
            elif ev.get("name") == "process_name":
                proc_names[ev["pid"]] = ev["args"]["name"]
        elif ph == "X":
            if not isinstance(ev.get("dur"), (int, float)) or ev["dur"] < 0:
                fail("complete event with a bad dur: " + show(ev))
            slices[key].append(ev)
        elif ph == "B":
            stacks[key].append(ev)
        elif ph == "E":
            if not stacks[key]:
                fail("E without B: " + show(ev))
            stacks[key].pop()
        elif ph == "b":
            akey = (ev["pid"], ev.get("cat"), ev.get("id"))
            if akey in open_async:
                fail("async id begun twice: " + show(ev))
            open_async[akey] = ev
        elif ph == "e":
            akey = (ev["pid"], ev.get("cat"), ev.get("id"))
            if akey not in open_async:
                fail("async e without b: " + show(ev))
            if ev["ts"] < open_async[akey]["ts"]:
                fail("async e before its b: " + show(ev))
            del open_async[akey]
        elif ph == "C":
            if not isinstance(ev.get("args"), dict) or not ev.get("name"):
                fail("counter without name or args: " + show(ev))
        else:
            fail("unexpected phase %r: %s" % (ph, show(ev)))
    for key, stack in stacks.items():
        if stack:
            fail("B without E on %r: %s" % (key, show(stack[-1])))
    if open_async:
        fail("async b without e: " + show(next(iter(open_async.values()))))

    # Core tracks: exactly CORES of them, slices never overlapping.
    cores_pids = [p for p, n in proc_names.items() if n == "CPU cores"]
    if len(cores_pids) != 1:
        fail("expected one process named 'CPU cores', found %d" % len(cores_pids))
    cpid = cores_pids[0]
    core_tracks = {k: n for k, n in thread_names.items()
                   if k[0] == cpid and re.fullmatch(r"core \d+", n)}
    if len(core_tracks) != cores:
        fail("%d core tracks, expected %d" % (len(core_tracks), cores))
    for key, name in core_tracks.items():
        no_overlap(slices[key], name)
    for key in slices:
        if key[0] == cpid and key not in core_tracks:
            fail("slices on an unnamed track of the cores: %r" % (key,))

    # Simulated threads: state slices tile their lives.
    by_name = collections.defaultdict(list)  # (pid, name) -> tids
    threads = [k for k in thread_names if k[0] != cpid and k[1] < GIL_TID_BASE]
    for key in threads:
        by_name[(key[0], thread_names[key])].append(key)
        states = sorted(slices[key], key=lambda e: e["ts"])
        for ev in states:
            if ev["name"] not in STATES:
                fail("unknown state slice on thread %r: %s" % (key, show(ev)))
        for a, b in zip(states, states[1:]):
            gap = b["ts"] - (a["ts"] + a["dur"])
            if abs(gap) > TOL:
                fail("thread %s %r: %s after %s (%s by %.3f us)"
                     % (thread_names[key], key, show(b), show(a),
                        "gap" if gap > 0 else "overlap", abs(gap)))
    for key in slices:
        if key[0] != cpid and key not in thread_names:
            fail("slices on an unnamed track: %r" % (key,))

    # What the cores ran is what the threads say they ran.
    on_core = collections.defaultdict(list)
    for key in core_tracks:
        for ev in slices[key]:
            m = re.fullmatch(r"(.*) \(pid (\d+)\)", ev["name"])
            if not m:
                fail("core slice not named 'THREAD (pid P)': " + show(ev))
            tids = by_name.get((int(m.group(2)), m.group(1)), [])
            if len(tids) != 1:
                fail("core slice names no single thread: " + show(ev))
            on_core[tids[0]].append((ev["ts"], ev["ts"] + ev["dur"]))
    for key in threads if not measured else []:
        ran = merge([(e["ts"], e["ts"] + e["dur"]) for e in slices[key] if e["name"] in RUNNING])
        cored = merge(on_core.get(key, []))
        if len(ran) != len(cored) or any(abs(a[0] - b[0]) > TOL or abs(a[1] - b[1]) > TOL
                                         for a, b in zip(ran, cored)):
            fail("thread %s %r: running %s but on cores %s"
                 % (thread_names[key], key, ran[:5], cored[:5]))

    # GIL holder tracks.
    gil_tracks = [k for k, n in thread_names.items() if n == "GIL holder"]
    for key in gil_tracks:
        if key[1] != GIL_TID_BASE + key[0]:
            fail("GIL holder track of pid %d has tid %d" % key)
        no_overlap(slices[key], "GIL holder of pid %d" % key[0])
    if expect_gil:
        if not any(slices[k] for k in gil_tracks):
            fail("no GIL holder track with slices")
        if not any(e["name"] == "waiting for GIL" for k in threads for e in slices[k]):
            fail("no 'waiting for GIL' slice")
    if expect_no_gil:
        if gil_tracks:
            fail("a GIL holder track in a run without a GIL")
        if any(e["name"] in ("waiting for GIL", "running (GIL)")
               for k in threads for e in slices[k]):
            fail("a GIL state in a run without a GIL")

    print("trace ok: %d events" % len(events))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
