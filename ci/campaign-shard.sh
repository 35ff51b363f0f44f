#!/usr/bin/env bash
# One shard of a simulation campaign, as a batch engine runs it (docs/campaigns.md): a
# Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX, 0-based), a CI matrix cell (SHARD_INDEX,
# 0-based) or a shell loop. Writes OUT_DIR/shard-<K>-of-<N>.jsonl (one record per run) and
# the shard's summary; `shapesim merge OUT_DIR/shard-*.jsonl` gives the campaign's summary.
#
# usage: ci/campaign-shard.sh SHAPESIM OUT_DIR [SCENARIO FILES/DIRS...]
#   env: SHARD_COUNT (required), SHARD_INDEX or JOB_COMPLETION_INDEX (0-based, required),
#        SEEDS (default 1..10000), JOBS (worker processes, default 0 = one per core),
#        SWARM (1: also run swarm seeds; default 1)
# Exit: 0 when the shard ran, whatever it found (failures are results, in the records: a
# batch engine must not retry them); 2 on a usage or infrastructure error.
set -uo pipefail
bin="${1:?usage: ci/campaign-shard.sh SHAPESIM OUT_DIR [SCENARIOS...]}"
out="${2:?usage: ci/campaign-shard.sh SHAPESIM OUT_DIR [SCENARIOS...]}"
shift 2
count="${SHARD_COUNT:?set SHARD_COUNT (the number of shards)}"
index="${SHARD_INDEX:-${JOB_COMPLETION_INDEX:-}}"
[[ -n "$index" ]] || { echo "campaign-shard: set SHARD_INDEX or JOB_COMPLETION_INDEX (0-based)" >&2; exit 2; }
[[ "$index" =~ ^[0-9]+$ && "$count" =~ ^[0-9]+$ && "$index" -lt "$count" ]] || {
  echo "campaign-shard: need 0 <= index ($index) < SHARD_COUNT ($count)" >&2; exit 2; }
k=$((index + 1))
mkdir -p "$out" || exit 2
args=("$@")
[[ "${SWARM:-1}" == 1 ]] && args+=(--swarm)
"$bin" run "${args[@]}" --seeds "${SEEDS:-1..10000}" --shard "$k/$count" --jobs "${JOBS:-0}" \
  --json "$out/shard-$k-of-$count.jsonl" > "$out/shard-$k-of-$count.txt"
rc=$?
case $rc in
  0|1|3|4) echo "campaign-shard: shard $k/$count done (exit $rc): $out/shard-$k-of-$count.jsonl"; exit 0 ;;
  *) echo "campaign-shard: shard $k/$count could not run (exit $rc)" >&2; exit 2 ;;
esac
