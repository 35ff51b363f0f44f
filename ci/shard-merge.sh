#!/usr/bin/env bash
# Proves that sharded, parallel runs merged equal one serial run: the same summary (all but
# the wall-clock speed line) and the same records (outcome, failures, events, probe counts,
# trace hashes; all but wall time). Runs suite scenarios and swarm seeds, with a planted bug
# so the failure lists are compared too.
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
parts=()
for k in $(seq 1 "$shards"); do
  "$bin" run "${common[@]}" --shard "$k/$shards" --jobs 2 --json "$dir/shard-$k.jsonl" > /dev/null 2>&1
  parts+=("$dir/shard-$k.jsonl")
done
"$bin" merge "${parts[@]}" --json "$dir/merged.jsonl" > "$dir/merged.txt"
merge_rc=$?
set -e

[[ $serial_rc == "$merge_rc" ]] || { echo "shard-merge: exit codes differ: serial $serial_rc, merged $merge_rc" >&2; exit 1; }
if ! diff <(grep -v '^speed:' "$dir/serial.txt") <(grep -v '^speed:' "$dir/merged.txt"); then
  echo "shard-merge: the merged summary differs from the serial one" >&2
  exit 1
fi
/usr/bin/python3 - "$dir/serial.jsonl" "$dir/merged.jsonl" <<'PY'
import json, sys
def load(p):
    out = []
    for line in open(p):
        r = json.loads(line)
        r.pop("wall_us")
        out.append(r)
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    for x, y in zip(a, b):
        if x != y:
            print("shard-merge: first differing record:\n  serial:", json.dumps(x)[:400], "\n  merged:", json.dumps(y)[:400], file=sys.stderr)
            break
    else:
        print(f"shard-merge: {len(a)} serial records, {len(b)} merged", file=sys.stderr)
    sys.exit(1)
failed = sum(1 for r in a if not r["passed"])
print(f"shard-merge: {len(a)} runs serial == {len(b)} merged from shards (same outcomes, probe counts, trace hashes); {failed} failures found by both")
PY
