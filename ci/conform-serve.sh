#!/usr/bin/env bash
# `shapesim conform` against real `shapesim serve` processes on loopback: for every suite
# scenario, a fresh server with the scenario's tables and seed rows (--print-schema) and, under
# auth, its policy; the scenario then runs in real time through the reference client engine.
# Scenarios a live deployment cannot play are skipped and listed. Writes JUnit XML per run into
# $CONFORM_JUNIT_DIR when set.
# With --pg PORT, every scenario runs against `shapesim serve --pg` instead: a fresh database
# per scenario on a throwaway PostgreSQL (ci/pg-start.sh PORT), its tables and seed rows
# created in SQL, its own replication slot.
# usage: ci/conform-serve.sh PATH/TO/shapesim [--pg PORT] [SCENARIO...]
set -euo pipefail
bin="$1"
shift
pg_port=""
if [[ "${1:-}" == "--pg" ]]; then pg_port="$2"; shift 2; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/ci/serve-port.sh"
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
  list_args=()
  if [[ -n "$pg_port" ]]; then list_args=(--pg "postgresql://postgres@127.0.0.1:$pg_port/postgres"); fi
  verdict="$("$bin" conform --list "${list_args[@]}" "$scenario")"
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
  source_args=(--store "$dir/store.db" --schema "$dir/schema.json")
  if [[ -n "$pg_port" ]]; then
    db="conform_$(echo "$name" | tr -c 'a-z0-9_\n' '_' | cut -c1-40)"
    base="postgresql://postgres@127.0.0.1:$pg_port"
    # CREATE DATABASE copies template1 and fails while another session (a concurrent test
    # creating its own database) uses it: retry for up to 20 s, and say why if it never works.
    created=""
    for _ in $(seq 1 40); do
      if created="$(psql -q -v ON_ERROR_STOP=1 "$base/postgres" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>&1)"; then
        created=ok
        break
      fi
      sleep 0.5
    done
    [[ "$created" == ok ]] || { echo "conform-serve: cannot create database $db: $created" >&2; exit 1; }
    /usr/bin/python3 "$here/ci/schema-to-sql.py" "$dir/schema.json" | psql -q -v ON_ERROR_STOP=1 "$base/$db" > /dev/null
    source_args=(--store "$dir/store.db" --pg "$base/$db" --slot "$db" --publication "$db")
  fi
  "$bin" serve "${source_args[@]}" "${auth[@]}" --port 0 --long-poll-ms 300 > "$dir/serve.out" 2>&1 &
  server_pid=$!
  port="$(serve_port "$dir/serve.out" "$server_pid" || true)"
  [[ -n "$port" ]] || { echo "conform-serve: the server did not start for $name: $(cat "$dir/serve.out")" >&2; exit 1; }
  junit=()
  if [[ -n "${CONFORM_JUNIT_DIR:-}" ]]; then mkdir -p "$CONFORM_JUNIT_DIR"; junit=(--junit "$CONFORM_JUNIT_DIR/$name.xml"); fi
  pg_args=()
  if [[ -n "$pg_port" ]]; then pg_args=(--pg "$base/$db"); fi
  if "$bin" conform --target "http://127.0.0.1:$port" "${pg_args[@]}" "${junit[@]}" "$scenario"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  if [[ -n "$pg_port" ]]; then
    psql -q "$base/postgres" -c "SELECT pg_drop_replication_slot('$db') FROM pg_replication_slots WHERE slot_name = '$db'" \
      -c "DROP DATABASE IF EXISTS $db" > /dev/null 2>&1 || true
  fi
done
echo "conform-serve: $passed passed, $failed failed, $skipped skipped"
[[ "$failed" -eq 0 ]]
