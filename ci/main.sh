#!/usr/bin/env bash
# The main job: installs dependencies, builds shapesim (Release), and replays the scenario
# suite and one swarm-generated scenario per seed in simulation on the embedded store, printing
# a summary table (outcomes, speed, coverage probes never reached).
# usage: ci/main.sh [SEEDS]   (default 1..100)
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh release
build/release/tools/shapesim run scenarios/suite --swarm --seeds "${1:-1..100}"
