"""The console's static files on the web listener: served at
`web.console_path` only when set, from its directory only, with a CSP that
keeps the page to its own origin; the RPCs answer beside them."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from parley.auth.v1 import auth_pb2
from tests.harness import ServerProcess
from tests.web.client import connect_json, web_url
from tests.web.conftest import WEB_ENV


def get(base: str, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("console")
    site = root / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>console</title>")
    (site / "app.js").write_text("console.log(1)")
    (root / "secret.txt").write_text("not for the web")
    env = {**WEB_ENV, "PARLEY_WEB__CONSOLE_PATH": "/console", "PARLEY_WEB__CONSOLE_DIR": str(site)}
    proc = ServerProcess(data_dir=root / "data", env=env)
    proc.start()
    yield proc
    proc.stop()


def test_serves_the_console_at_its_path(console_server: ServerProcess) -> None:
    base = web_url(console_server)
    assert "console on http://" in console_server.log_tail(400)
    status, headers, _ = get(base, "/console")
    assert status == 308 and headers["location"] == "/console/"
    status, headers, body = get(base, "/console/")
    assert status == 200 and body.startswith(b"<!doctype html>")
    assert headers["content-type"] == "text/html"
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    status, headers, body = get(base, "/console/app.js")
    assert (status, headers["content-type"], body) == (200, "text/javascript", b"console.log(1)")
    status, headers, body = get(base, "/console/app.js", "HEAD")
    assert status == 200 and headers["content-length"] == "14" and body == b""


def test_nothing_outside_its_directory(console_server: ServerProcess) -> None:
    base = web_url(console_server)
    for path in ("/console/../secret.txt", "/console/%2e%2e/secret.txt", "/console/missing.js"):
        status, _, body = get(base, path)
        assert status == 404, (path, body)
    status, headers, _ = get(base, "/console/", "POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_the_rpcs_answer_beside_it(console_server: ServerProcess) -> None:
    reply = connect_json(
        web_url(console_server),
        "/parley.auth.v1.AuthService/GetAdminToken",
        auth_pb2.GetAdminTokenRequest(secret=console_server.admin_secret),
    )
    assert reply.status == 200, reply.body


def test_off_by_default(web_server: ServerProcess) -> None:
    status, _, _ = get(web_url(web_server), "/console/")
    assert status != 200
    assert "console on" not in web_server.log_tail(400)
