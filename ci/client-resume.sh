#!/usr/bin/env bash
# `shapesim client` against a real `shapesim serve` on loopback: a write queued offline is sent
# by the next run, a client killed with -9 while long-polling resumes from its file without
# refetching, a refused write is rolled back with the server's reason.
# usage: ci/client-resume.sh PATH/TO/shapesim
set -euo pipefail
bin="$1"
dir="$(mktemp -d)"
here="$(cd "$(dirname "$0")" && pwd)"
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "client-resume: FAIL: $*" >&2; exit 1; }

"$bin" serve --store "$dir/server.db" --schema "$here/conformance/schema.json" --port 0 --long-poll-ms 5000 > "$dir/serve.out" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$dir/serve.out" && break; sleep 0.05; done
port="$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$dir/serve.out")"
[[ -n "$port" ]] || fail "the server did not start: $(cat "$dir/serve.out")"
client=("$bin" client --url "http://127.0.0.1:$port" --table items --file "$dir/local.db" --timeout-s 20)

# 1. Offline: the write is kept in the local file only.
"${client[@]}" --insert '{"id":1,"title":"written offline"}' --offline > "$dir/1.out"
grep -q "offline: 1 queued writes" "$dir/1.out" || fail "offline queue: $(cat "$dir/1.out")"
# 2. Online again: the queued write is sent and confirmed by the stream.
"${client[@]}" > "$dir/2.out" || fail "second run: $(cat "$dir/2.out")"
grep -q "1 rows, 0 queued" "$dir/2.out" || fail "the queued write did not arrive: $(cat "$dir/2.out")"
curl -s "http://127.0.0.1:$port/v1/shape?table=items&offset=-1" | grep -q "written offline" || fail "the server lacks the write"
# 3. Killed with -9 while following: the next run resumes at its offset (no refetch).
"${client[@]}" --follow > "$dir/3.out" 2>&1 &
follower=$!
sleep 1.5
kill -9 "$follower"
wait "$follower" 2>/dev/null || true
"${client[@]}" --insert '{"id":2,"title":"after the crash"}' > "$dir/4.out" || fail "after kill -9: $(cat "$dir/4.out")"
grep -q "resumed items at offset" "$dir/4.out" || fail "did not resume from the file: $(cat "$dir/4.out")"
grep -q "2 rows, 0 queued, 1 confirmed" "$dir/4.out" || fail "write after resume: $(cat "$dir/4.out")"
# 4. A write the server refuses is rolled back, with its reason, and exits 1.
if "${client[@]}" --insert '{"id":2,"title":"duplicate"}' > "$dir/5.out" 2>&1; then fail "a duplicate key was accepted"; fi
grep -q "rolled back: HTTP 400" "$dir/5.out" || fail "no rollback reason: $(cat "$dir/5.out")"
echo "client-resume: offline queue delivered, kill -9 resumed without refetch, refused write rolled back"
