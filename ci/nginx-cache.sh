#!/usr/bin/env bash
# shapesim serve behind a real nginx cache (docs/examples/nginx-shapes.conf) on loopback:
# N clients of one shape produce about one upstream request per live cycle (proxy_cache_lock),
# etags/304 work through the cache, errors are never cached. Assertions in ci/nginx-cache.mjs.
# usage: ci/nginx-cache.sh PATH/TO/shapesim [CLIENTS]   (needs nginx: ci/install-deps.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/serve-port.sh"
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
clients="${2:-20}"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[[ -x "$nginx_bin" ]] || { echo "nginx-cache: nginx not found (ci/install-deps.sh installs nginx-light)" >&2; exit 1; }
dir="$(mktemp -d /tmp/shapesim-nginx.XXXXXX)"
chmod 755 "$dir"
cleanup() {
  [[ -n "${nginx_pid:-}" ]] && kill "$nginx_pid" 2>/dev/null || true
  [[ -n "${server_pid:-}" ]] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

"$bin" serve --store :memory: --schema "$here/conformance/schema.json" --port 0 --long-poll-ms 4000 >"$dir/serve.log" 2>&1 &
server_pid=$!
upstream_port="$(serve_port "$dir/serve.log" "$server_pid" || true)"
[[ -n "$upstream_port" ]] || { cat "$dir/serve.log" >&2; exit 1; }
port=$((20000 + RANDOM % 20000))
mkdir -p "$dir/cache"
if [[ $(id -u) -eq 0 ]]; then chown -R nobody "$dir/cache" 2>/dev/null || true; chmod 777 "$dir" "$dir/cache"; fi
sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@UPSTREAM_PORT@|$upstream_port|g" \
  "$here/../docs/examples/nginx-shapes.conf" >"$dir/nginx.conf"
"$nginx_bin" -c "$dir/nginx.conf" -p "$dir" &
nginx_pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/v1/health" && break
  sleep 0.05
done
node "$here/nginx-cache.mjs" --proxy "http://127.0.0.1:$port" --upstream "http://127.0.0.1:$upstream_port" \
  --access-log "$dir/access.log" --clients "$clients"
