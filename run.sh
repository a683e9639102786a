#!/usr/bin/env bash
# Set up, build and run the main job: the default scenario, with its report.
#   ./run.sh                      runs scenarios/primes.cfg
#   ./run.sh FILE [run flags]     runs another scenario (see ./build/tool/gilsim run --help)
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if [ $# -eq 0 ]; then set -- scenarios/primes.cfg; fi
exec ./build/tool/gilsim run "$@"
