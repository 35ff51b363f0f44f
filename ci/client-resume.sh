#!/usr/bin/env bash
# `shapesim client` against a real `shapesim serve` on loopback: a write queued offline is sent
# by the next run, a client killed with -9 while long-polling resumes from its file without
# refetching, a refused write is rolled back with the server's reason; under `serve --auth`, a
# declared route read with a user token resumes from its file, and a route the user may not
# read is refused.
# usage: ci/client-resume.sh PATH/TO/shapesim
set -euo pipefail
bin="$1"
dir="$(mktemp -d)"
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/serve-port.sh"
server_pid=""
auth_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null
  [[ -n "$auth_pid" ]] && kill "$auth_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "client-resume: FAIL: $*" >&2; exit 1; }

"$bin" serve --store "$dir/server.db" --schema "$here/conformance/schema.json" --port 0 --long-poll-ms 5000 > "$dir/serve.out" 2>&1 &
server_pid=$!
port="$(serve_port "$dir/serve.out" "$server_pid" || true)"
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

# 5. Under auth (docs/examples/auth): bob reads acme's tasks through a declared route with his
#    user token; the next run resumes from the file; globex's route is refused (exit 1).
examples="$here/../docs/examples/auth"
"$bin" serve --store :memory: --schema "$examples/schema.json" --auth "$examples/policy.json" --port 0 --long-poll-ms 5000 \
  > "$dir/auth.out" 2>&1 &
auth_pid=$!
auth_port="$(serve_port "$dir/auth.out" "$auth_pid" || true)"
[[ -n "$auth_port" ]] || fail "the auth server did not start: $(cat "$dir/auth.out")"
auth_url="http://127.0.0.1:$auth_port"
bob="$(curl -s -X POST "$auth_url/api/auth/login" -d '{"user_id":"bob","secret":"dev-login-secret"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')"
[[ -n "$bob" ]] || fail "no user token for bob"
expected="$(curl -s "$auth_url/v1/shape/org/acme/tasks?offset=-1" -H "authorization: Bearer $bob" | grep -o '"operation":"insert"' | wc -l)"
[[ "$expected" -gt 0 ]] || fail "the route holds no rows"
route=("$bin" client --url "$auth_url" --table tasks --user-token "$bob" --timeout-s 20)
"${route[@]}" --route /v1/shape/org/acme/tasks --file "$dir/bob.db" > "$dir/6.out" || fail "route: $(cat "$dir/6.out")"
grep -q "through route /v1/shape/org/acme/tasks from scratch" "$dir/6.out" || fail "route start: $(cat "$dir/6.out")"
grep -q "^shapesim client: $expected rows, 0 queued" "$dir/6.out" || fail "route rows (expected $expected): $(cat "$dir/6.out")"
"${route[@]}" --route /v1/shape/org/acme/tasks --file "$dir/bob.db" > "$dir/7.out" || fail "route again: $(cat "$dir/7.out")"
grep -q "resumed tasks at offset" "$dir/7.out" || fail "the route did not resume from the file: $(cat "$dir/7.out")"
if "${route[@]}" --route /v1/shape/org/globex/tasks --file "$dir/globex.db" > "$dir/8.out" 2>&1; then fail "globex's route was read"; fi
grep -q "the server refused route /v1/shape/org/globex/tasks" "$dir/8.out" || fail "no refusal: $(cat "$dir/8.out")"
if "$bin" client --table tasks --file "$dir/x.db" --route /v1/shape/org/acme/tasks > "$dir/9.out" 2>&1; then fail "--route without a token"; fi
grep -q -- "--route needs --user-token" "$dir/9.out" || fail "usage error: $(cat "$dir/9.out")"
echo "client-resume: offline queue delivered, kill -9 resumed without refetch, refused write rolled back, route resumed and refused"
