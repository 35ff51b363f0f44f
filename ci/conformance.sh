#!/usr/bin/env bash
# Conformance: the official Electric client (from npm) against `shapesim serve`.
# usage: ci/conformance.sh PATH/TO/shapesim
# Installs the pinned npm packages into ci/conformance/node_modules (ignored by git).
set -euo pipefail
here="$(cd "$(dirname "$0")/conformance" && pwd)"
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
if [[ ! -d "$here/node_modules/@electric-sql/client" ]]; then
  (cd "$here" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
fi
cd "$here"
SHAPESIM_BIN="$bin" node --test --test-force-exit --test-reporter=spec *.test.mjs
