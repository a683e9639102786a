#!/bin/sh
# output_links.sh - output files named through symbolic links.
#
#   output_links.sh GILSIM SCENARIO
#
# A --trace, --csv or --plot name that is a symbolic link (absolute,
# relative, in a chain, dangling) is written through: the file the links
# lead to gets the new contents, every link stays a link, and no temporary
# is left anywhere.  A loop of links is refused before the run (exit 2).
# POSIX sh only.
set -u
if [ $# -ne 2 ]; then
  echo "usage: output_links.sh GILSIM SCENARIO" >&2
  exit 2
fi
gilsim=$1
scenario=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/output_links.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT HUP INT TERM
bad=0
fail() { echo "FAIL: $*" >&2; bad=$((bad + 1)); }

mkdir "$tmp/real" "$tmp/links"
# A relative link in another folder, to an existing file.
echo old > "$tmp/real/trace.json"
chmod 640 "$tmp/real/trace.json"
ln -s ../real/trace.json "$tmp/links/trace.json"
"$gilsim" run "$scenario" --trace "$tmp/links/trace.json" > /dev/null || fail "run --trace through a link"
[ -L "$tmp/links/trace.json" ] || fail "the trace link was replaced"
grep -q traceEvents "$tmp/real/trace.json" || fail "the trace's target was not written"
[ "$(stat -c %a "$tmp/real/trace.json")" = 640 ] || fail "the trace's target lost its mode"

# A chain of two links, the last one dangling (the target is created).
ln -s "$tmp/real/sweep.csv" "$tmp/links/end"
ln -s end "$tmp/links/sweep.csv"
"$gilsim" sweep "$scenario" --cores 1,2 --csv "$tmp/links/sweep.csv" > /dev/null || fail "sweep --csv through a chain"
[ -L "$tmp/links/sweep.csv" ] && [ -L "$tmp/links/end" ] || fail "a link of the chain was replaced"
head -n 1 "$tmp/real/sweep.csv" | grep -q cores || fail "the chain's target was not written"

# A plot: both files through their links.
ln -s ../real/p.png "$tmp/links/p.png"
"$gilsim" sweep "$scenario" --cores 1,2 --plot "$tmp/links/p.png" > /dev/null || fail "sweep --plot through a link"
[ -L "$tmp/links/p.png" ] || fail "the plot link was replaced"
[ -s "$tmp/real/p.png" ] || fail "the plot's target was not written"

# A loop: refused before anything runs.
ln -s loop2 "$tmp/links/loop1"
ln -s loop1 "$tmp/links/loop2"
err=$("$gilsim" sweep "$scenario" --cores 1 --csv "$tmp/links/loop1" 2>&1 > /dev/null)
status=$?
[ $status -eq 2 ] || fail "a loop of links: exit $status, expected 2"
case $err in
*"cannot write '$tmp/links/loop1': Too many levels of symbolic links"*) ;;
*) fail "a loop of links: '$err'" ;;
esac

left=$(find "$tmp" -name '*.tmp.*')
[ -z "$left" ] || fail "temporaries left: $left"
[ $bad -eq 0 ] && echo "ok: outputs through symbolic links"
exit $((bad != 0))
