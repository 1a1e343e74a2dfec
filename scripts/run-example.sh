#!/usr/bin/env bash
# Quick start, command 1: set everything up, build, and run the main job: score the bundled
# example images (examples/, two CC0 photographs and three distorted versions of them) with the
# default SHAMISA model (models/shamisa-default.safetensors). Then the relational method: a
# bundled image with its left half blurred, related to the original (maps in build/example-maps/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/shamisa --version
build/shamisa score examples/
build/shamisa compare examples/chelsea.jpg examples/chelsea-blur.jpg --model models/shamisa-default.safetensors
mkdir -p build/example-maps
build/shamisa distort apply tests/data/golden/input.png build/example-maps/blurred-left.png \
  --chain gaublur:3 --region 0,0,32,64
build/shamisa relate build/example-maps/blurred-left.png tests/data/golden/input.png --maps build/example-maps
