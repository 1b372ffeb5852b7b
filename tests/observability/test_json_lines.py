"""With JSON logs on, every line a server writes parses as JSON: start-up,
requests, errors, shutdown, and the failures before it listens (invalid
settings, a port in use: gRPC's C core logs that one itself)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import grpc
import pytest

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.msg.v1 import message_pb2, msg_pb2
from tests.harness import ST, Api, Device, P, ServerProcess, bearer

JSON_ENV = {
    "PARLEY_LOG_FORMAT": "json",
    "PARLEY_LOG_LEVEL": "DEBUG",
    # Warnings Python would print by itself (ResourceWarning, DeprecationWarning).
    "PYTHONWARNINGS": "default",
}


def records(text: str) -> list[dict[str, Any]]:
    """Each line as a JSON object; fails on the first line that is not one."""
    out = []
    for line in text.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}\n--- output ---\n{text}")
        assert isinstance(rec, dict) and {"ts", "level", "logger", "msg"} <= rec.keys(), line
        out.append(rec)
    return out


def serve(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A `parley serve` expected to exit by itself, stdout and stderr apart."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    return subprocess.run(
        [sys.executable, "-m", "parley", "serve", "--data-dir", str(data_dir), *args],
        env={**base, **JSON_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_every_line_of_a_served_session_is_json(
    fresh_server: ServerProcess, tmp_path: Path
) -> None:
    fresh_server.env.update(JSON_ENV)
    await asyncio.to_thread(fresh_server.start)
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    try:
        await api.register("jl1", "jl2")
        t1, t2 = await api.token("jl1"), await api.token("jl2", P.PLATFORM_ANDROID)
        device = Device(fresh_server.address, t2, P.PLATFORM_ANDROID, "jl2-phone")
        await device.open()
        om = message_pb2.OutgoingMessage(
            client_msg_id=uuid.uuid4().hex, session_type=ST.SESSION_TYPE_SINGLE, recv_id="jl2"
        )
        om.content.text.text = "hello"
        await api.msg.SendMessage(msg_pb2.SendMessageRequest(message=om), metadata=bearer(t1))
        await device.next_frame("message")
        with pytest.raises(grpc.aio.AioRpcError):
            await admin_pb2_grpc.AdminServiceStub(api.channel).GetUser(
                admin_pb2.GetUserRequest(user_id="nobody"), metadata=bearer(api.admin_token)
            )
        await device.close()
        # A second server on the same port: refused before it listens.
        busy = await asyncio.to_thread(serve, tmp_path / "second", "--listen", fresh_server.address)
    finally:
        await api.close()
        rc = await asyncio.to_thread(fresh_server.stop)
    assert rc == 0
    assert fresh_server.log_path is not None
    served = records(fresh_server.log_path.read_text())
    msgs = [r["msg"] for r in served]
    assert any(m.startswith("listening on") for m in msgs), msgs
    assert any(r.get("code") == "NOT_FOUND" for r in served), served
    assert msgs[-1] == "shutting down", msgs

    assert busy.returncode == 1, busy
    refused = records(busy.stdout) + records(busy.stderr)
    assert any(
        r["level"] == "CRITICAL" and r["msg"].startswith("cannot listen") for r in refused
    ), refused
    # gRPC's C core says why itself, on stderr: wrapped, not dropped.
    assert any(r["logger"] == "grpc.core" and "add_port" in r["msg"] for r in refused), refused


def test_invalid_settings_are_a_json_record(tmp_path: Path) -> None:
    out = serve(tmp_path / "data", PARLEY_LIMITS__MAX_FRAME_BYTES="lots")
    assert out.returncode == 2, out
    assert records(out.stdout) == []
    (rec,) = records(out.stderr)
    assert rec["level"] == "CRITICAL" and "limits.max_frame_bytes" in rec["msg"]
