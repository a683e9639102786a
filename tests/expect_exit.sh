#!/bin/sh
# expect_exit.sh - run a command and check how it ended (for CTest).
#
#   expect_exit.sh CODE PATTERN -- command [args...]
#
# Passes when the command exits with status CODE and
#   - CODE != 0: stdout is empty and stderr contains PATTERN;
#   - CODE == 0: stdout contains PATTERN.
# PATTERN is a fixed string (grep -F); an empty PATTERN checks nothing.
# POSIX sh only.
set -u

if [ $# -lt 4 ] || [ "$3" != "--" ]; then
  echo "usage: expect_exit.sh CODE PATTERN -- command [args...]" >&2
  exit 2
fi
code=$1
pattern=$2
shift 3
cmd=$*

tmp=$(mktemp -d "${TMPDIR:-/tmp}/expect_exit.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

"$@" >"$tmp/out" 2>"$tmp/err"
status=$?

fail() {
  echo "FAIL: $*" >&2
  echo "command: $cmd" >&2
  echo "--- stdout:" >&2
  cat "$tmp/out" >&2
  echo "--- stderr:" >&2
  cat "$tmp/err" >&2
  exit 1
}

[ "$status" -eq "$code" ] || fail "exit status $status, expected $code"
if [ "$code" -ne 0 ]; then
  [ -s "$tmp/out" ] && fail "stdout should be empty on failure"
  where="$tmp/err"
else
  where="$tmp/out"
fi
if [ -n "$pattern" ] && ! grep -F -e "$pattern" "$where" >/dev/null; then
  fail "'$pattern' not found in $( [ "$code" -ne 0 ] && echo stderr || echo stdout)"
fi
echo "ok: exit $status"
exit 0
