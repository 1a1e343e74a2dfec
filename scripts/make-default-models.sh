#!/usr/bin/env bash
# Makes the two SHAMISA quality models that ship in models/ from one trained encoder:
#   models/shamisa-default.safetensors   NR and FR heads fitted on the engine's synthetic data made
#                                        from held-out content (no human scores): what `score` uses
#   models/shamisa-live-dev.safetensors  NR and FR heads fitted on the LIVE development set (DMOS)
#   scripts/make-default-models.sh [SOURCE]
# SOURCE is a training checkpoint (default build/runs/cpu-2400/checkpoint.safetensors, made by
# the command in models/README.md) or a quality model file whose encoder to reuse (its heads are
# replaced). Held-out content: 12 photographs of Debian's plasma-workspace-wallpapers and
# scikit-image's astronaut and rocket (python3-skimage) — none of them in ../shared/data/pristine,
# on which the encoder was trained, nor in LIVE. The wallpapers are downscaled to 800 pixels on the
# long side: Debian 12's package ships every size name (800x600.jpg included) as a link to one
# 2560x1600 file, five times the scale of the training images (481x321) and of the usual IQA sets,
# and at that scale the features barely see pixel-sized distortions (docs/quality-model.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source_file="${1:-build/runs/cpu-2400/checkpoint.safetensors}"
threads="${SHAMISA_THREADS:-2}"
shamisa=(build/shamisa -q --threads "$threads")
scripts/install-packages.sh plasma-workspace-wallpapers python3-skimage python3-pil

refs=build/heldout/refs
synth=build/heldout/synth
long_side=800  # pixels, the wallpapers' downscale
seed=11
# What the cached set was made with: a change here remakes it.
recipe="wallpapers downscaled to $long_side px (Pillow Lanczos); distort every-type --seed $seed"
if [ ! -f "$synth/dataset.csv" ] || [ "$(cat build/heldout/recipe 2>/dev/null)" != "$recipe" ]; then
  rm -rf build/heldout && mkdir -p "$refs"
  /usr/bin/python3 - "$refs" "$long_side" Autumn BytheWater ColdRipple DarkestHour EveningGlow FallenLeaf Grey Kite \
      OneStandsOut PastelHills Path summer_1am <<'PY'
import sys
from PIL import Image
folder, long_side = sys.argv[1], int(sys.argv[2])
for name in sys.argv[3:]:
    image = Image.open(f"/usr/share/wallpapers/{name}/contents/images/800x600.jpg").convert("RGB")
    scale = long_side / max(image.size)
    size = (round(image.size[0] * scale), round(image.size[1] * scale))
    image.resize(size, Image.LANCZOS).save(f"{folder}/{name}.png")
PY
  cp /usr/lib/python3/dist-packages/skimage/data/astronaut.png \
     /usr/lib/python3/dist-packages/skimage/data/rocket.jpg "$refs/"
  # Every type at its 5 anchor severities; score = the severity index (0..4, lower is better), so
  # the head's 0-100 score is 100 * (1 - s/4): 100 at the mildest anchor, 0 at the strongest.
  "${shamisa[@]}" distort dataset --refs "$refs" --out "$synth" --mode every-type --seed "$seed"
  echo "$recipe" > build/heldout/recipe
fi

encoder=build/heldout/encoder.safetensors
if "${shamisa[@]}" model info "$source_file" > /dev/null 2>&1; then
  cp "$source_file" "$encoder"
else
  "${shamisa[@]}" model export "$source_file" --out "$encoder" --name cpu-default
fi

"${shamisa[@]}" fit --model "$encoder" --dataset "$synth/dataset.csv" --name shamisa-default \
  --out build/heldout/default-nr.safetensors
"${shamisa[@]}" fit --model build/heldout/default-nr.safetensors --dataset "$synth/dataset.csv" --fr \
  --out models/shamisa-default.safetensors

live=$(scripts/rebuild-live-dev.sh)
"${shamisa[@]}" fit --model "$encoder" --dataset "$live" --name shamisa-live-dev \
  --out build/heldout/live-nr.safetensors
"${shamisa[@]}" fit --model build/heldout/live-nr.safetensors --dataset "$live" --fr \
  --out models/shamisa-live-dev.safetensors
sha256sum models/shamisa-default.safetensors models/shamisa-live-dev.safetensors
