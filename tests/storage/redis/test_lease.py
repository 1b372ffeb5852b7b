"""The blob lease across processes: two nodes' leases on one key in the real
Redis exclude each other, and a holder that dies frees it at its expiry."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from parley.storage.redis import connect
from parley.storage.redis.lease import RedisLease


async def test_two_nodes_leases_exclude_each_other(
    service_env: dict[str, str], redis_client: Redis, redis_prefix: str
) -> None:
    other = connect(service_env["PARLEY_TEST_REDIS_URL"])  # the second node's connection
    key = redis_prefix + "files:blob-lease"
    a, b = RedisLease(redis_client, key), RedisLease(other, key)
    events: list[str] = []

    async def node(name: str, lease: RedisLease, start: float) -> None:
        await asyncio.sleep(start)
        async with lease.hold():
            events.append(f"{name} in")
            await asyncio.sleep(0.3)
            events.append(f"{name} out")

    try:
        await asyncio.gather(node("a", a, 0.0), node("b", b, 0.05))
    finally:
        await other.aclose()
    assert events == ["a in", "a out", "b in", "b out"]
    assert await redis_client.exists(key) == 0


async def test_a_dead_holders_lease_is_taken_at_its_expiry(
    service_env: dict[str, str], redis_client: Redis, redis_prefix: str
) -> None:
    key = redis_prefix + "files:blob-lease"
    dead = RedisLease(redis_client, key, ttl_seconds=0.5).hold()
    await dead.__aenter__()  # and never leaves: its process died
    t0 = time.monotonic()
    async with RedisLease(redis_client, key, ttl_seconds=10).hold():
        waited = time.monotonic() - t0
    assert 0.3 < waited < 5
