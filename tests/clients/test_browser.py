"""The web chat page (clients/ts/web) in a real headless Chromium against a
real `parley serve`.

The page is served by a static file server of this test, on an origin other
than Parley's web listener, as a web app is (from its own host or a CDN): so
every call it makes is cross-origin and goes through the CORS setting, which
names exactly that origin. `parley serve` serves no files.

`npm run test:browser` builds the page (buf generate, tsc, esbuild into
clients/ts/web/dist) and runs clients/ts/web/test/chat.test.ts, which drives
Debian's Chromium with puppeteer-core: two users in two pages, messages both
ways, typing, read receipts, a reload that catches up by pull, a push after
it. On failure it saves screenshots, the pages' HTML and console logs in the
artifacts folder that the failure message names.
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.clients.test_ts import STEP_TIMEOUT_S, TAIL_LINES, TS_DIR, _env, _install, _npm, _run
from tests.harness import ServerProcess
from tests.web.client import web_url

WEB_DIST = TS_DIR / "web" / "dist"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def page_origin() -> Iterator[str]:
    """A static server for clients/ts/web/dist (built by the test), on a free port."""
    WEB_DIST.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_QuietHandler, directory=str(WEB_DIST))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not on PATH: scripts/test-deps.sh installs Debian's chromium")
    return path


@pytest.mark.timeout(2 * STEP_TIMEOUT_S + 60)
async def test_web_chat_in_chromium(page_origin: str, tmp_path: Path) -> None:
    chromium = _chromium()
    npm = _npm()
    web_env = {
        "PARLEY_WEB__ENABLED": "true",
        "PARLEY_WEB__LISTEN": "127.0.0.1:0",
        "PARLEY_WEB__CORS_ALLOWED_ORIGINS": f'["{page_origin}"]',
    }
    server = ServerProcess(data_dir=tmp_path / "data", env=web_env)
    server.start()
    try:
        env = _env(server)
        artifacts = tmp_path / "artifacts"
        env.update(
            PARLEY_TEST_WEB_URL=web_url(server),
            PARLEY_TEST_PAGE_URL=f"{page_origin}/index.html",
            PARLEY_TEST_ARTIFACTS=str(artifacts),
            CHROMIUM=chromium,
        )
        await _install(npm, env)
        code, out, err = await _run([npm, "run", "test:browser"], env, TS_DIR)
    finally:
        server.stop()
    tail = "\n".join((out + err).splitlines()[-TAIL_LINES:])
    if code != 0:
        status = f"timed out after {STEP_TIMEOUT_S} s" if code is None else f"exited {code}"
        saved = sorted(p.name for p in artifacts.iterdir()) if artifacts.is_dir() else []
        pytest.fail(
            f"npm run test:browser {status}; screenshots and page logs in {artifacts}: {saved}\n"
            f"server log: {server.log_path}\nlast output:\n{tail}",
            pytrace=False,
        )
    print(tail)
