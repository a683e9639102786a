"""check_rounds.py FILE N - every measured value of a calibration written
with --rounds N is the median of the N round values its comment lists."""
import re
import statistics
import sys


def main(path, n):
    lines = open(path).read().splitlines()
    checked = 0
    for i, line in enumerate(lines[:-1]):
        m = re.search(r"; rounds: ([0-9., ]+), the median kept$", line)
        if not m:
            continue
        vals = [float(x) for x in m.group(1).split(", ")]
        if len(vals) != n:
            print("%s:%d: %d rounds listed, expected %d" % (path, i + 1, len(vals), n))
            return 1
        v = re.match(r"\s+(\w+) = ([0-9.]+);$", lines[i + 1])
        if not v:
            print("%s:%d: no value after the rounds" % (path, i + 2))
            return 1
        want = statistics.median(vals)
        if abs(float(v.group(2)) - want) > max(1e-3, 1e-3 * want):
            print("%s:%d: %s = %s, the median of %s is %g"
                  % (path, i + 2, v.group(1), v.group(2), vals, want))
            return 1
        checked += 1
    if checked < 10:
        print("%s: only %d values with rounds" % (path, checked))
        return 1
    print("ok: %d values, each the median of its %d rounds" % (checked, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
