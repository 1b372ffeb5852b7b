"""A `parley serve` with the web listener on, for the tests of parley.web."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.harness import Api, ServerProcess

ALLOWED_ORIGIN = "http://app.example"
WEB_ENV = {
    "PARLEY_WEB__ENABLED": "true",
    "PARLEY_WEB__LISTEN": "127.0.0.1:0",
    "PARLEY_WEB__CORS_ALLOWED_ORIGINS": f'["{ALLOWED_ORIGIN}"]',
}


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(data_dir=tmp_path_factory.mktemp("web") / "data", env=dict(WEB_ENV))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
async def web_api(web_server: ServerProcess) -> AsyncIterator[Api]:
    """The same server's gRPC port, for what a test compares with."""
    a = Api(web_server.address, web_server.admin_secret)
    await a.login_admin()
    yield a
    await a.close()
