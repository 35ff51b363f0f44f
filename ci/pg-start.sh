#!/usr/bin/env bash
# Starts a throwaway PostgreSQL 15 on 127.0.0.1 for tests and prints its connection URL.
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
# usage: ci/pg-start.sh [PORT]   (default 54329)   stop: ci/pg-stop.sh [PORT]
# Data lives under /dev/shm (fsync off, wal_level=logical, synchronous_commit stays on).
set -euo pipefail
port="${1:-54329}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "pg-start: PostgreSQL server binaries not found (ci/install-deps.sh installs postgresql)" >&2
  exit 1
fi
dir="/dev/shm/shapesim-pg-$port"
run=()
if [[ $(id -u) -eq 0 ]]; then run=(runuser -u postgres --); fi
if [[ -f "$dir/postmaster.pid" ]] && "${run[@]}" "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  echo "postgresql://postgres@127.0.0.1:$port/postgres"
  exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$dir"; fi
"${run[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C >"$dir.initdb.log" 2>&1 || {
  cat "$dir.initdb.log" >&2
  exit 1
}
"${run[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
  -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c wal_level=logical -c fsync=off -c full_page_writes=off -c max_connections=50 -c TimeZone=UTC" \
  start >/dev/null
echo "postgresql://postgres@127.0.0.1:$port/postgres"
