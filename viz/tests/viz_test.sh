#!/bin/sh
# viz_test.sh - run gilsim-viz headless and check what it drew (for CTest).
#
#   viz_test.sh DIR SCENARIO [RUN_FLAGS...] -- [VIZ_FLAGS...] -- [CHECK_FLAGS...]
#
# In a fresh DIR: `gilsim run SCENARIO RUN_FLAGS --trace trace.json` (the
# simulation's own trace, written by the tool), then
# `gilsim-viz SCENARIO RUN_FLAGS VIZ_FLAGS`, then
# `viz_check CHECK_FLAGS` (the word TRACE stands for trace.json).  The
# programs come from $GILSIM, $GILSIM_VIZ and $VIZ_CHECK.  POSIX sh only.
set -u
[ $# -ge 4 ] || { echo "usage: viz_test.sh DIR SCENARIO [RUN...] -- [VIZ...] -- [CHECK...]" >&2; exit 2; }
dir=$1
scenario=$2
shift 2
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 2

# Split the arguments at the two "--" into three lists, kept as positional
# parameters of functions so that no word is split or globbed.
run=
viz=
check=
part=run
for a in "$@"; do
  if [ "$a" = "--" ]; then
    if [ $part = run ]; then part=viz; else part=check; fi
    continue
  fi
  q=$(printf '%s' "$a" | sed "s/'/'\\\\''/g")
  case $part in
    run) run="$run '$q'" ;;
    viz) viz="$viz '$q'" ;;
    check) [ "$a" = TRACE ] && q=trace.json; check="$check '$q'" ;;
  esac
done

eval "\"\$GILSIM\" run \"\$scenario\" $run --trace trace.json" >report.txt ||
  fail "gilsim run: exit $?"
eval "\"\$GILSIM_VIZ\" \"\$scenario\" $run $viz" >viz.out 2>viz.err || {
  st=$?
  cat viz.err >&2
  fail "gilsim-viz: exit $st"
}
eval "\"\$VIZ_CHECK\" $check" || fail "viz_check"
echo ok
