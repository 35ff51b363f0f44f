#!/usr/bin/env bash
# The official clients through `shapesim serve --auth` (ci/conformance/auth_clients.mjs).
# usage: ci/auth-clients.sh PATH/TO/shapesim
set -euo pipefail
here="$(cd "$(dirname "$0")/conformance" && pwd)"
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
if [[ ! -d "$here/node_modules/@electric-sql/client" ]]; then
  (cd "$here" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
fi
cd "$here"
SHAPESIM_BIN="$bin" node --test --test-force-exit --test-reporter=spec auth_clients.mjs
