#!/usr/bin/env bash
# Fails when the committed Python code in gen/python differs from what
# protos/ generates now (someone edited generated code or forgot `make gen`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/codegen/gen.sh" python "$tmp"
if ! diff -r "$root/gen/python/parley" "$tmp/parley" >"$tmp.diff" 2>&1; then
  cat "$tmp.diff" | head -50
  echo "generated code in gen/python is stale: run 'make gen' and commit" >&2
  exit 1
fi
echo "generated code is fresh"
