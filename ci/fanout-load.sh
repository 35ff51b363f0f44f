#!/usr/bin/env bash
# Fan-out load test: N long-polling clients of one shape, K writes, every change delivered to
# every client exactly once; prints delivery p50/p99 and server RSS (ci/fanout-load.mjs).
# usage: ci/fanout-load.sh PATH/TO/shapesim [--clients N] [--writes K] [--interval-ms MS] [--p99-goal-ms MS]
# Raises this shell's descriptor limit to the hard limit first (each client holds one socket).
set -euo pipefail
bin="$1"
shift
ulimit -n "$(ulimit -Hn)"
exec node "$(dirname "$0")/fanout-load.mjs" --bin "$bin" "$@"
