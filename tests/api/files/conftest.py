"""The file tests run twice: files on the local disk (the embedded default)
and in a real S3 server (SeaweedFS, from scripts/services.sh)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import ServerProcess
from tests.storage.files.s3 import bucket, s3_url, server_env

# Signed URLs are served by the web listener, on a port of its own choosing here.
PAGE_ORIGIN = "http://app.example"
WEB = {
    "PARLEY_WEB__ENABLED": "true",
    "PARLEY_WEB__LISTEN": "127.0.0.1:0",
    "PARLEY_WEB__CORS_ALLOWED_ORIGINS": f'["{PAGE_ORIGIN}"]',
}


@pytest.fixture(scope="module", params=["local", "s3"])
def file_backend(request: pytest.FixtureRequest) -> dict[str, str]:
    """The server settings of the backend: none for local, a fresh bucket for S3."""
    if request.param == "local":
        return {}
    return server_env(s3_url(), bucket())


@pytest.fixture(scope="module")
def server(
    file_backend: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        data_dir=tmp_path_factory.mktemp("files") / "data", env={**file_backend, **WEB}
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def fresh_server(file_backend: dict[str, str], tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(data_dir=tmp_path / "data", env={**file_backend, **WEB})
    yield proc
    if proc.proc is not None:
        proc.stop()
