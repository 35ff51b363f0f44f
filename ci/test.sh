#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds (warnings as errors), smoke-runs the
# fuzzers, builds the campaign binary (LTO + PGO) and checks it gives the Release build's
# results, then runs every CTest label (unit, sim, ...) with two jobs. CTest's summary is
# the last thing printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh ci
bash ci/fuzz-smoke.sh "${FUZZ_SECONDS:-20}"
bash ci/build-campaign.sh build/ci/tools/shapesim
ctest --test-dir build/ci -j2 --output-on-failure
