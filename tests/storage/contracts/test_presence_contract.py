"""PresenceStore contract: in-memory and Redis."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from parley.common.v1 import common_pb2
from parley.storage.memory.presence import MemoryPresenceStore
from parley.storage.redis.presence import RedisPresenceStore
from tests.storage.contracts.conftest import uid

P = common_pb2.Platform


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
    assert not await presence.heartbeat(n1, 30)  # first beat
    assert await presence.heartbeat(n1, 30)
    await presence.heartbeat(n2, 30)
    await presence.set_routes(n1, {a: [P.PLATFORM_IOS]})
    await presence.set_routes(n2, {a: [P.PLATFORM_WEB, P.PLATFORM_IOS], b: [P.PLATFORM_WEB]})
    assert await presence.nodes_of([a, b, c]) == {a: {n1, n2}, b: {n2}}
    assert await presence.routes_of([a, b, c]) == {
        a: {n1: [P.PLATFORM_IOS], n2: [P.PLATFORM_IOS, P.PLATFORM_WEB]},
        b: {n2: [P.PLATFORM_WEB]},
    }
    assert await presence.nodes_of([]) == {}
    assert await presence.routes_of([]) == {}


async def test_routes_are_replaced_and_removed(presence: MemoryPresenceStore) -> None:
    a, n = uid(), uid("n")
    await presence.heartbeat(n, 30)
    await presence.set_routes(n, {a: [P.PLATFORM_IOS]})
    await presence.set_routes(n, {a: [P.PLATFORM_IOS, P.PLATFORM_MACOS]})
    assert await presence.routes_of([a]) == {a: {n: [P.PLATFORM_IOS, P.PLATFORM_MACOS]}}
    await presence.set_routes(n, {a: []})
    assert await presence.nodes_of([a]) == {}
    await presence.set_routes(n, {})


async def test_dead_nodes_stop_counting(presence: MemoryPresenceStore) -> None:
    a, n1, n2 = uid(), uid("n"), uid("n")
    await presence.heartbeat(n1, 0.2)
    await presence.heartbeat(n2, 30)
    await presence.set_routes(n1, {a: [P.PLATFORM_IOS]})
    await presence.set_routes(n2, {a: [P.PLATFORM_WEB]})
    await asyncio.sleep(0.35)
    assert await presence.nodes_of([a]) == {a: {n2}}
    assert await presence.routes_of([a]) == {a: {n2: [P.PLATFORM_WEB]}}
    # An expired node learns it from its next beat (and sets its routes again).
    assert not await presence.heartbeat(n1, 30)
    await presence.node_gone(n2)
    assert await presence.nodes_of([a]) == {a: {n1}}
