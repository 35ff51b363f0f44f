#!/usr/bin/env bash
# Checks every suite scenario and 30 swarm-generated ones (auth draws included) against
# scenarios/scenario.schema.json, so the schema documents exactly what the parser reads.
# usage: ci/scenario-schema.sh PATH/TO/shapesim
set -euo pipefail
bin="$1"
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
for seed in $(seq 1 30); do
  "$bin" replay --swarm --seed "$seed" --write-scenario "$dir/swarm-$seed.json" > /dev/null 2>&1 || true
  [[ -s "$dir/swarm-$seed.json" ]] || { echo "scenario-schema: no swarm scenario for seed $seed" >&2; exit 1; }
done
/usr/bin/python3 "$here/ci/check-scenario-schema.py" "$here/scenarios/scenario.schema.json" "$here/scenarios/suite" "$dir"
