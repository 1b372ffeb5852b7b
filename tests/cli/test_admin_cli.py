"""`parley admin` run as a subprocess against real servers."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.common.v1 import common_pb2
from parley.ids import notification_conversation_id
from parley.msg.v1 import msg_pb2
from tests.harness import Api, Device, P, ServerProcess, bearer, new_user_id


def cli(
    proc: ServerProcess, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    base.update(
        {"PARLEY_ADDRESS": proc.address, "PARLEY_ADMIN_SECRET": proc.admin_secret, "COLUMNS": "160"}
    )
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "parley", "admin", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def run(proc: ServerProcess, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(cli, proc, *args, **kw)


async def run_json(proc: ServerProcess, *args: str) -> Any:
    out = await run(proc, *args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


async def test_token_and_secret_sources(server: ServerProcess, tmp_path: Path) -> None:
    out = await run(server, "token")
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    assert token.count(".") == 2 and "expires" in out.stderr
    # The secret from the data directory's admin_secret file.
    (tmp_path / "admin_secret").write_text(server.admin_secret + "\n")
    out = await run(server, "token", "--data-dir", str(tmp_path), env={"PARLEY_ADMIN_SECRET": ""})
    assert out.returncode == 0, out.stderr
    # A wrong secret is a clear error, exit code 1.
    out = await run(server, "stats", "--secret", "wrong")
    assert out.returncode == 1
    assert "UNAUTHENTICATED ERROR_REASON_SECRET_INVALID" in out.stderr
    out = await run(
        server, "stats", "--data-dir", str(tmp_path / "nope"), env={"PARLEY_ADMIN_SECRET": ""}
    )
    assert out.returncode == 2 and "no admin secret" in out.stderr


async def test_users_block_logout_notify(server: ServerProcess, api: Api) -> None:
    prefix = f"cli{new_user_id('')[1:8]}"
    a, b = f"{prefix}-a", f"{prefix}-b"
    await api.register(a, b)
    d = Device(api.address, await api.token(a, P.PLATFORM_IOS), P.PLATFORM_IOS, "cli-phone")
    await d.open()
    try:
        listed = await run_json(server, "users", "list", "--keyword", prefix)
        assert [u["user"]["user_id"] for u in listed] == [a, b]
        table = await run(server, "users", "list", "--keyword", prefix)
        assert table.returncode == 0 and a in table.stdout and "ios:cli-phone" in table.stdout

        got = await run_json(server, "users", "get", a)
        assert got["devices"][0]["device_id"] == "cli-phone"
        shown = await run(server, "users", "get", a)
        assert "cli-phone" in shown.stdout and "devices" in shown.stdout

        out = await run(
            server, "notify", "--user", a, "--user", b, "--title", "Hi", "--text", "from cli"
        )
        assert out.returncode == 0 and "delivered to 2 user(s)" in out.stdout, out.stderr
        pushed = await d.next_frame("notification")
        assert pushed.notification.message.notification.system_notice.text == "from cli"

        logout = await run_json(server, "logout", a, "--platform", "ios")
        assert logout["closed_streams"] == 1
        kicked = await d.next_frame("kicked")
        assert kicked.kicked.reason == common_pb2.ERROR_REASON_TOKEN_REVOKED
    finally:
        await d.close()

    blocked = await run_json(server, "users", "block", b, "--reason", "spam")
    assert blocked == {"user_id": b, "blocked": True, "closed_streams": 0}
    only = await run_json(server, "users", "list", "--keyword", prefix, "--blocked")
    assert [u["user"]["user_id"] for u in only] == [b]
    out = await run(server, "users", "unblock", b)
    assert out.returncode == 0 and "unblocked" in out.stdout
    stub = admin_pb2_grpc.AdminServiceStub(api.channel)
    user = await stub.GetUser(admin_pb2.GetUserRequest(user_id=b), metadata=bearer(api.admin_token))
    assert not user.user.blocked

    missing = await run(server, "users", "get", "no-such-user")
    assert missing.returncode == 1
    assert "NOT_FOUND ERROR_REASON_USER_NOT_FOUND" in missing.stderr
    bad = await run(server, "logout", a, "--platform", "toaster")
    assert bad.returncode == 2 and "unknown platform" in bad.stderr


async def test_stats_and_notify_everyone(fresh_server: ServerProcess) -> None:
    await asyncio.to_thread(fresh_server.start)
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    try:
        ids = [f"e{i:03d}" for i in range(1203)]  # more than two pages of 500
        for i in range(0, len(ids), 500):
            await api.register(*ids[i : i + 500])
        out = await run(fresh_server, "notify", "--all", "--text", "hello everyone")
        assert out.returncode == 0, out.stderr
        assert "delivered to 1203 user(s)" in out.stdout
        token = await api.token("e1202")
        cid = notification_conversation_id("e1202")
        seqs = await api.msg.GetSeqs(
            msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(token)
        )
        assert seqs.seqs[0].max_seq == 1

        stats = await run_json(fresh_server, "stats", "--days", "2")
        assert len(stats["days"]) == 2
        assert stats["days"][-1]["new_users"] == "1203"  # proto3 JSON: int64 as string
        assert stats["total_users"] == "1203"
        table = await run(fresh_server, "stats")
        assert table.returncode == 0 and "1,203" in table.stdout
        assert "now: 1,203 users registered" in table.stdout
    finally:
        await api.close()
