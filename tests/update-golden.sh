#!/bin/sh
# Regenerate the golden reports of the shipped scenarios (seed 1).
# Usage: tests/update-golden.sh [BUILD_DIR]   (default: build)
set -eu
cd "$(dirname "$0")/.."
gilsim=${1:-build}/tool/gilsim
for f in scenarios/*.cfg; do
  name=$(basename "$f" .cfg)
  "$gilsim" run "$f" --seed 1 --calibration none > "tests/golden/$name.txt"
  echo "tests/golden/$name.txt"
done
