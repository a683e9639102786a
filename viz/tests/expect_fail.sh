#!/bin/sh
# expect_fail.sh STATUS PATTERN command [args...] - run the command (for
# CTest); pass if it exits with STATUS and its stderr matches PATTERN (a
# grep -E pattern), and it did not crash.  POSIX sh only.
set -u
want=$1
pattern=$2
shift 2
err=$("$@" 2>&1 >/dev/null)
st=$?
printf '%s\n' "$err"
[ "$st" -eq "$want" ] || { echo "FAIL: exit $st, expected $want" >&2; exit 1; }
printf '%s\n' "$err" | grep -E -q -- "$pattern" || { echo "FAIL: stderr lacks /$pattern/" >&2; exit 1; }
echo ok
