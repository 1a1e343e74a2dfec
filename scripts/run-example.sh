#!/usr/bin/env bash
# Quick start, command 1: set everything up, build, and run the main job.
# Until the default SHAMISA model exists (issue 6), the main job shows the versions, what shamisa
# reads from the bundled images, and the default relational model at work: a bundled image with
# its left half blurred, related to the original (maps in build/example-maps/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/shamisa --version
build/shamisa image info tests/data
mkdir -p build/example-maps
build/shamisa distort apply tests/data/golden/input.png build/example-maps/blurred-left.png \
  --chain gaublur:3 --region 0,0,32,64
build/shamisa relate build/example-maps/blurred-left.png tests/data/golden/input.png --maps build/example-maps
