#!/usr/bin/env bash
# Makes the figures of docs/relational.md: `shamisa relate --maps` on pairs with known, local edits
# of images the default relational model never saw (set14; it was trained on BSDS500):
#   1. left half sharpened, right half blurred;   2. a brightened rectangle;   3. JPEG in a rectangle;
#   4. white noise in a rectangle.
# B is always the untouched image, so every map reads "A relative to the original".
#   scripts/make-relate-figures.sh [MODEL]      (default: models/relational-default.safetensors)
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-models/relational-default.safetensors}"
shamisa=build/shamisa
set14=../shared/data/pristine/set14
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p docs/figures

# monarch.bmp is 768 x 512.
"$shamisa" distort apply "$set14/monarch.bmp" "$work/sharp-left.png" --chain highsharpen:3 --region 0,0,384,512
"$shamisa" distort apply "$work/sharp-left.png" "$work/halves.png" --chain gaublur:3 --region 384,0,384,512
# pepper.bmp and lenna.bmp are 512 x 512.
"$shamisa" distort apply "$set14/pepper.bmp" "$work/bright.png" --chain brighten:3 --region 128,128,256,256
"$shamisa" distort apply "$set14/lenna.bmp" "$work/jpeg.png" --chain jpeg:4 --region 192,160,256,224
# man.bmp is 512 x 512.
"$shamisa" distort apply "$set14/man.bmp" "$work/noise.png" --chain whitenoise:2 --region 64,96,256,224

relate() {  # NAME A B
  "$shamisa" relate "$2" "$3" --model "$model" --maps "$work/$1" --json >"$work/$1.json"
  cp "$work/$1/overview.png" "docs/figures/relate-$1.png"
  echo "docs/figures/relate-$1.png:"
  python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
print('  score %+.4f  ' % r['score'] + '  '.join('%s %+.3f/%.2f' % (a['name'], a['mean'], a['area']) for a in r['axes']))
" "$work/$1.json"
}
relate halves "$work/halves.png" "$set14/monarch.bmp"
relate brightened "$work/bright.png" "$set14/pepper.bmp"
relate local-jpeg "$work/jpeg.png" "$set14/lenna.bmp"
relate local-noise "$work/noise.png" "$set14/man.bmp"
