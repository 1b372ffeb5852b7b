#!/usr/bin/env bash
# Fails when the committed Python code in gen/python or gen/python-betterproto differs
# from what protos/ generates now (someone edited generated code or forgot `make gen`).
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
mkdir -p "$tmp/betterproto"
"$root/codegen/gen.sh" betterproto "$tmp/betterproto"
if ! diff -r -x __pycache__ "$root/gen/python-betterproto/parley_betterproto" "$tmp/betterproto/parley_betterproto" \
  >"$tmp.diff" 2>&1; then
  cat "$tmp.diff" | head -50
  echo "generated code in gen/python-betterproto is stale: run 'make gen' and commit" >&2
  exit 1
fi
rm -f "$tmp.diff"
echo "generated code is fresh"
