#!/usr/bin/env bash
# Runs the live-query workload of ../shared/docs/peers.md on shapesim (bench_live_query) and on
# @tanstack/db 0.15.2 (installed from npm into bench/live_query_peer/node_modules, ignored by
# git) in the same run, and prints both engines' figures, the ratios and whether the
# fingerprints agree (exit 1 if not).
#
#   bash bench/live_query_vs_tanstack.sh [--rows=N] [--users=U] [--seed=S] [--warmup=W] [--updates=K] [--queries=q1,..]
#
# SHAPESIM_BENCH_LIVE_QUERY names the binary (default: build/release/bench/bench_live_query,
# built with the release preset if missing). LIVE_QUERY_OUT=DIR keeps both engines' JSON there
# (shapesim.json, tanstack.json; ci/bench.sh records their ratios).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
peer="$root/bench/live_query_peer"
bin="${SHAPESIM_BENCH_LIVE_QUERY:-$root/build/release/bench/bench_live_query}"
if [[ "${1:-}" == "--help" ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
if [[ ! -x "$bin" ]]; then
  echo "live_query_vs_tanstack: building bench_live_query (release preset)" >&2
  (cd "$root" && cmake --preset release >/dev/null && cmake --build build/release --target bench_live_query >/dev/null)
fi
if [[ ! -d "$peer/node_modules/@tanstack/db" ]]; then
  echo "live_query_vs_tanstack: installing @tanstack/db from npm" >&2
  (cd "$peer" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
fi
if [[ -n "${LIVE_QUERY_OUT:-}" ]]; then
  out="$LIVE_QUERY_OUT"
  mkdir -p "$out"
else
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
echo "live_query_vs_tanstack: shapesim ..." >&2
"$bin" --json "$@" > "$out/shapesim.json"
echo "live_query_vs_tanstack: @tanstack/db (the q3 first result takes seconds at 100k rows) ..." >&2
(cd "$peer" && node --expose-gc tanstack_workload.mjs "$@") > "$out/tanstack.json"
node "$peer/compare.mjs" "$out/shapesim.json" "$out/tanstack.json"
