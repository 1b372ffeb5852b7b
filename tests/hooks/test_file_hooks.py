"""The before-upload webhook: the app server allows or denies an upload
before any byte is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from tests.api.files.client import Files, refused, user
from tests.harness import Api
from tests.hooks.conftest import SECRET, start_server, stop_server
from tests.hooks.receiver import HookReceiver


def verdict(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc["event"] == "before.file.upload" and doc["name"].endswith(".exe.txt"):
        return {"action": "deny", "message": "no programs, please"}
    return None


@pytest.fixture
async def hooked(receiver: HookReceiver, tmp_path: Path) -> AsyncIterator[Api]:
    receiver.answer = verdict
    proc, api = await start_server(
        tmp_path / "data", {"PARLEY_HOOKS__URL": receiver.url, "PARLEY_HOOKS__SECRET": SECRET}
    )
    yield api
    await stop_server(proc, api)


async def test_the_app_server_allows_and_denies_uploads(
    hooked: Api, receiver: HookReceiver
) -> None:
    uid, token = await user(hooked)
    files = Files(hooked, token)
    data = b"fine\n" * 10
    await files.upload(data, "fine.txt")
    call = receiver.of("before.file.upload", lambda d: d["name"] == "fine.txt")[0]
    assert call.signed
    assert call.doc["user_id"] == uid and call.doc["size"] == len(data)
    code, reason = await refused(files.start(data, "setup.exe.txt"))
    assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ERROR_REASON_DENIED_BY_HOOK")
