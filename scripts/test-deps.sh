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
# The TLS-terminating proxy example (deploy/nginx) is tested end to end with Debian's nginx.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  [ "$(id -u)" -eq 0 ] || { echo "nginx is required for tests/deploy: apt-get install nginx-light" >&2; exit 1; }
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends nginx-light
fi
# The web chat page is tested in Debian's Chromium (puppeteer-core drives it;
# nothing downloads a browser of its own).
if ! command -v chromium >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "chromium is required for tests/clients/test_browser.py: apt-get install chromium" >&2; exit 1; }
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends chromium
fi
# The storage contract suites and the cluster tests run on the real engines.
scripts/services.sh start
