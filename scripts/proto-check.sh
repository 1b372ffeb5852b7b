#!/usr/bin/env bash
# buf lint (STANDARD) and buf breaking (FILE) against the committed image of the
# last released contract, protos/baseline/parley-v1.binpb (`make proto-baseline`
# writes it at release time). FILE guards what generated code depends on (names,
# files, packages, language options), not only the wire and JSON forms; a
# baseline in the tree makes the check fail on the commit that breaks, in CI too.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=protos/baseline/parley-v1.binpb
buf lint
if [ ! -f "$baseline" ]; then
  echo "buf: no baseline at $baseline; run 'make proto-baseline' and commit it" >&2
  exit 1
fi
buf breaking --against "$baseline"
echo "buf: lint and breaking (FILE, against $baseline) passed"
