#!/usr/bin/env bash
# Benchmark of gilsim sweep: the primes scenario over 7 core counts x 4
# models (28 simulations), timed N times (default 7); prints each wall
# time and the median.  Usage: scripts/bench-sweep.sh [BUILD_DIR] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
gilsim=${1:-build}/tool/gilsim
n=${2:-7}
times=()
for _ in $(seq "$n"); do
  s=$(date +%s.%N)
  "$gilsim" sweep scenarios/primes.cfg --cores 1,2,4,8,16,32,64 \
    --models sequential,threads,processes,asyncio --calibration none > /dev/null
  e=$(date +%s.%N)
  times+=("$(echo "$e - $s" | bc -l)")
done
printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {
  printf "gilsim sweep, primes, 7 core counts x 4 models = 28 runs; %d repetitions:\n", NR;
  for (i = 1; i <= NR; i++) printf "  %.3f s\n", a[i];
  m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
  printf "median %.3f s\n", m }'
