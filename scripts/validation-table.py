#!/usr/bin/env python3
"""validation-table.py - the README's table of a `gilsim validate --csv`
file: median absolute wall-time error by scenario and model, with the
maximum and the number of configurations.

    scripts/validation-table.py data/validation/vm.csv
"""
import csv
import statistics
import sys

MODELS = ["sequential", "threads", "processes", "asyncio"]


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: validation-table.py FILE.csv\n")
        return 2
    cells = {}
    with open(argv[1], newline="") as f:
        for row in csv.DictReader(f):
            if row.get("status", "ok") not in ("ok", ""):
                continue
            err = abs(float(row["wall_err_pct"]))
            cells.setdefault(row["scenario"], {}).setdefault(row["model"], []).append(err)
    print("| scenario | " + " | ".join(MODELS) + " |")
    print("| --- |" + " --- |" * len(MODELS))
    for sc in sorted(cells):
        out = []
        for m in MODELS:
            v = cells[sc].get(m)
            if not v:
                out.append("")
                continue
            top = max(v)
            out.append("%.1f %% (max %s %%, %d)"
                       % (statistics.median(v), "%.0f" % top if top >= 10 else "%.1f" % top,
                          len(v)))
        print("| %s | %s |" % (sc, " | ".join(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
