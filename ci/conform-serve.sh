#!/usr/bin/env bash
# `shapesim conform` against real `shapesim serve` processes on loopback: for every suite
# scenario, a fresh server with the scenario's tables and seed rows (--print-schema) and, under
# auth, its policy; the scenario then runs in real time through the reference client engine.
# Scenarios a live deployment cannot play are skipped and listed. Writes JUnit XML per run into
# $CONFORM_JUNIT_DIR when set.
# usage: ci/conform-serve.sh PATH/TO/shapesim [SCENARIO...]
set -euo pipefail
bin="$1"
shift
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
scenarios=("$@")
if ((${#scenarios[@]} == 0)); then scenarios=("$here"/scenarios/suite/*.json); fi
failed=0
passed=0
skipped=0
for scenario in "${scenarios[@]}"; do
  name="$(basename "$scenario" .json)"
  verdict="$("$bin" conform --list "$scenario")"
  if [[ "$verdict" == SKIP* ]]; then
    echo "$verdict"
    skipped=$((skipped + 1))
    continue
  fi
  "$bin" conform --print-schema "$scenario" > "$dir/schema.json"
  auth=()
  policy="$(/usr/bin/python3 - "$scenario" "$dir/policy.json" <<'PY'
import json, os, sys
s = json.load(open(sys.argv[1]))
p = s.get("auth", {}).get("policy")
if p is None:
    sys.exit(0)
if isinstance(p, str):
    p = json.load(open(os.path.join(os.path.dirname(sys.argv[1]), p)))
for k in ("user_token_seconds", "shape_token_seconds"):
    if k in s["auth"]:
        p[k] = s["auth"][k]
json.dump(p, open(sys.argv[2], "w"))
print(sys.argv[2])
PY
)"
  if [[ -n "$policy" ]]; then auth=(--auth "$policy"); fi
  rm -f "$dir/store.db"*
  "$bin" serve --store "$dir/store.db" --schema "$dir/schema.json" "${auth[@]}" --port 0 --long-poll-ms 300 > "$dir/serve.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$dir/serve.out" && break; sleep 0.05; done
  port="$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$dir/serve.out")"
  [[ -n "$port" ]] || { echo "conform-serve: the server did not start for $name: $(cat "$dir/serve.out")" >&2; exit 1; }
  junit=()
  if [[ -n "${CONFORM_JUNIT_DIR:-}" ]]; then mkdir -p "$CONFORM_JUNIT_DIR"; junit=(--junit "$CONFORM_JUNIT_DIR/$name.xml"); fi
  if "$bin" conform --target "http://127.0.0.1:$port" "${junit[@]}" "$scenario"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
echo "conform-serve: $passed passed, $failed failed, $skipped skipped"
[[ "$failed" -eq 0 ]]
