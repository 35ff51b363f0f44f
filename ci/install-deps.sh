#!/usr/bin/env bash
# Installs every Debian package shapesim needs to build, test, fuzz and benchmark.
# Non-interactive and idempotent: packages already present are skipped, and
# `apt-get update` runs at most once per invocation (only if something is missing).
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config git ca-certificates
  clang-14 libclang-rt-14-dev           # fuzzers (libFuzzer) and sanitizers
  libgtest-dev libgmock-dev             # unit tests
  librapidcheck-dev                     # property tests
  libbenchmark-dev                      # benchmarks
  nlohmann-json3-dev                    # JSON
  libsimdjson-dev                       # fast JSON validation for response bodies (reference/wire)
  libcli11-dev                          # command-line parsing (tools/)
  libmimalloc-dev                       # the allocator of the simulator, server and tests (SHAPESIM_MIMALLOC)
  libbenchmark-tools python3-scipy      # compare.py's Mann-Whitney U test (ci/bench.sh)
  python3-matplotlib                    # benchmark history plots (ci/bench.sh)
  libsqlite3-dev                        # embedded source of truth
  libboost-dev                          # Asio/Beast (real network driver only)
  libpq-dev libpqxx-dev                 # PostgreSQL source (real driver only)
  libssl-dev                            # HMAC-SHA256 for tokens
  python3-jwt                           # the oracle for token encoding and verification (auth tests)
  python3-jsonschema                    # validates scenario files against scenarios/scenario.schema.json
  python3-yaml                          # checks the campaign manifests (ci/shard-merge.sh)
  postgresql                            # the oracle for WHERE differential tests (and issue #5)
  nginx-light curl                      # the CDN-style cache in front of serve (ci/nginx-cache.sh)
)

# Node.js and npm run the conformance suite (the official Electric clients come from npm).
# The machines ship Node 20; install Debian's only where it is missing.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
