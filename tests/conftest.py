from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.harness import Api, ServerProcess


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One `parley serve` for the whole run (embedded mode, fresh data dir)."""
    proc = ServerProcess(data_dir=tmp_path_factory.mktemp("server") / "data")
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own, for tests that kill or reconfigure it."""
    proc = ServerProcess(data_dir=tmp_path / "data")
    yield proc
    if proc.proc is not None:
        proc.stop()


@pytest.fixture
async def api(server: ServerProcess) -> AsyncIterator[Api]:
    a = Api(server.address, server.admin_secret)
    await a.login_admin()
    yield a
    await a.close()
