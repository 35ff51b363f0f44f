#!/usr/bin/env bash
# Configures and builds one CMake preset (release, ci, debug, asan, fuzz).
# usage: ci/build.sh [PRESET]   (default: ci = Release with warnings as errors)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-ci}"
cmake --preset "$preset" >/dev/null
cmake --build "build/$preset" -j "$(nproc)"
