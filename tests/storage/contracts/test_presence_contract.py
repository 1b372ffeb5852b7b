"""PresenceStore contract: in-memory and Redis."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from parley.storage.memory.presence import MemoryPresenceStore
from parley.storage.redis.presence import RedisPresenceStore
from tests.storage.contracts.conftest import uid


@pytest.fixture(params=["memory", "redis"])
def presence(
    request: pytest.FixtureRequest, redis_client: Redis, redis_prefix: str
) -> MemoryPresenceStore:
    if request.param == "memory":
        return MemoryPresenceStore()
    return RedisPresenceStore(redis_client, redis_prefix)  # type: ignore[return-value]


async def test_routes_by_live_node(presence: MemoryPresenceStore) -> None:
    a, b, c = uid(), uid(), uid()
    n1, n2 = uid("n"), uid("n")
    await presence.heartbeat(n1, 30)
    await presence.heartbeat(n2, 30)
    await presence.set_online(a, n1)
    await presence.set_online(a, n2)
    await presence.set_online(b, n2)
    assert await presence.nodes_of([a, b, c]) == {a: {n1, n2}, b: {n2}}
    assert await presence.nodes_of([]) == {}


async def test_streams_are_counted(presence: MemoryPresenceStore) -> None:
    a, n = uid(), uid("n")
    await presence.heartbeat(n, 30)
    await presence.set_online(a, n)
    await presence.set_online(a, n)  # a second device on the same node
    await presence.set_offline(a, n)
    assert await presence.nodes_of([a]) == {a: {n}}
    await presence.set_offline(a, n)
    assert await presence.nodes_of([a]) == {}


async def test_dead_nodes_stop_counting(presence: MemoryPresenceStore) -> None:
    a, n1, n2 = uid(), uid("n"), uid("n")
    await presence.heartbeat(n1, 0.2)
    await presence.heartbeat(n2, 30)
    await presence.set_online(a, n1)
    await presence.set_online(a, n2)
    await asyncio.sleep(0.35)
    assert await presence.nodes_of([a]) == {a: {n2}}
    await presence.node_gone(n2)
    assert await presence.nodes_of([a]) == {}
