#!/usr/bin/env bash
# Conformance: the official Electric client (from npm) against `shapesim serve`.
# usage: ci/conformance.sh PATH/TO/shapesim [TEST FILES...]   (default: every *.test.mjs)
# Installs the pinned npm packages into ci/conformance/node_modules (ignored by git).
set -euo pipefail
here="$(cd "$(dirname "$0")/conformance" && pwd)"
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
if [[ ! -d "$here/node_modules/@electric-sql/client" ]]; then
  (cd "$here" && npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
fi
cd "$here"
if (($# == 0)); then set -- *.test.mjs; fi
SHAPESIM_BIN="$bin" node --test --test-force-exit --test-reporter=spec "$@"
