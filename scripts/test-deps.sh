#!/usr/bin/env bash
# Everything the test suite needs beyond the Python venv: the engines for
# cluster mode (scripts/services.sh), nginx for the proxy example, Chromium for
# the web chat page, and the Node and Maven toolchains' packages for the
# generated clients. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "node is required for the TypeScript client test" >&2; exit 1; }
command -v mvn >/dev/null || { echo "mvn is required for the Kotlin client test" >&2; exit 1; }
if [ -f clients/ts/package-lock.json ] && [ ! -d clients/ts/node_modules ]; then
  (cd clients/ts && npm ci --no-audit --no-fund)
fi
# Debian packages, installed in one apt run: nginx for the TLS-terminating
# proxy example (deploy/nginx), Chromium for the web chat page and the console
# (puppeteer-core drives it; nothing downloads a browser of its own), tmux for
# the terminal chats (tests/sdk/test_chat_tui.py, tests/clients/test_kotlin.py).
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v chromium >/dev/null || missing+=(chromium)
command -v tmux >/dev/null || missing+=(tmux)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "the tests need: apt-get install ${missing[*]}" >&2; exit 1; }
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "${missing[@]}"
fi
# The storage contract suites and the cluster tests run on the real engines.
scripts/services.sh start
