#!/usr/bin/env bash
# Quick start, command 2: set everything up, build, and run the whole test suite (CTest: the
# GoogleTest unit tests and the end-to-end CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build_dir="build"
[ "${SHAMISA_SANITIZE:-OFF}" = "ON" ] && build_dir="build-sanitize"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)"
