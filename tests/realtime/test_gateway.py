"""The stream: authentication, heartbeats, limits, multi-login, logout."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest

from parley.common.v1 import common_pb2
from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from tests.harness import (
    Api,
    Device,
    P,
    ServerProcess,
    bearer,
    error_reason,
    flood,
    new_user_id,
)


async def _user(api: Api, platform: int = P.PLATFORM_IOS) -> tuple[str, str]:
    uid = new_user_id()
    await api.register(uid)
    return uid, await api.token(uid, platform)


async def _open(api: Api, token: str, platform: int = P.PLATFORM_IOS, device: str = "") -> Device:
    d = Device(api.address, token, platform, device or uuid.uuid4().hex[:8])
    await d.open()
    return d


async def _raw_stream(address: str, frames: list[gateway_pb2.ClientFrame]) -> grpc.aio.AioRpcError:
    """Sends frames and returns the error the server closes the stream with."""
    async with grpc.aio.insecure_channel(address) as ch:
        stub = gateway_pb2_grpc.GatewayServiceStub(ch)

        async def gen():  # type: ignore[no-untyped-def]
            for f in frames:
                yield f
            await asyncio.sleep(30)

        call = stub.Connect(gen())
        with pytest.raises(grpc.aio.AioRpcError) as info:
            async for _ in call:
                pass
        return info.value


async def test_session_frame_and_ping(api: Api) -> None:
    uid, token = await _user(api)
    d = await _open(api, token)
    assert d.session is not None
    assert d.session.user_id == uid
    assert d.session.heartbeat_interval_ms > 0
    ping = gateway_pb2.ClientFrame()
    ping.ping.client_time_ms = 1234
    pong = await d.request(ping)
    assert pong.pong.client_time_ms == 1234
    assert pong.pong.server_time_ms > 0
    await d.close()


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "ERROR_REASON_TOKEN_MISSING"),
        ("not-a-token", "ERROR_REASON_TOKEN_INVALID"),
        (
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXRoYXQtZG9lcy1ub3QtdmVyaWZ5",
            "ERROR_REASON_TOKEN_INVALID",
        ),
    ],
)
async def test_bad_tokens_are_unauthenticated(api: Api, token: str, reason: str) -> None:
    frame = gateway_pb2.ClientFrame(request_id="1")
    frame.auth.token = token
    frame.auth.platform = P.PLATFORM_IOS
    frame.auth.device_id = "dev"
    err = await _raw_stream(api.address, [frame])
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_reason(err) == reason


async def test_first_frame_must_be_auth(api: Api) -> None:
    frame = gateway_pb2.ClientFrame(request_id="1")
    frame.ping.client_time_ms = 1
    err = await _raw_stream(api.address, [frame])
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_reason(err) == "ERROR_REASON_AUTH_REQUIRED"


async def test_platform_must_match_token(api: Api) -> None:
    _, token = await _user(api, P.PLATFORM_IOS)
    frame = gateway_pb2.ClientFrame(request_id="1")
    frame.auth.token = token
    frame.auth.platform = P.PLATFORM_WEB
    frame.auth.device_id = "dev"
    err = await _raw_stream(api.address, [frame])
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_expired_token(api: Api) -> None:
    uid = new_user_id()
    await api.register(uid)
    resp = await api.auth.IssueUserToken(
        __import__("parley.auth.v1.auth_pb2", fromlist=["x"]).IssueUserTokenRequest(
            user_id=uid, platform=P.PLATFORM_IOS, ttl_seconds=1
        ),
        metadata=bearer(api.admin_token),
    )
    await asyncio.sleep(2.1)
    frame = gateway_pb2.ClientFrame(request_id="1")
    frame.auth.token = resp.token
    frame.auth.platform = P.PLATFORM_IOS
    frame.auth.device_id = "dev"
    err = await _raw_stream(api.address, [frame])
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_reason(err) == "ERROR_REASON_TOKEN_EXPIRED"


@pytest.mark.parametrize(
    ("text_bytes", "reason"),
    [(300 * 1024, "ERROR_REASON_FRAME_TOO_LARGE"), (65 * 1024, "ERROR_REASON_CONTENT_TOO_LARGE")],
)
async def test_oversized_send_is_an_error_frame(api: Api, text_bytes: int, reason: str) -> None:
    _, token = await _user(api)
    peer, _ = await _user(api)
    d = await _open(api, token)
    frame = gateway_pb2.ClientFrame()
    frame.send.message.client_msg_id = "big"
    frame.send.message.session_type = 1
    frame.send.message.recv_id = peer
    frame.send.message.content.text.text = "y" * text_bytes
    answer = await d.request(frame)
    assert answer.error.reason == common_pb2.ErrorReason.Value(reason)
    assert answer.error.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
    assert answer.error.client_msg_id == "big"
    # The stream stays usable.
    ping = gateway_pb2.ClientFrame()
    ping.ping.client_time_ms = 5
    assert (await d.request(ping)).HasField("pong")
    # Past the transport's hard cap gRPC ends the stream before Parley sees the frame.
    frame.send.message.content.text.text = "y" * (4 * 1024 * 1024)
    await d.post(frame)
    assert await d.wait_closed() == grpc.StatusCode.RESOURCE_EXHAUSTED
    await d.close()


async def test_one_device_per_platform_kicks_the_old_login(api: Api) -> None:
    uid, token1 = await _user(api)
    old = await _open(api, token1, device="phone-1")
    token2 = await api.token(uid, P.PLATFORM_IOS)
    new = await _open(api, token2, device="phone-2")
    kicked = await old.next_frame("kicked")
    assert kicked.kicked.reason == 37  # KICKED
    assert await old.wait_closed() == grpc.StatusCode.UNAUTHENTICATED
    # The kicked device's token stops working.
    again = Device(api.address, token1, P.PLATFORM_IOS, "phone-1")
    with pytest.raises((ConnectionError, asyncio.TimeoutError)):
        await again.open(timeout=5)
    assert again.status == grpc.StatusCode.UNAUTHENTICATED
    # Another platform is not affected.
    web = await _open(api, await api.token(uid, P.PLATFORM_WEB), P.PLATFORM_WEB)
    ping = gateway_pb2.ClientFrame()
    ping.ping.client_time_ms = 1
    assert (await new.request(ping)).HasField("pong")
    for d in (new, web, again, old):
        await d.close()


async def test_same_device_reconnect_replaces_without_revoking(api: Api) -> None:
    _, token = await _user(api)
    first = await _open(api, token, device="same")
    second = await _open(api, token, device="same")
    assert await first.wait_closed() is not None
    ping = gateway_pb2.ClientFrame()
    ping.ping.client_time_ms = 1
    assert (await second.request(ping)).HasField("pong")
    await first.close()
    await second.close()


async def test_force_logout_closes_streams_and_revokes(api: Api) -> None:
    from parley.auth.v1 import auth_pb2

    uid, token = await _user(api)
    d = await _open(api, token)
    resp = await api.auth.ForceLogout(
        auth_pb2.ForceLogoutRequest(user_id=uid), metadata=bearer(api.admin_token)
    )
    assert resp.closed_streams == 1
    kicked = await d.next_frame("kicked")
    assert kicked.kicked.reason == 6  # TOKEN_REVOKED
    await d.wait_closed()
    with pytest.raises(grpc.aio.AioRpcError) as info:
        from parley.msg.v1 import msg_pb2

        await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_reason(info.value) == "ERROR_REASON_TOKEN_REVOKED"
    # A token issued after the logout works.
    fresh = await _open(api, await api.token(uid))
    await fresh.close()
    await d.close()


async def test_typing_is_relayed_not_stored(api: Api) -> None:
    a, ta = await _user(api)
    b, tb = await _user(api)
    da, db = await _open(api, ta), await _open(api, tb)
    await da.send_text(b, "hello")
    cid = "si_{}_{}".format(*tuple(sorted((a, b))))
    typing = gateway_pb2.ClientFrame()
    typing.typing.conversation_id = cid
    typing.typing.typing = True
    await da.post(typing)
    got = await db.next_frame("typing")
    assert got.typing.user_id == a and got.typing.typing
    from parley.msg.v1 import msg_pb2

    seqs = await api.msg.GetSeqs(
        msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(tb)
    )
    assert seqs.seqs[0].max_seq == 1
    await da.close()
    await db.close()


async def test_presence_subscription(api: Api) -> None:
    _, ta = await _user(api)
    b, tb = await _user(api, P.PLATFORM_ANDROID)
    watcher = await _open(api, ta)
    sub = gateway_pb2.ClientFrame()
    sub.subscribe_presence.subscribe_user_ids.append(b)
    snap = await watcher.request(sub)
    assert not snap.presence_snapshot.statuses[0].online
    db = await _open(api, tb, P.PLATFORM_ANDROID)
    online = await watcher.next_frame("presence")
    assert online.presence.status.user_id == b and online.presence.status.online
    assert list(online.presence.status.platforms) == [P.PLATFORM_ANDROID]
    await db.close()
    offline = await watcher.next_frame("presence")
    assert not offline.presence.status.online
    await watcher.close()


@pytest.fixture
async def tight_server(fresh_server: ServerProcess) -> ServerProcess:
    fresh_server.env.update(
        {
            "PARLEY_LIMITS__IDLE_TIMEOUT_SECONDS": "1.5",
            "PARLEY_LIMITS__AUTH_TIMEOUT_SECONDS": "1",
            "PARLEY_LIMITS__SEND_RATE_PER_SECOND": "5",
            "PARLEY_LIMITS__SEND_BURST": "5",
            "PARLEY_LIMITS__SEND_QUEUE_FRAMES": "8",
        }
    )
    fresh_server.start()
    return fresh_server


async def test_limits_idle_auth_timeout_rate(tight_server: ServerProcess) -> None:
    api = Api(tight_server.address, tight_server.admin_secret)
    await api.login_admin()
    # No auth frame in time.
    async with grpc.aio.insecure_channel(api.address) as ch:
        call = gateway_pb2_grpc.GatewayServiceStub(ch).Connect(_never())
        with pytest.raises(grpc.aio.AioRpcError) as info:
            async for _ in call:
                pass
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert error_reason(info.value) == "ERROR_REASON_AUTH_REQUIRED"
    # Rate limit: a burst of 5, then RATE_LIMITED error frames.
    _a, ta = await _user(api)
    b, _ = await _user(api)
    d = await _open(api, ta)
    answers = await asyncio.gather(*(d.send_text(b, f"m{i}") for i in range(12)))
    kinds = [x.WhichOneof("body") for x in answers]
    assert kinds.count("send_ack") >= 5
    limited = [x for x in answers if x.HasField("error")]
    assert limited and all(x.error.reason == 31 for x in limited)  # RATE_LIMITED
    # Idle: no traffic for 1.5 s closes the stream.
    status = await d.wait_closed(timeout=10)
    assert status == grpc.StatusCode.DEADLINE_EXCEEDED
    await d.close()
    await api.close()


async def test_slow_consumer_is_closed_not_buffered(fresh_server: ServerProcess) -> None:
    fresh_server.env["PARLEY_LIMITS__SEND_QUEUE_FRAMES"] = "8"
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    _a, ta = await _user(api)
    b, tb = await _user(api)
    # The slow device authenticates, then never reads again.
    async with grpc.aio.insecure_channel(api.address) as ch:
        stub = gateway_pb2_grpc.GatewayServiceStub(ch)
        out: asyncio.Queue[gateway_pb2.ClientFrame] = asyncio.Queue()

        async def gen():  # type: ignore[no-untyped-def]
            while True:
                yield await out.get()

        call = stub.Connect(gen())
        auth = gateway_pb2.ClientFrame(request_id="a")
        auth.auth.token = tb
        auth.auth.platform = P.PLATFORM_IOS
        auth.auth.device_id = "slow"
        await out.put(auth)
        await call.read()
        # Unary sends from the other user fill the slow stream's queue far past 8 frames.
        await flood(api, ta, b)
        # Now read: what was buffered arrives, then the close status.
        with pytest.raises(grpc.aio.AioRpcError) as info:
            while True:
                frame = await asyncio.wait_for(call.read(), 10)
                if frame is grpc.aio.EOF:
                    break
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error_reason(info.value) == "ERROR_REASON_SLOW_CONSUMER"
    await api.close()


async def _never():  # type: ignore[no-untyped-def]
    await asyncio.sleep(60)
    yield gateway_pb2.ClientFrame()


async def test_kick_by_a_login_with_the_same_token_keeps_the_token(api: Api) -> None:
    """Regression: the kick revoked the token the new device was using."""
    from parley.msg.v1 import msg_pb2

    _, token = await _user(api)
    first = await _open(api, token, device="phone-1")
    second = await _open(api, token, device="phone-2")
    await first.next_frame("kicked")
    seqs = await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))
    assert list(seqs.seqs) == []
    ping = gateway_pb2.ClientFrame()
    ping.ping.client_time_ms = 1
    assert (await second.request(ping)).HasField("pong")
    await first.close()
    await second.close()
