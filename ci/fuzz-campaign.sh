#!/usr/bin/env bash
# A fuzzing campaign over the libFuzzer targets (docs/campaigns.md), for a nightly job:
#   1. fuzz each target in fork mode (-fork=N, crashes, OOMs and timeouts kept going),
#      from its working corpus and its seed corpus (testdata/fuzz/<target>/);
#   2. merge what was found into a minimized working corpus (-merge=1);
#   3. deduplicate the crashes by their sanitizer stack (error kind + top frames of our code);
#   4. minimize one reproducer per new stack (-minimize_crash=1);
#   5. file it under testdata/fuzz/<target>/regressions/ with its report (*.report), where
#      CTest replays it on every CI run (label `fuzz`) until it is fixed and kept as a guard.
#
# usage: ci/fuzz-campaign.sh [MINUTES] [TARGETS]
#   MINUTES  fuzzing time per target (default 10; fractions allowed: 0.5)
#   TARGETS  comma-separated target names (default: every fuzz_* target)
#   env: FUZZ_WORKERS (fork jobs, default nproc), FUZZ_STATE (working corpora and crashes,
#        default build/fuzz-campaign), FUZZ_REGRESSIONS (where to file reproducers, default
#        testdata/fuzz), SHAPESIM_PLANT (a planted bug for fuzz_world, to see the campaign work)
# Exit: 0 no new crash; 1 new crashes were filed (the summary names them); 2 setup error.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
wanted="${2:-all}"
workers="${FUZZ_WORKERS:-$(nproc)}"
state="${FUZZ_STATE:-build/fuzz-campaign}"
regressions_root="${FUZZ_REGRESSIONS:-testdata/fuzz}"
seconds=$(/usr/bin/python3 -c "import sys; print(max(1, int(float(sys.argv[1]) * 60)))" "$minutes") || {
  echo "fuzz-campaign: MINUTES must be a number, got '$minutes'" >&2; exit 2; }

cmake --preset fuzz > /dev/null
cmake --build build/fuzz --target fuzzers -j "$(nproc)" > /dev/null

targets=()
for bin in build/fuzz/fuzz/fuzz_*; do
  [[ -x "$bin" ]] || continue
  name="$(basename "$bin")"
  if [[ "$wanted" == all || ",$wanted," == *",$name,"* ]]; then targets+=("$name"); fi
done
((${#targets[@]} > 0)) || { echo "fuzz-campaign: no target matches '$wanted'" >&2; exit 2; }

# The signature of a crash: the sanitizer's error kind and the top three frames of our code
# (libFuzzer, libc and sanitizer frames skipped); for fuzz_world, whose failures all abort in
# one place, the invariant that failed. Reads a report on stdin.
signature() {
  /usr/bin/python3 -c '
import re, sys
kind, frames = "", []
for line in sys.stdin:
    w = re.match(r"fuzz_world: (\w+) \((.*)\)$", line.strip())
    if w:
        print("fuzz_world: " + w.group(1) + " (" + w.group(2) + ")")
        sys.exit(0)
    if not kind:
        m = re.search(r"ERROR: (\w+: [\w-]+(?: [\w-]+)?)", line) or re.search(r"(runtime error: [^:]*)", line)
        if m: kind = m.group(1)
    m = re.match(r"\s+#\d+ 0x[0-9a-f]+ in (.+?)(?: /| \(|$)", line)
    if m and len(frames) < 3:
        fn = m.group(1).split("(")[0].strip()
        if not re.match(r"(fuzzer::|__sanitizer|__asan|__ubsan|__interceptor|abort|raise|__libc|_start|LLVMFuzzerTestOneInput$|std::__)", fn) and "libc.so" not in line:
            frames.append(fn)
print(kind + " @ " + " < ".join(frames) if kind or frames else "unknown")
'
}

printf '%-20s %10s %10s %10s %8s %8s %8s\n' target seconds corpus_in corpus_out crashes unique new > /tmp/fuzz-campaign-summary.$$
filed=()
for name in "${targets[@]}"; do
  bin="build/fuzz/fuzz/$name"
  seeds="testdata/fuzz/$name"
  corpus="$state/corpus/$name"
  crashes="$state/crashes/$name"
  filed_dir="$regressions_root/$name/regressions"
  mkdir -p "$corpus" "$seeds" "$filed_dir"
  rm -rf "$crashes" && mkdir -p "$crashes"
  export FUZZ_WORLD_OUT="$crashes"  # fuzz_world writes each failure's scenario file there
  before=$(find "$corpus" -type f | wc -l)
  echo "fuzz-campaign: $name for ${seconds}s with $workers workers (corpus: $before inputs)"
  # 1. Fork mode; a crash does not stop the campaign.
  "$bin" -fork="$workers" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$seconds" -max_len=131072 -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$corpus" "$seeds" > "$state/$name.log" 2>&1 || true
  # 2. Merge into a minimized working corpus.
  rm -rf "$state/min/$name" && mkdir -p "$state/min/$name"
  "$bin" -merge=1 -max_len=131072 -timeout=30 "$state/min/$name" "$corpus" "$seeds" > "$state/$name.merge.log" 2>&1 || true
  if [[ -n "$(ls -A "$state/min/$name")" ]]; then rm -rf "$corpus" && mv "$state/min/$name" "$corpus"; fi
  after=$(find "$corpus" -type f | wc -l)
  # 3. Deduplicate crashes by stack; 4. minimize one per new stack; 5. file it.
  declare -A seen=()
  raw=0 unique=0 new=0
  for f in "$crashes"/crash-* "$crashes"/oom-* "$crashes"/timeout-*; do
    [[ -f "$f" ]] || continue
    raw=$((raw + 1))
    report="$("$bin" -runs=1 -timeout=30 -rss_limit_mb=2048 "$f" 2>&1 || true)"
    sig="$(signature <<< "$report")"
    [[ -n "${seen[$sig]:-}" ]] && continue
    seen[$sig]=1
    unique=$((unique + 1))
    id="crash-$(printf '%s' "$sig" | sha256sum | cut -c1-12)"
    if [[ -e "$filed_dir/$id" ]]; then
      echo "  known: $id ($sig)"
      continue
    fi
    min="$crashes/$id.min"
    "$bin" -minimize_crash=1 -runs=5000 -max_total_time=120 -timeout=30 -exact_artifact_path="$min" "$f" > /dev/null 2>&1 || true
    [[ -s "$min" ]] || cp "$f" "$min"
    cp "$min" "$filed_dir/$id"
    { echo "signature: $sig"; echo "target: $name"; echo "found: $(date -u +%FT%TZ) by ci/fuzz-campaign.sh";
      echo "replay: build/ci/fuzz/${name}_replay $filed_dir/$id   (or build/fuzz/fuzz/$name $filed_dir/$id)"
      echo; "$bin" -runs=1 "$min" 2>&1 | head -60 || true; } > "$filed_dir/$id.report"
    new=$((new + 1))
    filed+=("$filed_dir/$id ($sig)")
    echo "  NEW: $filed_dir/$id ($sig)"
  done
  unset seen
  printf '%-20s %10s %10s %10s %8s %8s %8s\n' "$name" "$seconds" "$before" "$after" "$raw" "$unique" "$new" >> /tmp/fuzz-campaign-summary.$$
done

echo
cat /tmp/fuzz-campaign-summary.$$
rm -f /tmp/fuzz-campaign-summary.$$
if ((${#filed[@]} > 0)); then
  echo
  echo "fuzz-campaign: ${#filed[@]} new crash reproducer(s) filed (CTest replays them, label fuzz):"
  printf '  %s\n' "${filed[@]}"
  exit 1
fi
echo "fuzz-campaign: no new crash"
