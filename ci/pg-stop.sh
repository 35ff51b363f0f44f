#!/usr/bin/env bash
# Stops and deletes the throwaway PostgreSQL started by ci/pg-start.sh.
set -euo pipefail
port="${1:-54329}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
dir="/dev/shm/shapesim-pg-$port"
run=()
if [[ $(id -u) -eq 0 ]]; then run=(runuser -u postgres --); fi
if [[ -d "$dir" ]]; then
  "${run[@]}" "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir" "$dir.initdb.log"
fi
