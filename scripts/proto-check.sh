#!/usr/bin/env bash
# buf lint (STANDARD) and buf breaking (WIRE_JSON) against main.
set -euo pipefail
cd "$(dirname "$0")/.."
buf lint
if git rev-parse --verify --quiet main >/dev/null; then
  buf breaking --against '.git#branch=main'
  echo "buf: lint and breaking (against main) passed"
else
  echo "buf: lint passed; no main branch yet, breaking check skipped"
fi
