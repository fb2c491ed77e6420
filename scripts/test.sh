#!/usr/bin/env bash
# The whole test suite on a fresh machine: packages, a Release build with
# CUDA (compiled, GPU tests skip without a device) and every QtTest via
# ctest, then a clang ASan+UBSan build running the suite again plus a short
# libFuzzer run of every parser.
# Env: MOBISCOPE_DATA (default ../shared/data), FUZZ_SECONDS (default 20),
#      SKIP_ASAN=1 to run only the Release suite (quick local runs).
set -euo pipefail
cd "$(dirname "$0")/.."
export MOBISCOPE_DATA=${MOBISCOPE_DATA:-$(cd .. && pwd)/shared/data}
[ -d "$MOBISCOPE_DATA" ] || echo "test.sh: note: $MOBISCOPE_DATA not found; data tests will skip"
fuzz_seconds=${FUZZ_SECONDS:-20}
start=$(date +%s)

bash scripts/setup.sh

echo "== Release build"
bash scripts/build.sh release
echo "== Release tests"
(cd build && ctest --output-on-failure -j "$(nproc)")

if [ "${SKIP_ASAN:-0}" != 1 ]; then
  echo "== ASan+UBSan build"
  bash scripts/build.sh asan
  echo "== ASan+UBSan tests"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  (cd build-asan && ctest --output-on-failure -j "$(nproc)")
  echo "== fuzzing each parser for ${fuzz_seconds}s"
  bash scripts/fuzz.sh "$fuzz_seconds"
fi
echo "== all tests passed in $(( $(date +%s) - start ))s"
