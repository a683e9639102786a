#!/usr/bin/env bash
# Install clang, build the two libFuzzer targets (fuzz/) in build-fuzz/ and
# run them, one after the other, one process each.
#   scripts/fuzz.sh [SCENARIO_SECONDS [CLI_SECONDS]]    (default 1200 and 600)
# New inputs go to build-fuzz/corpus-scenario and corpus-cli, inputs that
# fail to build-fuzz/artifacts/, libFuzzer's output to build-fuzz/fuzz-scenario.log
# and fuzz-cli.log.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-1200}${2:-600}" in
  *[!0-9]*) echo "usage: scripts/fuzz.sh [SCENARIO_SECONDS [CLI_SECONDS]]" >&2; exit 2 ;;
esac
scenario_s=${1:-1200}
cli_s=${2:-600}
scripts/deps.sh --fuzz
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGILSIM_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_scenario fuzz_cli gilsim
cd build-fuzz
mkdir -p corpus-scenario corpus-cli artifacts
status=0
./fuzz/fuzz_scenario -dict=../fuzz/scenario.dict -max_total_time="$scenario_s" \
  -rss_limit_mb=2048 -timeout=5 -artifact_prefix=artifacts/ \
  corpus-scenario ../scenarios ../scenarios/validation ../tests/bad ../fuzz/seeds-scenario \
  >fuzz-scenario.log 2>&1 || status=1
tail -n 3 fuzz-scenario.log
./fuzz/fuzz_cli -dict=../fuzz/cli.dict -max_total_time="$cli_s" \
  -rss_limit_mb=2048 -timeout=5 -artifact_prefix=artifacts/ \
  corpus-cli ../fuzz/corpus-cli >fuzz-cli.log 2>&1 || status=1
tail -n 3 fuzz-cli.log
ls artifacts
exit "$status"
