"""A half-close means what the auth frame asked for: a one-shot sender (the
README's grpcurl sends) gets its answers and a clean end of stream, a
listen-only console keeps receiving pushes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import grpc

from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from tests.harness import Api, P, ServerProcess, new_user_id


def _auth(token: str, listen_only: bool = False) -> gateway_pb2.ClientFrame:
    frame = gateway_pb2.ClientFrame(request_id="auth")
    frame.auth.token = token
    frame.auth.platform = P.PLATFORM_IOS
    frame.auth.device_id = uuid.uuid4().hex[:8]
    frame.auth.listen_only = listen_only
    return frame


def _send(rid: str, recv_id: str, text: str) -> gateway_pb2.ClientFrame:
    frame = gateway_pb2.ClientFrame(request_id=rid)
    m = frame.send.message
    m.client_msg_id = uuid.uuid4().hex
    m.session_type = 1
    m.recv_id = recv_id
    m.content.text.text = text
    return frame


async def _frames(*frames: gateway_pb2.ClientFrame) -> AsyncIterator[gateway_pb2.ClientFrame]:
    # Ending the generator is grpcurl's end of input: the client half-closes.
    for f in frames:
        yield f


async def _pair(api: Api) -> tuple[str, str, str, str]:
    a, b = new_user_id(), new_user_id()
    await api.register(a)
    await api.register(b)
    return a, await api.token(a, P.PLATFORM_IOS), b, await api.token(b, P.PLATFORM_IOS)


async def test_a_one_shot_send_gets_its_answers_then_the_stream_ends_ok(api: Api) -> None:
    _a, ta, b, _tb = await _pair(api)
    async with grpc.aio.insecure_channel(api.address) as ch:
        call = gateway_pb2_grpc.GatewayServiceStub(ch).Connect(
            _frames(_auth(ta), _send("1", b, "one"), _send("2", b, "two"))
        )
        started = time.monotonic()

        async def answers() -> list[gateway_pb2.ServerFrame]:
            return [f async for f in call]  # raises if the stream ends with an error

        got = await asyncio.wait_for(answers(), 20)
        took = time.monotonic() - started
        assert await call.code() == grpc.StatusCode.OK
    # Every frame sent was answered before the end, well within the idle timeout.
    assert [(f.request_id, f.WhichOneof("body")) for f in got] == [
        ("auth", "session"),
        ("1", "send_ack"),
        ("2", "send_ack"),
    ]
    assert took < 10


async def test_a_listen_only_stream_stays_open_for_pushes(fresh_server: ServerProcess) -> None:
    # A short idle timeout: a half-closed listener cannot send heartbeats, yet stays.
    fresh_server.env["PARLEY_LIMITS__IDLE_TIMEOUT_SECONDS"] = "1"
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    a, ta, _b, tb = await _pair(api)
    async with grpc.aio.insecure_channel(api.address) as ch:
        listener = gateway_pb2_grpc.GatewayServiceStub(ch).Connect(_frames(_auth(ta, True)))
        hello = await asyncio.wait_for(listener.read(), 10)
        assert hello.HasField("session")
        await asyncio.sleep(2.5)  # past the idle timeout, half-closed
        sender = gateway_pb2_grpc.GatewayServiceStub(ch).Connect(
            _frames(_auth(tb), _send("1", a, "for the console"))
        )
        assert [f.WhichOneof("body") async for f in sender] == ["session", "send_ack"]
        push = await asyncio.wait_for(listener.read(), 10)
        assert push.WhichOneof("body") == "message"
        assert push.message.message.content.text.text == "for the console"
        listener.cancel()
    await api.close()
