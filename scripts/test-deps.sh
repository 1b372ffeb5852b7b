#!/usr/bin/env bash
# Everything the test suite needs beyond the Python venv: the engines for
# cluster mode (scripts/services.sh) and the Node and Maven toolchains'
# packages for the generated clients. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "node is required for the TypeScript client test" >&2; exit 1; }
command -v mvn >/dev/null || { echo "mvn is required for the Kotlin client test" >&2; exit 1; }
if [ -f clients/ts/package-lock.json ] && [ ! -d clients/ts/node_modules ]; then
  (cd clients/ts && npm ci --no-audit --no-fund)
fi
# The storage contract suites and the cluster tests run on the real engines.
scripts/services.sh start
