#!/usr/bin/env bash
# Benchmark regression tracking (docs/campaigns.md): runs every Google Benchmark suite
# (bench_*) with repetitions and JSON output, the live-query comparison with @tanstack/db (as
# ratios, which stay stable on a noisy machine), records the run in a SQLite history keyed by
# commit, machine and date, compares it with a baseline using Google Benchmark's compare.py
# machinery (change and Mann-Whitney U test, Debian libbenchmark-tools), and writes an HTML
# report with a plot per benchmark over the history.
#
# usage: ci/bench.sh [--quick] [--baseline previous|COMMIT] [--history FILE] [--report FILE]
#                    [--filter REGEX] [--no-peer] [--threshold 0.10] [--alpha 0.05]
#   --quick      3 repetitions of at least 10 ms each, no peer comparison (CI); default: 10
#                repetitions of at least 0.5 s, and the peer comparison when node is present
#   --baseline   the run to compare with: the previous run on this machine (default), or the
#                latest run of a commit (prefix)
#   --history    the SQLite history (default: $BENCH_HISTORY or build/bench/history.sqlite;
#                keep it somewhere that survives the build tree for nightly use)
#   --report     the HTML report (default: build/bench/report.html)
#   env: BENCH_BUILD (the build tree with the bench_* binaries, default build/ci, built if missing)
# Exit: 0 no regression; 1 a regression beyond noise (slower by more than the threshold and
# the U test significant at alpha; or a peer ratio down by more than 20%); 2 setup error.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0 baseline=previous peer=1 filter="" threshold=0.10 alpha=0.05
history="${BENCH_HISTORY:-build/bench/history.sqlite}"
report="build/bench/report.html"
while (($#)); do
  case "$1" in
    --quick) quick=1; peer=0 ;;
    --baseline) baseline="${2:?--baseline needs previous or a commit}"; shift ;;
    --history) history="${2:?--history needs a file}"; shift ;;
    --report) report="${2:?--report needs a file}"; shift ;;
    --filter) filter="${2:?--filter needs a regex}"; shift ;;
    --no-peer) peer=0 ;;
    --peer) peer=1 ;;
    --threshold) threshold="${2:?}"; shift ;;
    --alpha) alpha="${2:?}"; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
build="${BENCH_BUILD:-build/ci}"
suites=(bench_sim bench_where_routing bench_shape_server bench_auth bench_client)
if [[ -n "${SHAPESIM_PG_URL:-}" ]]; then suites+=(bench_pg); fi
for s in "${suites[@]}"; do
  if [[ ! -x "$build/bench/$s" ]]; then
    preset="$(basename "$build")"
    echo "bench: building the benchmarks ($preset preset)" >&2
    cmake --preset "$preset" > /dev/null && cmake --build "$build" -j "$(nproc)" > /dev/null
    break
  fi
done
run_dir="$(mktemp -d)"
trap 'rm -rf "$run_dir"' EXIT
if ((quick)); then reps=3 min_time=0.01; else reps=10 min_time=0.5; fi
for s in "${suites[@]}"; do
  echo "bench: $s ($reps repetitions)" >&2
  args=(--benchmark_repetitions="$reps" --benchmark_min_time="$min_time" --benchmark_out="$run_dir/$s.json"
        --benchmark_out_format=json --benchmark_format=console)
  [[ -n "$filter" ]] && args+=(--benchmark_filter="$filter")
  "$build/bench/$s" "${args[@]}" > "$run_dir/$s.txt" 2>&1 || { echo "bench: $s failed" >&2; tail -20 "$run_dir/$s.txt" >&2; exit 2; }
done
if ((peer)) && command -v node > /dev/null; then
  echo "bench: live queries against @tanstack/db" >&2
  if SHAPESIM_BENCH_LIVE_QUERY="$build/bench/bench_live_query" LIVE_QUERY_OUT="$run_dir/peer" \
      bash bench/live_query_vs_tanstack.sh > "$run_dir/peer.txt" 2>&1; then
    /usr/bin/python3 - "$run_dir/peer" "$run_dir/ratios.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1] + "/shapesim.json"))
peer = json.load(open(sys.argv[1] + "/tanstack.json"))
ratios = {}
for q in ours["queries"]:
    p = next((x for x in peer["queries"] if x["query"] == q["query"]), None)
    if not p:
        continue
    for field in ("p50_us", "p99_us", "first_result_ms"):
        if q[field] > 0:
            ratios[f"live_query/{q['query']}/{field} (tanstack / shapesim)"] = p[field] / q[field]
    if q["memory_mib"] > 0:
        ratios[f"live_query/{q['query']}/memory (tanstack / shapesim)"] = p["memory_mib"] / q["memory_mib"]
json.dump(ratios, open(sys.argv[2], "w"), indent=1)
PY
  else
    echo "bench: the peer comparison did not run (see below); recorded without ratios" >&2
    tail -5 "$run_dir/peer.txt" >&2
  fi
fi
mkdir -p "$(dirname "$history")" "$(dirname "$report")"
commit="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
git diff --quiet 2>/dev/null || commit="$commit-dirty"
machine="$(hostname)-$(nproc)cpu-$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1 | tr -s ' ' | tr ' ' '_')"
run_id="$(/usr/bin/python3 bench/bench_history.py record "$history" "$run_dir" --commit "$commit" --machine "$machine" \
          --mode "$([[ $quick == 1 ]] && echo quick || echo full)")"
set +e
/usr/bin/python3 bench/bench_history.py compare "$history" --run "$run_id" --baseline "$baseline" \
  --threshold "$threshold" --alpha "$alpha" --json "$run_dir/compare.json"
verdict=$?
set -e
/usr/bin/python3 bench/bench_history.py report "$history" --run "$run_id" --out "$report" --compare "$run_dir/compare.json"
exit $verdict
