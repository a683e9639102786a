#!/usr/bin/env python3
"""Simulate every row of a `gilsim validate` CSV again, with a given gilsim
binary and optional extra flags, and compare with the row's measured wall
time: a what-if for a model change, against measurements already taken.

    scripts/validation-resim.py [--gilsim PATH] [--filter TEXT]
                                [--calibration FILE] CSV [-- FLAG...]

Each row is run as `gilsim run FILE --model M --cores N --gil G
[--workers W] --calibration C --format json FLAG...`, C being the row's
calibration unless --calibration names another (the one the measurements
were compared with may have been replaced since).  --filter keeps the rows
whose "scenario gil model cores workers" contains TEXT.  Prints the rows
furthest off, then the median, 90th percentile and maximum of |error|, as
validate computes them.  Nothing is fitted: the measurements are only
compared with.
"""
import argparse
import csv
import json
import os
import subprocess
import sys


def percentile(sorted_vals, q):
    """validate's percentile: linear between closest ranks."""
    if not sorted_vals:
        return float("nan")
    pos = q * (len(sorted_vals) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo)


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv")
    ap.add_argument("--gilsim", default="build/tool/gilsim")
    ap.add_argument("--filter", default="")
    ap.add_argument("--calibration")
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args(argv)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    # Rows name files from the project's top; paths given here are the caller's.
    if a.calibration and a.calibration != "none":
        a.calibration = os.path.abspath(a.calibration)
    a.gilsim = (os.path.abspath(a.gilsim) if a.gilsim != "build/tool/gilsim"
                else os.path.join(root, a.gilsim))
    out, errs = [], []
    with open(a.csv, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if r["status"] != "ok":
            continue
        key = " ".join([r["scenario"], r["gil"], r["model"], r["cores"], r["workers"] or "-"])
        if a.filter not in key:
            continue
        cmd = [a.gilsim, "run", r["file"], "--model", r["model"], "--cores", r["cores"],
               "--gil", r["gil"], "--calibration", a.calibration or r["calibration"],
               "--format", "json"]
        if r["workers"]:
            cmd += ["--workers", r["workers"]]
        p = subprocess.run(cmd + extra, capture_output=True, text=True, cwd=root)
        if p.returncode != 0:
            sys.exit("%s: %s" % (key, p.stderr.strip()))
        sim = json.loads(p.stdout)["wall_s"]
        meas = float(r["measured_wall_s"])
        e = 100 * (sim - meas) / meas
        errs.append(abs(e))
        out.append((abs(e), "%-40s measured %.3f  simulated %.3f (was %.3f)  %+.1f %%"
                    % (key, meas, sim, float(r["sim_wall_s"]), e)))
    for _, line in sorted(out, reverse=True)[:a.top]:
        print(line)
    errs.sort()
    if errs:
        print("%d rows: |wall error| median %.1f %%, 90th percentile %.1f %%, max %.1f %%"
              % (len(errs), percentile(errs, 0.5), percentile(errs, 0.9), errs[-1]))


if __name__ == "__main__":
    main()
