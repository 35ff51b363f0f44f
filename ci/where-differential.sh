#!/usr/bin/env bash
# A long run of the WHERE differential suite against a throwaway PostgreSQL.
# usage: ci/where-differential.sh [CASES] [SEED]     (defaults: 200000 cases, a random seed)
# Prints each counterexample (shrunk by RapidCheck) with the command that reproduces it.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-200000}"
seed="${2:-$RANDOM$RANDOM}"
bash ci/build.sh ci >/dev/null
url="$(bash ci/pg-start.sh 54330)"
trap 'bash ci/pg-stop.sh 54330' EXIT
echo "where-differential: $cases cases, seed $seed"
SHAPESIM_PG_URL="$url" RC_PARAMS="max_success=$cases seed=$seed" build/ci/reference/sql/where_pg_differential_test
