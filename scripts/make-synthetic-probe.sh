#!/usr/bin/env bash
# Builds the synthetic linear-probe set used to compare training runs (docs/training.md): every
# distortion type at 5 levels on the 9 LIVE-dev references (none of them is in the training
# folder), 1170 images, each scored by MS-SSIM against its reference, a full-reference stand-in
# for human opinion with far more images than LIVE-dev's 196.
#   scripts/make-synthetic-probe.sh [OUT=build/synthetic-probe]      (after scripts/setup.sh)
#   build/shamisa eval --dataset OUT/msssim.csv --higher-better --checkpoint RUN/checkpoint.safetensors
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/synthetic-probe}
[ -f "$out/dataset.csv" ] || build/shamisa -q distort dataset --refs ../shared/data/live-dev/refs --out "$out" \
  --mode every-type --seed 5
csv="$out/msssim.csv"
tmp="$csv.tmp"
echo "image,score,ref,type" > "$tmp"
tail -n +2 "$out/dataset.csv" | while IFS=, read -r image ref type _; do
  score=$(build/shamisa -q compare "$out/$ref" "$out/$image" --metric ms-ssim | tail -n 1 | cut -d, -f2)
  echo "$image,$score,$ref,$type" >> "$tmp"
done
mv "$tmp" "$csv"
echo "$csv: $(($(wc -l < "$csv") - 1)) images scored by MS-SSIM (higher is better: eval with --higher-better)"
