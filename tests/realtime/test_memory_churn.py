"""Server memory stays flat under churn that any client can cause.

Measured on the real server process: VmRSS from /proc, and the sizes of its
in-memory maps from /metrics. Regression (issue 12, B): 150 presence
subscriptions of 1,000 fresh ids, each dropping the previous 1,000, grew the
server by ~51 MiB that stayed after the stream closed, because emptied watcher
sets were never removed."""

from __future__ import annotations

import asyncio
import uuid

from parley.auth.v1 import auth_pb2
from parley.gateway.v1 import gateway_pb2
from tests.harness import Api, Device, P, ServerProcess, bearer, rss_kib, scrape, value

METRICS = {"PARLEY_METRICS__ENABLED": "true", "PARLEY_METRICS__LISTEN": "127.0.0.1:0"}


async def _start(proc: ServerProcess) -> Api:
    proc.env.update(METRICS)
    await asyncio.to_thread(proc.start)
    api = Api(proc.address, proc.admin_secret)
    await api.login_admin()
    return api


async def _gauge_settles(proc: ServerProcess, name: str, want: float) -> float:
    """The gauge once it reaches `want` (streams close asynchronously), or its last value."""
    got = -1.0
    for _ in range(50):
        got = value(await asyncio.to_thread(scrape, proc), name)
        if got == want:
            break
        await asyncio.sleep(0.1)
    return got


async def test_presence_subscription_churn_keeps_memory_flat(fresh_server: ServerProcess) -> None:
    api = await _start(fresh_server)
    try:
        uid = f"w-{uuid.uuid4().hex[:8]}"
        await api.register(uid)
        d = Device(api.address, await api.token(uid), P.PLATFORM_IOS, "d")
        await d.open()
        watched: list[str] = []

        async def churn(rounds: int) -> None:
            nonlocal watched
            for _ in range(rounds):
                fresh = [uuid.uuid4().hex[:16] for _ in range(1000)]
                frame = gateway_pb2.ClientFrame()
                frame.subscribe_presence.subscribe_user_ids.extend(fresh)
                frame.subscribe_presence.unsubscribe_user_ids.extend(watched)
                answer = await d.request(frame)
                assert len(answer.presence_snapshot.statuses) == 1000
                watched = fresh

        await churn(30)  # warm-up: allocator arenas and dict tables reach their working size
        base = rss_kib(fresh_server)
        await churn(150)
        churned = rss_kib(fresh_server)
        watching = value(scrape(fresh_server), "parley_presence_watched_users")
        await d.close()
        closed = await _gauge_settles(fresh_server, "parley_streams_open", 0)
        assert closed == 0
        after_close = rss_kib(fresh_server)
        left = value(scrape(fresh_server), "parley_presence_watched_users")
    finally:
        await api.close()
    print(
        f"presence churn: base {base} KiB, +{churned - base} KiB after 150 rounds, "
        f"+{after_close - base} KiB after close, {left} watched users left"
    )
    assert watching == 1000
    assert left == 0
    assert churned - base < 8 * 1024
    assert after_close - base < 8 * 1024


CAP = 20


async def _short_token(api: Api, user_id: str, ttl_seconds: int) -> str:
    resp = await api.auth.IssueUserToken(
        auth_pb2.IssueUserTokenRequest(
            user_id=user_id,
            platform=P.PLATFORM_IOS,
            ttl_seconds=ttl_seconds,  # type: ignore[arg-type]
        ),
        metadata=bearer(api.admin_token),
    )
    return resp.token


async def _revoke(api: Api, token: str) -> None:
    await api.auth.InvalidateToken(
        auth_pb2.InvalidateTokenRequest(token=token), metadata=bearer(token)
    )


async def test_user_and_token_churn_keeps_maps_bounded(fresh_server: ServerProcess) -> None:
    """Users who connect, watch, send, ack and log out, and tokens revoked by
    the thousand: every per-user map stays at its configured size, and the
    revocations of expired tokens are swept."""
    for name in ("KNOWN_USERS", "DELIVERY_CURSORS", "RECENT_ACKS", "ACTIVE_USERS"):
        fresh_server.env[f"PARLEY_CACHES__{name}"] = str(CAP)
    api = await _start(fresh_server)
    try:
        hub = f"hub-{uuid.uuid4().hex[:6]}"
        users = [f"c{i}-{uuid.uuid4().hex[:6]}" for i in range(3 * CAP)]
        await api.register(hub, *users)
        hub_device = Device(api.address, await api.token(hub), P.PLATFORM_IOS, "hub")
        await hub_device.open()

        async def visit(user_id: str) -> None:
            token = await api.token(user_id)
            d = Device(api.address, token, P.PLATFORM_IOS, "d")
            await d.open()
            watch = gateway_pb2.ClientFrame()
            watch.subscribe_presence.subscribe_user_ids.extend([hub, uuid.uuid4().hex])
            await d.request(watch)
            sent = await d.send_text(hub, "hello")
            ack = gateway_pb2.ClientFrame()
            ack.delivery_ack.conversation_id = sent.send_ack.ack.conversation_id
            ack.delivery_ack.delivered_seq = sent.send_ack.ack.seq
            await hub_device.post(ack)
            await _revoke(api, token)
            assert await d.wait_closed() is not None
            await d.close()

        for i in range(0, len(users), 10):
            await asyncio.gather(*(visit(u) for u in users[i : i + 10]))
        await _gauge_settles(fresh_server, "parley_streams_open", 1)

        async def revoke_short_lived() -> None:
            token = await _short_token(api, hub, 2)
            await _revoke(api, token)

        for _ in range(0, 1100, 50):
            await asyncio.gather(*(revoke_short_lived() for _ in range(50)))
        samples = scrape(fresh_server)
        await hub_device.close()
    finally:
        await api.close()

    def entries(cache: str) -> float:
        return value(samples, "parley_cache_entries", cache=cache)

    assert value(samples, "parley_streams_open") == 1
    assert value(samples, "parley_online_users") == 1
    assert value(samples, "parley_presence_watched_users") == 0
    for cache in ("known_users", "delivery_cursors", "recent_acks", "active_users"):
        assert entries(cache) == CAP, cache
    # 1,100 revocations of 2-second tokens, plus the 60 visits' (1-hour) ones:
    # the sweep at 1,024 entries dropped the expired ones.
    assert len(users) <= entries("token_revocations") < 1024
