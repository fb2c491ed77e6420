#!/usr/bin/env bash
# Configures and builds one configuration. usage: build.sh release|asan [targets...]
#   release: gcc, Release, CUDA when the toolkit is found, Qt GUI and tests.
#   asan:    clang, ASan+UBSan, libFuzzer targets, no CUDA (nvcc and ASan do not mix well).
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-release}; shift || true
jobs=${JOBS:-$(nproc)}
case "$config" in
  release)
    dir=build
    [ -f "$dir/build.ninja" ] || cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release ;;
  asan)
    dir=build-asan
    [ -f "$dir/build.ninja" ] || CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOBISCOPE_SANITIZE=ON -DMOBISCOPE_FUZZ=ON -DMOBISCOPE_CUDA=OFF ;;
  *) echo "usage: build.sh release|asan [targets...]" >&2; exit 2 ;;
esac
ninja -C "$dir" -j "$jobs" "$@"
