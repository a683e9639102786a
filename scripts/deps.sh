#!/usr/bin/env bash
# Install the Debian packages gilsim needs, if any is missing.
# Idempotent: does nothing (and needs no network) when all are present.
#   scripts/deps.sh          what the build, the tests and the real runs need
#   scripts/deps.sh --fuzz   also clang and its libFuzzer runtime (scripts/fuzz.sh)
set -euo pipefail

pkgs=(build-essential cmake pkg-config libgsl-dev libconfig-dev libcriterion-dev libjson-c-dev python3
      libplplot-dev plplot-driver-cairo                                # plots (validate, sweep)
      libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev fonts-dejavu-core  # gilsim-viz
      python3-simpy valgrind)                                          # bench peer, leak check
case "${1:-}" in
  '') ;;
  --fuzz) pkgs+=(clang libclang-rt-14-dev) ;;                            # fuzz/ (libFuzzer)
  *) echo "usage: scripts/deps.sh [--fuzz]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "gilsim: installing ${missing[*]}" >&2
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
