#!/usr/bin/env bash
# Fan-out load test: N long-polling clients of one shape, K writes, every change delivered to
# every client exactly once; prints delivery p50/p99 and server RSS (bench/bench_fanout.cpp).
# usage: ci/fanout-load.sh PATH/TO/bench_fanout PATH/TO/shapesim [--clients N] [--writes K]
#        [--interval-ms MS] [--p99-goal-ms MS] [--json FILE]
# Raises this shell's descriptor limit to the hard limit first (each client holds one socket).
set -euo pipefail
bench="$1"
bin="$2"
shift 2
ulimit -n "$(ulimit -Hn)"
exec "$bench" --bin "$bin" "$@"
