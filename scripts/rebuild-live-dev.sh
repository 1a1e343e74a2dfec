#!/usr/bin/env bash
# Rebuilds the LIVE development subset (../shared/data/live-dev, 196 human-rated images) into
# build/live-dev (scores.csv, dataset.json, PNG images), once; prints the CSV's path.
set -euo pipefail
cd "$(dirname "$0")/.."
live=../shared/data/live-dev
out=build/live-dev
scripts/install-packages.sh python3-pil python3-numpy python3-scipy
[ -f "$out/scores.csv" ] || /usr/bin/python3 "$live/rebuild_live.py" --refs "$live/refs" --meta "$live/live_dev_params.csv" --out "$out" >&2
echo "$out/scores.csv"
