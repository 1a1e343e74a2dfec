#!/usr/bin/env bash
# The label-free NR head study of docs/quality-model.md ("Why the default head is weak"):
#   scripts/head-study.sh [MODEL [CHECKPOINT]]
# MODEL (default models/shamisa-default.safetensors) gives the features; CHECKPOINT, optional, is
# the training checkpoint of MODEL's encoder, whose group head is scored too. Needs the build,
# the held-out synthetic set of scripts/make-default-models.sh and LIVE-dev; writes
# build/head-study/NAME/ (NAME: MODEL's file name) and prints a Markdown table. About 45 minutes
# on 2 threads, most of it scikit-image's SSIM. For a training run's own group head, export the run first, e.g.
#   build/shamisa model export build/runs/cpu-simclr/checkpoint.safetensors --out build/simclr.safetensors
#   scripts/head-study.sh build/simclr.safetensors build/runs/cpu-simclr/checkpoint.safetensors
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-models/shamisa-default.safetensors}"
checkpoint="${2:-}"
synth=build/heldout/synth/dataset.csv
out=build/head-study/$(basename "$model" .safetensors)
dump=build/shamisa_dump_features
[ -f "$synth" ] && [ -f build/heldout/recipe ] ||
  { echo "head-study: $synth is missing or predates its recipe; run scripts/make-default-models.sh first" >&2; exit 3; }
scripts/install-packages.sh python3-numpy python3-scipy python3-skimage python3-pil
live=$(scripts/rebuild-live-dev.sh)
# The cached features and SSIM are of one synthetic set: start again when that set was remade.
if ! cmp -s build/heldout/recipe "$out/recipe"; then rm -rf "$out"; fi
mkdir -p "$out"
cp build/heldout/recipe "$out/recipe"

# Every pristine training image, as a dataset (the score column is unused).
{ echo "image,score"; find "$PWD/../shared/data/pristine" -type f \( -iname '*.png' -o -iname '*.jpg' \) | sort | sed 's/$/,0/'; } \
  > "$out/pristine.csv"
for crop in 128 224; do
  [ -f "$out/synth_$crop.st" ] || "$dump" "$model" "$synth" "$out/synth_$crop.st" "$crop"
  [ -f "$out/live_$crop.st" ] || "$dump" "$model" "$live" "$out/live_$crop.st" "$crop"
done
[ -f "$out/pristine_128.st" ] || "$dump" "$model" "$out/pristine.csv" "$out/pristine_128.st" 128

# SSIM of each synthetic image against its reference (luma, Gaussian window, scikit-image).
[ -f "$out/ssim.csv" ] || /usr/bin/python3 - "$synth" "$out/ssim.csv" <<'PY'
import csv, os, sys
import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity
root = os.path.dirname(sys.argv[1])
gray = lambda p: np.asarray(Image.open(os.path.join(root, p)).convert("L"), dtype=np.float64)
refs = {}
with open(sys.argv[2], "w") as f:
    f.write("image,ssim\n")
    for r in csv.DictReader(open(sys.argv[1])):
        ref = refs.setdefault(r["ref"], gray(r["ref"]))
        s = structural_similarity(ref, gray(r["image"]), data_range=255, gaussian_weights=True, sigma=1.5,
                                  use_sample_covariance=False)
        f.write(f"{r['image']},{s:.6f}\n")
PY
/usr/bin/python3 scripts/head-study.py "$out" "$synth" "$live" ${checkpoint:+"$checkpoint"}
