#!/usr/bin/env bash
# Quick start, command 1: set everything up, build, and run the main job.
# Until the default model exists (issue 6), the main job shows the versions and what shamisa reads
# from the bundled images.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/shamisa --version
build/shamisa image info tests/data
