#!/usr/bin/env bash
# Proves that sharded, parallel runs merged equal one serial run: the same summary (all but
# the wall-clock speed line) and the same records (outcome, failures, events, probe counts,
# trace hashes; all but wall time). Runs suite scenarios and swarm seeds, with a planted bug
# so the failure lists are compared too. The shards run as the batch engines run them:
# ci/campaign-shard.sh with JOB_COMPLETION_INDEX (a Kubernetes Indexed Job pod), and the
# example manifests under ci/campaigns/ are checked to say what this script does.
# usage: ci/shard-merge.sh PATH/TO/shapesim [SEEDS] [SHARDS]
set -euo pipefail
bin="$1"
seeds="${2:-1..30}"
shards="${3:-3}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
scenarios=("$here/scenarios/suite/lossy_network_converges.json" "$here/scenarios/suite/membership_revoked_mid_sync.json")
common=("${scenarios[@]}" --swarm --seeds "$seeds" --plant drop-last-change-of-transaction)

set +e
"$bin" run "${common[@]}" --json "$dir/serial.jsonl" > "$dir/serial.txt" 2> /dev/null
serial_rc=$?
for ((i = 0; i < shards; i++)); do
  JOB_COMPLETION_INDEX=$i SHARD_COUNT=$shards SEEDS="$seeds" JOBS=2 SWARM=1 \
    bash "$here/ci/campaign-shard.sh" "$bin" "$dir/shards" "${scenarios[@]}" --plant drop-last-change-of-transaction > /dev/null \
    || { echo "shard-merge: shard $i did not run" >&2; exit 1; }
done
"$bin" merge "$dir"/shards/shard-*-of-"$shards".jsonl --json "$dir/merged.jsonl" > "$dir/merged.txt"
merge_rc=$?
set -e

[[ $serial_rc == "$merge_rc" ]] || { echo "shard-merge: exit codes differ: serial $serial_rc, merged $merge_rc" >&2; exit 1; }
if ! diff <(grep -v '^speed:' "$dir/serial.txt") <(grep -v '^speed:' "$dir/merged.txt"); then
  echo "shard-merge: the merged summary differs from the serial one" >&2
  exit 1
fi
/usr/bin/python3 "$here/ci/same-records.py" shard-merge "$dir/serial.jsonl" "$dir/merged.jsonl" serial "merged from shards"

# The example batch-engine files run this same shard script with matching shard counts.
/usr/bin/python3 - "$here/ci/campaigns" <<'PY'
import sys, yaml
d = sys.argv[1]
job = yaml.safe_load(open(f"{d}/k8s-indexed-job.yaml"))
spec = job["spec"]
assert spec["completionMode"] == "Indexed", "the campaign Job must be Indexed"
c = spec["template"]["spec"]["containers"][0]
env = {e["name"]: e["value"] for e in c["env"]}
assert c["command"][:2] == ["bash", "ci/campaign-shard.sh"], c["command"]
assert int(env["SHARD_COUNT"]) == spec["completions"], "SHARD_COUNT must equal completions"
merge = yaml.safe_load(open(f"{d}/k8s-merge-job.yaml"))
cmd = " ".join(merge["spec"]["template"]["spec"]["containers"][0]["command"])
assert f"shard-*-of-{spec['completions']}.jsonl" in cmd, cmd
wf = yaml.safe_load(open(f"{d}/github-actions-matrix.yml"))
shard = wf["jobs"]["shard"]
cells = shard["strategy"]["matrix"]["shard"]
run = [s for s in shard["steps"] if "campaign-shard.sh" in s.get("run", "")][0]
assert cells == list(range(int(run["env"]["SHARD_COUNT"]))), "matrix cells must be 0..SHARD_COUNT-1"
merge_run = [s["run"] for s in wf["jobs"]["merge"]["steps"] if "merge" in s.get("run", "")][0]
assert f"shard-*-of-{run['env']['SHARD_COUNT']}.jsonl" in merge_run, merge_run
print("shard-merge: the Indexed Job and CI matrix examples run ci/campaign-shard.sh with matching shard counts")
PY
