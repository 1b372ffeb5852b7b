from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Api, ServerProcess
from tests.hooks.receiver import HookReceiver

SECRET = "test-hook-secret"


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[HookReceiver]:
    r = HookReceiver(secret=SECRET)
    await r.start()
    yield r
    await r.stop()


async def start_server(data_dir: Path, env: dict[str, str]) -> tuple[ServerProcess, Api]:
    proc = ServerProcess(data_dir=data_dir, env=env)
    await asyncio.to_thread(proc.start)
    api = Api(proc.address, proc.admin_secret)
    await api.login_admin()
    return proc, api


async def stop_server(proc: ServerProcess, api: Api) -> None:
    await api.close()
    await asyncio.to_thread(proc.stop)
