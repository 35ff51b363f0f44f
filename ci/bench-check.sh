#!/usr/bin/env bash
# Checks the benchmark tracking (ci/bench.sh, bench/bench_history.py):
#   1. `ci/bench.sh --quick` twice: a two-entry history, and a report with a plot per benchmark;
#   2. the regression verdict on made-up runs: a benchmark twice as slow over 10 repetitions is
#      flagged (exit 1, named), the same figures again are not (exit 0).
# usage: ci/bench-check.sh BUILD_DIR
set -euo pipefail
build="${1:?usage: ci/bench-check.sh BUILD_DIR}"
here="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for i in 1 2; do
  set +e
  BENCH_BUILD="$build" bash "$here/ci/bench.sh" --quick --history "$tmp/history.sqlite" --report "$tmp/report.html" > "$tmp/run$i.log" 2>&1
  rc=$?
  set -e
  # 0 or 1: with 3 repetitions the U test cannot reach p < 0.05, so 1 would be a bug too, but
  # the verdict itself is checked below on made-up runs.
  [[ $rc == 0 ]] || { echo "bench-check: ci/bench.sh --quick exited $rc" >&2; cat "$tmp/run$i.log" >&2; exit 1; }
done
/usr/bin/python3 - "$tmp/history.sqlite" "$tmp/report.html" <<'PY'
import re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
runs = db.execute("SELECT count(*) FROM runs").fetchone()[0]
names = db.execute("SELECT count(DISTINCT suite || name) FROM results").fetchone()[0]
suites = db.execute("SELECT count(DISTINCT suite) FROM suites").fetchone()[0]
html = open(sys.argv[2]).read()
plots = html.count("<img")
assert runs == 2, f"{runs} runs in the history"
assert suites >= 5, f"{suites} suites recorded"
assert plots == names, f"{plots} plots for {names} benchmarks"
assert "Against the baseline" in html
print(f"bench-check: a two-run history of {suites} suites, {names} benchmarks, a report with {plots} plots")
PY
# The verdict on made-up runs.
/usr/bin/python3 - "$tmp/fake" <<'PY'
import json, os, sys
base = sys.argv[1]
def run(name, times):
    os.makedirs(f"{base}/{name}", exist_ok=True)
    bench = [{"name": "fake/steady", "run_type": "iteration", "real_time": 100 + i % 3, "cpu_time": 100 + i % 3,
              "time_unit": "ns", "iterations": 1000} for i in range(10)]
    bench += [{"name": "fake/slower", "run_type": "iteration", "real_time": t, "cpu_time": t, "time_unit": "ns",
               "iterations": 1000} for t in times]
    json.dump({"context": {}, "benchmarks": bench}, open(f"{base}/{name}/bench_fake.json", "w"))
run("a", [100 + i % 4 for i in range(10)])
run("b", [200 + i % 4 for i in range(10)])
run("c", [200 + i % 4 for i in range(10)])
PY
h="$tmp/fake.sqlite"
for r in a b c; do /usr/bin/python3 "$here/bench/bench_history.py" record "$h" "$tmp/fake/$r" --commit "$r" --machine m > /dev/null 2>&1; done
set +e
/usr/bin/python3 "$here/bench/bench_history.py" compare "$h" --run 2 > "$tmp/verdict2.txt"; v2=$?
/usr/bin/python3 "$here/bench/bench_history.py" compare "$h" --run 3 > "$tmp/verdict3.txt"; v3=$?
set -e
[[ $v2 == 1 ]] && grep -q "REGRESSION bench_fake fake/slower" "$tmp/verdict2.txt" && ! grep -q "fake/steady" "$tmp/verdict2.txt" \
  || { echo "bench-check: a doubled benchmark was not flagged (exit $v2)" >&2; cat "$tmp/verdict2.txt" >&2; exit 1; }
[[ $v3 == 0 ]] || { echo "bench-check: unchanged figures were flagged (exit $v3)" >&2; cat "$tmp/verdict3.txt" >&2; exit 1; }
echo "bench-check: a benchmark twice as slow is flagged (U test), unchanged figures are not"
