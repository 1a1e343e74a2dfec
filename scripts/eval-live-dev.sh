#!/usr/bin/env bash
# Rebuilds the LIVE development subset (../shared/data/live-dev, 196 human-rated images) into
# build/live-dev and evaluates every baseline metric on it: the figures of docs/evaluation.md.
#   scripts/eval-live-dev.sh            (after scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
live=../shared/data/live-dev
out=build/live-dev
missing=()
for p in python3-pil python3-numpy python3-scipy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}" >&2
fi
[ -f "$out/scores.csv" ] || /usr/bin/python3 "$live/rebuild_live.py" --refs "$live/refs" --meta "$live/live_dev_params.csv" --out "$out" >&2
for metric in psnr ssim ms-ssim gmsd brisque niqe; do
  build/shamisa eval --dataset "$out/scores.csv" --metric "$metric"
done
for metric in brisque niqe; do
  build/shamisa eval --dataset "$out/scores.csv" --metric "$metric" --protocol ridge
done
