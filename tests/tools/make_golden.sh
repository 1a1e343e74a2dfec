#!/usr/bin/env bash
# Regenerates the golden outputs of the distortion types: each type at severity 2.5 with seed 7
# on tests/data/golden/input.png. Run from the repository root after building:
#   tests/tools/make_golden.sh [path/to/shamisa]
set -euo pipefail
shamisa="${1:-build/shamisa}"
dir=tests/data/golden
for type in $("$shamisa" distort list | tail -n +2 | cut -d, -f1); do
  "$shamisa" distort apply "$dir/input.png" "$dir/$type.png" --type "$type" --severity 2.5 --seed 7
done
