#!/usr/bin/env bash
# The campaign binary: `shapesim` and `bench_sim` built with link-time and profile-guided
# optimization, for long simulation campaigns (docs/campaigns.md, docs/performance.md).
# Two builds in build/campaign (the `campaign` preset: Release + LTO, no tests):
#   1. instrumented (-fprofile-generate);
#   2. a training campaign with it: the scenario suite and TRAIN_SEEDS swarm seeds;
#   3. optimized with the profile it wrote (-fprofile-use);
#   4. with REFERENCE (a plain Release shapesim) given, both binaries run the suite and
#      CHECK_SEEDS swarm seeds and must write the same records — outcomes, events, probe
#      counts, trace hashes: the optimization changes the speed, never a result.
# usage: ci/build-campaign.sh [REFERENCE_SHAPESIM]
#   env: TRAIN_SEEDS (default 1..60), CHECK_SEEDS (default 1..40)
# Result: build/campaign/tools/shapesim, build/campaign/bench/bench_sim.
set -euo pipefail
cd "$(dirname "$0")/.."
reference="${1:-}"
[[ -z "$reference" || -x "$reference" ]] || { echo "build-campaign: $reference is not an executable" >&2; exit 2; }
dir=build/campaign
profile="$PWD/$dir/pgo-profile"
rm -rf "$profile"

echo "build-campaign: 1/4 instrumented build ($dir)"
cmake --preset campaign -DSHAPESIM_PGO=generate "-DSHAPESIM_PGO_DIR=$profile" > /dev/null
cmake --build "$dir" -j "$(nproc)" --target shapesim bench_sim > "$dir/build-generate.log" \
  || { tail -30 "$dir/build-generate.log" >&2; exit 1; }

echo "build-campaign: 2/4 training: scenarios/suite and swarm seeds ${TRAIN_SEEDS:-1..60}"
set +e
# Serial (--jobs 1): worker processes end in _exit(), which would skip writing their profiles.
"$dir/tools/shapesim" run scenarios/suite --swarm --seeds "${TRAIN_SEEDS:-1..60}" --jobs 1 > "$dir/training.txt" 2>&1
training_rc=$?
set -e
# Any outcome trains (the profile is what ran); only a run that could not start is an error.
[[ $training_rc -le 4 && $training_rc -ne 2 ]] || { tail -20 "$dir/training.txt" >&2; exit 1; }
[[ -n "$(ls -A "$profile" 2> /dev/null)" ]] || { echo "build-campaign: the training wrote no profile under $profile" >&2; exit 1; }

echo "build-campaign: 3/4 optimized build with the profile"
cmake --preset campaign -DSHAPESIM_PGO=use "-DSHAPESIM_PGO_DIR=$profile" > /dev/null
cmake --build "$dir" -j "$(nproc)" --target shapesim bench_sim > "$dir/build-use.log" \
  || { tail -30 "$dir/build-use.log" >&2; exit 1; }

if [[ -z "$reference" ]]; then
  echo "build-campaign: done: $dir/tools/shapesim (no reference given: results not compared)"
  exit 0
fi
echo "build-campaign: 4/4 the same records as $reference (scenarios/suite, swarm seeds ${CHECK_SEEDS:-1..40})"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
set +e
start=$(date +%s%N)
"$reference" run scenarios/suite --swarm --seeds "${CHECK_SEEDS:-1..40}" --json "$tmp/reference.jsonl" > "$tmp/reference.txt" 2>&1
reference_rc=$?
middle=$(date +%s%N)
"$dir/tools/shapesim" run scenarios/suite --swarm --seeds "${CHECK_SEEDS:-1..40}" --json "$tmp/campaign.jsonl" > "$tmp/campaign.txt" 2>&1
campaign_rc=$?
end=$(date +%s%N)
set -e
[[ $reference_rc == "$campaign_rc" ]] || { echo "build-campaign: exit codes differ: reference $reference_rc, campaign $campaign_rc" >&2; exit 1; }
/usr/bin/python3 ci/same-records.py build-campaign "$tmp/reference.jsonl" "$tmp/campaign.jsonl" reference campaign
echo "build-campaign: serial wall time $(( (middle - start) / 1000000 )) ms reference, $(( (end - middle) / 1000000 )) ms campaign"
echo "build-campaign: done: $dir/tools/shapesim"
