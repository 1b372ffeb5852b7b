"""The browser's transport: a Subscribe server stream plus unary calls, one
session model with the bidi stream (auth, pushes both ways, typing and
receipts, kicks across transports, idle timeout, slow consumer, shutdown)."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest

from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from parley.msg.v1 import msg_pb2
from tests.harness import (
    Api,
    Device,
    P,
    ServerProcess,
    bearer,
    error_reason,
    flood,
    new_user_id,
    trailer_reason,
)
from tests.subscriber import Subscriber, refused

WEB = P.PLATFORM_WEB


async def _user(api: Api, platform: int = WEB) -> tuple[str, str]:
    uid = new_user_id()
    await api.register(uid)
    return uid, await api.token(uid, platform)


async def _subscribe(api: Api, token: str, device: str = "", platform: int = WEB) -> Subscriber:
    s = Subscriber(api.address, token, platform, device or uuid.uuid4().hex[:8])
    await s.open()
    return s


async def _device(api: Api, token: str, device: str = "", platform: int = P.PLATFORM_IOS) -> Device:
    d = Device(api.address, token, platform, device or uuid.uuid4().hex[:8])
    await d.open()
    return d


def _cid(a: str, b: str) -> str:
    return "si_{}_{}".format(*sorted((a, b)))


def _request(
    token: str, platform: int = WEB, device_id: str = "dev"
) -> gateway_pb2.SubscribeRequest:
    req = gateway_pb2.SubscribeRequest()
    req.auth.token = token
    req.auth.platform = platform  # type: ignore[assignment]
    req.auth.device_id = device_id
    return req


@pytest.mark.parametrize(
    ("token", "reason"),
    [("", "ERROR_REASON_TOKEN_MISSING"), ("not-a-token", "ERROR_REASON_TOKEN_INVALID")],
)
async def test_bad_tokens_are_refused_as_on_connect(api: Api, token: str, reason: str) -> None:
    err = await refused(api.address, _request(token))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_reason(err) == reason


async def test_auth_is_checked_like_the_auth_frame(api: Api) -> None:
    _, token = await _user(api, P.PLATFORM_IOS)
    err = await refused(api.address, _request(token, WEB))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_reason(err) == "ERROR_REASON_TOKEN_INVALID"
    err = await refused(api.address, gateway_pb2.SubscribeRequest())
    assert error_reason(err) == "ERROR_REASON_AUTH_REQUIRED"
    err = await refused(api.address, _request(token, P.PLATFORM_IOS, "d" * 129))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    # An admin token opens no stream, on either transport.
    err = await refused(api.address, _request(api.admin_token, P.PLATFORM_UNSPECIFIED))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED or (
        err.code() == grpc.StatusCode.UNAUTHENTICATED
    )


async def test_session_frame_then_pushes_both_ways(api: Api) -> None:
    a, ta = await _user(api)
    b, tb = await _user(api, P.PLATFORM_IOS)
    web = await _subscribe(api, ta)
    phone = await _device(api, tb)
    try:
        assert web.session is not None and web.session.user_id == a
        assert web.session.heartbeat_interval_ms > 0 and web.session.idle_timeout_ms > 0
        # Sent on the bidi stream, pushed on Subscribe.
        await phone.send_text(a, "to the browser")
        got = await web.next_frame("message")
        assert got.message.message.content.text.text == "to the browser"
        assert got.message.message.seq == 1
        # Sent by a unary call, pushed on the bidi stream.
        ack = await web.send_unary(b, "to the phone")
        assert ack.seq == 2
        got = await phone.next_frame("message")
        assert got.message.message.content.text.text == "to the phone"
        pong = await web.heartbeat(1234)
        assert pong.pong.client_time_ms == 1234 and pong.pong.server_time_ms > 0
    finally:
        await web.close()
        await phone.close()


async def test_typing_receipts_and_presence_through_unary_calls(api: Api) -> None:
    a, ta = await _user(api)
    b, tb = await _user(api, P.PLATFORM_IOS)
    web = await _subscribe(api, ta)
    phone = await _device(api, tb)
    cid = _cid(a, b)
    try:
        await phone.send_text(a, "hello")
        await web.next_frame("message")
        await web.typing(cid)
        typing = await phone.next_frame("typing")
        assert typing.typing.user_id == a and typing.typing.typing
        # And the other way: the phone's typing frame reaches the browser.
        frame = gateway_pb2.ClientFrame()
        frame.typing.conversation_id = cid
        frame.typing.typing = True
        await phone.post(frame)
        assert (await web.next_frame("typing")).typing.user_id == b
        await web.msg.AckDelivery(
            msg_pb2.AckDeliveryRequest(conversation_id=cid, delivered_seq=1),
            metadata=bearer(ta),
        )
        dr = await phone.next_frame("delivery_receipt")
        assert dr.delivery_receipt.user_id == a and dr.delivery_receipt.delivered_seq == 1
        await web.msg.MarkRead(
            msg_pb2.MarkReadRequest(conversation_id=cid, has_read_seq=1), metadata=bearer(ta)
        )
        receipt = await phone.next_frame("notification")
        rr = receipt.notification.message.notification.read_receipt
        assert rr.reader_user_id == a and rr.has_read_seq == 1
        # Presence, bound to the Subscribe stream by its device id.
        watcher = await web.watch(b)
        assert watcher.statuses[0].online
        await phone.close()
        offline = await web.next_frame("presence")
        assert offline.presence.status.user_id == b and not offline.presence.status.online
    finally:
        await web.close()
        await phone.close()


async def test_kicks_across_transports(api: Api) -> None:
    uid, _ = await _user(api)
    # A second Subscribe on the same platform kicks the first.
    first = await _subscribe(api, await api.token(uid, WEB), "web-1")
    second = await _subscribe(api, await api.token(uid, WEB), "web-2")
    kicked = await first.next_frame("kicked")
    assert kicked.kicked.reason == 37 and kicked.kicked.by_platform == WEB  # KICKED
    assert await first.wait_closed() == grpc.StatusCode.UNAUTHENTICATED
    assert trailer_reason(first.trailers) == "ERROR_REASON_KICKED"
    # A bidi stream of the platform kicks the Subscribe...
    bidi = await _device(api, await api.token(uid, WEB), "web-3", WEB)
    assert (await second.next_frame("kicked")).kicked.reason == 37
    assert await second.wait_closed() == grpc.StatusCode.UNAUTHENTICATED
    # ... and a Subscribe kicks the bidi stream.
    third = await _subscribe(api, await api.token(uid, WEB), "web-4")
    assert (await bidi.next_frame("kicked")).kicked.reason == 37
    assert await bidi.wait_closed() == grpc.StatusCode.UNAUTHENTICATED
    # The kicked device's token was revoked: its heartbeats are refused.
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await first.heartbeat()
    assert error_reason(info.value) == "ERROR_REASON_TOKEN_REVOKED"
    await third.heartbeat()
    for s in (first, second, bidi, third):
        await s.close()


async def test_nothing_of_another_user(api: Api) -> None:
    a, ta = await _user(api)
    _, tb = await _user(api)
    c, _ = await _user(api)
    web_a = await _subscribe(api, ta, "shared-name")
    web_b = await _subscribe(api, tb, "b-web")
    try:
        # b names a's device: nothing of a's is found, whatever the id.
        intruder = Subscriber(api.address, tb, WEB, "shared-name")
        for call in (intruder.heartbeat(), intruder.watch(a)):
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await call
            assert info.value.code() == grpc.StatusCode.NOT_FOUND
            assert error_reason(info.value) == "ERROR_REASON_SESSION_NOT_FOUND"
        # Typing into a conversation b is not in: as on the stream, it is not b's to see.
        await web_a.send_unary(c, "a and c only")
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await web_b.typing(_cid(a, c))
        assert error_reason(info.value) == "ERROR_REASON_CONVERSATION_NOT_FOUND"
        # An admin token has no device.
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await web_b.gateway.Heartbeat(
                gateway_pb2.HeartbeatRequest(device_id="b-web"), metadata=bearer(api.admin_token)
            )
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
        # a's stream is untouched: still open, still pushed to.
        await web_a.heartbeat()
        assert web_a.status is None
        await intruder.close()
    finally:
        await web_a.close()
        await web_b.close()


async def _serve(server: ServerProcess, **limits: str) -> Api:
    server.env.update({f"PARLEY_LIMITS__{k.upper()}": v for k, v in limits.items()})
    server.start()
    api = Api(server.address, server.admin_secret)
    await api.login_admin()
    return api


async def test_heartbeats_keep_it_open_and_silence_closes_it(fresh_server: ServerProcess) -> None:
    api = await _serve(fresh_server, idle_timeout_seconds="1.5")
    _, token = await _user(api)
    web = await _subscribe(api, token, "beating")
    for _ in range(5):
        await asyncio.sleep(0.5)
        await web.heartbeat()
    assert web.status is None
    assert await web.wait_closed(timeout=10) == grpc.StatusCode.DEADLINE_EXCEEDED
    assert trailer_reason(web.trailers) == "ERROR_REASON_IDLE_TIMEOUT"
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await web.heartbeat()
    assert error_reason(info.value) == "ERROR_REASON_SESSION_NOT_FOUND"
    await web.close()
    await api.close()


async def test_slow_consumer_is_closed_not_buffered(fresh_server: ServerProcess) -> None:
    api = await _serve(fresh_server, send_queue_frames="8")
    _, ta = await _user(api)
    b, tb = await _user(api)
    async with grpc.aio.insecure_channel(api.address) as ch:
        # Authenticates, then never reads again.
        call = gateway_pb2_grpc.GatewayServiceStub(ch).Subscribe(_request(tb, WEB, "slow"))
        await call.read()
        await flood(api, ta, b)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            while await asyncio.wait_for(call.read(), 10) is not grpc.aio.EOF:
                pass
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error_reason(info.value) == "ERROR_REASON_SLOW_CONSUMER"
    await api.close()


async def test_shutdown_ends_both_transports_alike(fresh_server: ServerProcess) -> None:
    api = await _serve(fresh_server)
    _, ta = await _user(api)
    _, tb = await _user(api, P.PLATFORM_IOS)
    web = await _subscribe(api, ta)
    phone = await _device(api, tb)
    await asyncio.get_running_loop().run_in_executor(None, fresh_server.stop)
    closed = [(await s.wait_closed(), trailer_reason(s.trailers)) for s in (web, phone)]
    assert closed == [(grpc.StatusCode.UNAVAILABLE, "ERROR_REASON_SHUTTING_DOWN")] * 2
    for s in (web, phone):
        await s.close()
    await api.close()
