#!/usr/bin/env bash
# The main job: installs dependencies, builds shapesim (Release), and replays the scenario
# suite in simulation on the embedded store over a range of seeds, printing a summary table.
# usage: ci/main.sh [SEEDS]   (default 1..100)
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh release
build/release/tools/shapesim run scenarios/suite --seeds "${1:-1..100}"
