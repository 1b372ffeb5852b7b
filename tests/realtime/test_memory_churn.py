"""Server memory stays flat under churn that any client can cause.

Measured on the real server process (VmRSS from /proc). Regression (issue 12,
B): 150 presence subscriptions of 1,000 fresh ids, each dropping the previous
1,000, grew the server by ~45 MiB that stayed after the stream closed, because
emptied watcher sets were never removed."""

from __future__ import annotations

import asyncio
import uuid

from parley.gateway.v1 import gateway_pb2
from tests.harness import Api, Device, P, ServerProcess, rss_kib, scrape, value

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
