#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 and runs each briefly from its seed corpus.
# usage: ci/fuzz-smoke.sh [SECONDS_PER_TARGET]   (default 20)
# New inputs go to a scratch directory; testdata/ is never modified.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
cmake --preset fuzz >/dev/null
cmake --build build/fuzz --target fuzzers -j "$(nproc)"
for target in build/fuzz/fuzz/fuzz_*; do
  [[ -x "$target" ]] || continue
  name="$(basename "$target")"
  scratch="$(mktemp -d)"
  echo "fuzz-smoke: $name for ${seconds}s"
  # -max_len: room for the hostile seeds (deep JSON, 15 kB chains) and what grows from them.
  "$target" -max_total_time="$seconds" -max_len=131072 -seed=1 -print_final_stats=1 "$scratch" "testdata/fuzz/$name" 2>&1 | tail -5
  rm -rf "$scratch"
done
