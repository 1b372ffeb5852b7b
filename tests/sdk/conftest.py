"""Fixtures of the SDK tests: accounts and connected clients on the session server."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

try:
    import parley_sdk  # noqa: F401
except ImportError:  # the SDK is not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))

from tests.harness import Api, ServerProcess
from tests.sdk.helpers import Pair, Recorder, accounts, open_client


@pytest.fixture
async def pair(server: ServerProcess, api: Api, tmp_path: Path) -> AsyncIterator[Pair]:
    """Two new users, each with a connected, synced client."""
    a, b = await accounts(api, 2, "p")
    ra, rb = Recorder(), Recorder()
    ca = open_client(server.address, a, tmp_path, "a", recorder=ra)
    cb = open_client(server.address, b, tmp_path, "b", recorder=rb)
    await ca.open()
    await cb.open()
    try:
        await ca.wait_synced(10)
        await cb.wait_synced(10)
        yield Pair(a, b, ca, cb, ra, rb)
    finally:
        await ca.close()
        await cb.close()
