#!/usr/bin/env bash
# Installs what shamisa needs from Debian 12's archive (idempotent: only missing packages are
# installed) and builds it in ./build (Release). Run as root or as a user with sudo.
#   SHAMISA_BUILD_TYPE=Debug scripts/setup.sh     another build type
#   SHAMISA_SANITIZE=ON scripts/setup.sh           ASan/UBSan build (in ./build-sanitize)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config python3
  libtorch-dev libopenblas0-pthread
  libopencv-dev libopencv-contrib-dev opencv-data
  libopenjp2-7-dev libjpeg-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev libbenchmark-dev
)

scripts/install-packages.sh "${packages[@]}"

# LibTorch's matrix products go through libblas.so.3; the reference BLAS is ten times slower.
if ! readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 | grep -q openblas; then
  echo "setup: warning: libblas.so.3 is not OpenBLAS (update-alternatives --config libblas.so.3-x86_64-linux-gnu)" >&2
fi

build_type="${SHAMISA_BUILD_TYPE:-Release}"
sanitize="${SHAMISA_SANITIZE:-OFF}"
build_dir="build"
[ "$sanitize" = "ON" ] && build_dir="build-sanitize"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" -DSHAMISA_SANITIZE="$sanitize" >&2
cmake --build "$build_dir" -j"$(nproc)" >&2
