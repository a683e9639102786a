#!/bin/sh
# Measure the shipped scenarios for real on this machine, at 1 and 2 cores,
# appending one row per configuration to data/measured/<host>.csv.
# Usage: scripts/measure-shipped.sh [BUILD_DIR]   (default: build)
# Runtime c runs the harness (pthreads, fork, the C GIL); runtime cpython
# runs harness/python/gilrun.py; downloads go to the loopback server.
# About 6 minutes on a 2-core machine.
set -eu
cd "$(dirname "$0")/.."
g=${1:-build}/tool/gilsim
csv=data/measured/$(hostname).csv
for cores in 1 2; do
  for model in sequential threads processes; do
    "$g" measure scenarios/primes.cfg --runtime c --model "$model" --workers 4 --cores "$cores" --csv "$csv" >/dev/null
  done
  for gil in none new old; do
    "$g" measure scenarios/countdown.cfg --runtime c --gil "$gil" --cores "$cores" --csv "$csv" >/dev/null
  done
  "$g" measure scenarios/countdown.cfg --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/countdown.cfg --model processes --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/sleep.cfg --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/asyncio.cfg --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/custom.cfg --runtime cpython --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/convoy.cfg --repeat 1 --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/convoy.cfg --repeat 1 --model processes --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/convoy.cfg --runtime c --gil new --repeat 1 --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/download.cfg --runtime c --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/download.cfg --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/download.cfg --model asyncio --cores "$cores" --csv "$csv" >/dev/null
  "$g" measure scenarios/download.cfg --model sequential --repeat 1 --cores "$cores" --csv "$csv" >/dev/null
done
echo "$csv"
