#!/usr/bin/env bash
# Makes the bundled example images (committed; run once, by hand) from two CC0 photographs of
# scikit-image's data (Debian's python3-skimage): each as a quality-95 JPEG, and three of its
# versions distorted by shamisa's engine.
#   examples/make-examples.sh        (after scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh python3-skimage python3-pil
data=/usr/lib/python3/dist-packages/skimage/data
out=examples
for name in chelsea coffee; do
  /usr/bin/python3 -c "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').save(sys.argv[2], quality=95)" \
    "$data/$name.png" "$out/$name.jpg"
done
build/shamisa distort apply "$out/chelsea.jpg" "$out/chelsea-blur.jpg" --chain gaublur:2 --seed 1
build/shamisa distort apply "$out/chelsea.jpg" "$out/chelsea-jpeg.jpg" --chain jpeg:3 --seed 1
build/shamisa distort apply "$out/coffee.jpg" "$out/coffee-noise.jpg" --chain whitenoise:2 --seed 1
