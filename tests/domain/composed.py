"""The services `wiring.build_core` composes, without a gRPC server: the
domain rule tables run on them over a SQLite file in a temporary directory.
The real store costs a few milliseconds per case, and a fake store would be
a second implementation to keep in step with the storage contract suites."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from parley.config import Settings
from parley.wiring import Core, build_core


@asynccontextmanager
async def composed(data_dir: Path, friends_only: bool = False) -> AsyncIterator[Core]:
    settings = Settings(data_dir=str(data_dir))
    settings.storage.sqlite_synchronous = "OFF"  # nothing here outlives the test
    settings.messages.friends_only = friends_only
    core = await build_core(settings)
    try:
        yield core
    finally:
        await core.stop(0.1)
