#!/bin/sh
# bad_cli.sh - every malformed scenario of the catalogue, through the tool.
#
#   bad_cli.sh GILSIM BAD_DIR
#
# For each BAD_DIR/*.cfg (its first line "# expect: MESSAGE", FILE standing
# for the file's path and DIR for BAD_DIR), `gilsim run FILE --trace T`
# must exit with status 2, print exactly "gilsim: MESSAGE" on stderr and
# nothing on stdout, write no trace T, and not crash (a signal, or a
# sanitizer's report, is a failure).  test_scenario.c checks the same
# files through the library; this checks what a user sees.
# POSIX sh only.
set -u

if [ $# -ne 2 ]; then
  echo "usage: bad_cli.sh GILSIM BAD_DIR" >&2
  exit 2
fi
gilsim=$1
dir=$2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bad_cli.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

n=0
bad=0
for f in "$dir"/*.cfg; do
  n=$((n + 1))
  first=$(head -n 1 "$f")
  case $first in
  "# expect: "*) ;;
  *)
    echo "FAIL: $f: no '# expect: ' first line" >&2
    bad=$((bad + 1))
    continue
    ;;
  esac
  want=$(printf '%s\n' "${first#\# expect: }" | awk -v file="$f" -v dir="$dir" '{
    out = ""
    while (length($0) > 0) {
      if (substr($0, 1, 4) == "FILE") { out = out file; $0 = substr($0, 5) }
      else if (substr($0, 1, 3) == "DIR") { out = out dir; $0 = substr($0, 4) }
      else { out = out substr($0, 1, 1); $0 = substr($0, 2) }
    }
    print "gilsim: " out
  }')
  "$gilsim" run "$f" --trace "$tmp/t.json" >"$tmp/out" 2>"$tmp/err"
  status=$?
  got=$(cat "$tmp/err")
  why=""
  if [ "$status" -ne 2 ]; then
    why="exit status $status, expected 2"
  elif [ -s "$tmp/out" ]; then
    why="wrote to stdout"
  elif [ -e "$tmp/t.json" ] || [ -n "$(ls -A "$tmp" | grep -v -e '^out$' -e '^err$')" ]; then
    why="left a file behind: $(ls -A "$tmp")"
  elif [ "$got" != "$want" ]; then
    why="stderr differs"
  fi
  if [ -n "$why" ]; then
    echo "FAIL: $f: $why" >&2
    echo "  expected: $want" >&2
    echo "  got:      $got" >&2
    bad=$((bad + 1))
  fi
  rm -f "$tmp/t.json" "$tmp/out" "$tmp/err"
done

if [ "$n" -lt 30 ]; then
  echo "FAIL: only $n files in $dir (the catalogue has at least 30)" >&2
  exit 1
fi
if [ "$bad" -ne 0 ]; then
  echo "$bad of $n malformed scenarios not rejected as documented" >&2
  exit 1
fi
echo "$n malformed scenarios rejected as documented"
