#!/bin/sh
# trace_test.sh - run gilsim with --trace and check the result (for CTest).
#
#   trace_test.sh PYTHON DIR CORES [CHECK_FLAGS...] -- gilsim run FILE [args...]
#
# In a fresh DIR: runs the command with --trace DIR/trace.json (it must
# succeed), checks the trace with check_trace.py (beside this script) and
# CHECK_FLAGS for CORES cores, checks that the report is byte-identical to
# the same command's without --trace, and that nothing but the trace and
# the two reports was left in DIR (no temporary file).  POSIX sh only.
set -u

if [ $# -lt 5 ]; then
  echo "usage: trace_test.sh PYTHON DIR CORES [CHECK_FLAGS...] -- command [args...]" >&2
  exit 2
fi
python=$1
dir=$2
cores=$3
shift 3
flags=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  flags="$flags $1"
  shift
done
[ $# -gt 1 ] || { echo "trace_test.sh: missing -- command" >&2; exit 2; }
shift
here=$(dirname "$0")

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

rm -rf "$dir" && mkdir -p "$dir" || exit 2
"$@" --trace "$dir/trace.json" >"$dir/report.traced" || fail "traced run: exit $?: $*"
# shellcheck disable=SC2086 # flags are separate words
"$python" "$here/check_trace.py" $flags "$dir/trace.json" "$cores" || fail "check_trace.py"
"$@" >"$dir/report.plain" || fail "untraced run: exit $?: $*"
cmp "$dir/report.plain" "$dir/report.traced" || fail "the report changed with --trace"
left=$(ls -A "$dir" | grep -v -x -e trace.json -e report.traced -e report.plain)
[ -z "$left" ] || fail "left in $dir: $left"
echo "ok"
