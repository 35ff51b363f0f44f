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

# The campaign machinery end to end (ci/fuzz-campaign.sh): fuzz_world with a planted bug must
# find it, file one reproducer per failing invariant, and the ordinary build's replay binary
# must reproduce it with the bug and pass without it.
if [[ -x build/ci/fuzz/fuzz_world_replay ]]; then
  tmp="$(mktemp -d)"
  set +e
  SHAPESIM_PLANT=drop-last-change-of-transaction FUZZ_STATE="$tmp/state" FUZZ_REGRESSIONS="$tmp/filed" FUZZ_WORKERS=2 \
    bash ci/fuzz-campaign.sh 0.5 fuzz_world > "$tmp/campaign.log" 2>&1
  rc=$?
  set -e
  tail -4 "$tmp/campaign.log"
  filed=("$tmp"/filed/fuzz_world/regressions/crash-*)
  [[ $rc == 1 && -e "${filed[0]}" ]] || { echo "fuzz-smoke: the campaign did not find and file the planted bug (exit $rc)" >&2; cat "$tmp/campaign.log" >&2; exit 1; }
  for f in "${filed[@]}"; do
    [[ "$f" == *.report ]] && continue
    if SHAPESIM_PLANT=drop-last-change-of-transaction FUZZ_WORLD_OUT="$tmp" build/ci/fuzz/fuzz_world_replay "$f" > /dev/null 2>&1; then
      echo "fuzz-smoke: the filed reproducer $f does not fail with the bug" >&2; exit 1
    fi
    build/ci/fuzz/fuzz_world_replay "$f" > /dev/null 2>&1 || { echo "fuzz-smoke: $f fails without the bug" >&2; exit 1; }
  done
  echo "fuzz-smoke: the campaign found, filed and replays the planted bug (${#filed[@]} files)"
  rm -rf "$tmp"
fi
