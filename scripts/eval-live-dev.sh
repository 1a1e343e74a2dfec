#!/usr/bin/env bash
# Rebuilds the LIVE development subset (../shared/data/live-dev, 196 human-rated images) into
# build/live-dev and evaluates every baseline metric on it: the figures of docs/evaluation.md.
#   scripts/eval-live-dev.sh            (after scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
scores=$(scripts/rebuild-live-dev.sh)
for metric in psnr ssim ms-ssim gmsd brisque niqe; do
  build/shamisa eval --dataset "$scores" --metric "$metric"
done
for metric in brisque niqe; do
  build/shamisa eval --dataset "$scores" --metric "$metric" --protocol ridge
done
