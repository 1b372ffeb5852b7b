"""Seq allocation contract: in-process (embedded) and Redis (cluster)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from redis.asyncio import Redis

from parley.log.seqs import SeqAllocator
from parley.storage.redis.seqs import RedisSeqs
from tests.storage.contracts.conftest import uid


@dataclass
class Seqs:
    """One backend, with the durable max it recovers from and a restart."""

    name: str
    stored: dict[str, int]
    make: Callable[[], object]
    current: object = None
    restarts: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.current = self.make()

    async def allocate(self, cid: str) -> int:
        return await self.current.allocate(cid)  # type: ignore[attr-defined,no-any-return]

    async def visible_max(self, cid: str) -> int:
        return await self.current.visible_max(cid)  # type: ignore[attr-defined,no-any-return]

    async def settle(self, cid: str, seq: int) -> None:
        if isinstance(self.current, RedisSeqs):
            await self.current.settle(cid, [seq])
        else:
            self.current.settle(cid, seq)  # type: ignore[attr-defined]

    async def lose_state(self) -> None:
        """A process restart (in-process) or a flushed Redis."""
        for r in self.restarts:
            await r()
        self.current = self.make()


@pytest.fixture(params=["memory", "redis"])
async def seqs(request: pytest.FixtureRequest, redis_client: Redis, redis_prefix: str) -> Seqs:
    stored: dict[str, int] = {}

    async def load(cid: str) -> int:
        return stored.get(cid, 0)

    if request.param == "memory":
        return Seqs("memory", stored, lambda: SeqAllocator(load))

    async def flush() -> None:
        keys = [k async for k in redis_client.scan_iter(f"{redis_prefix}*")]
        if keys:
            await redis_client.delete(*keys)

    s = Seqs("redis", stored, lambda: RedisSeqs(redis_client, load, redis_prefix, fence_ms=0))
    s.restarts.append(flush)
    return s


async def test_allocation_is_dense_and_per_conversation(seqs: Seqs) -> None:
    a, b = uid("c"), uid("c")
    assert [await seqs.allocate(a) for _ in range(3)] == [1, 2, 3]
    assert await seqs.allocate(b) == 1
    assert await seqs.allocate(a) == 4


async def test_starts_above_the_stored_max(seqs: Seqs) -> None:
    cid = uid("c")
    seqs.stored[cid] = 41
    assert await seqs.allocate(cid) == 42


async def test_concurrent_allocations_are_unique(seqs: Seqs) -> None:
    cid = uid("c")
    got = await asyncio.gather(*(seqs.allocate(cid) for _ in range(200)))
    assert sorted(got) == list(range(1, 201))


async def test_visible_max_follows_settlement(seqs: Seqs) -> None:
    cid = uid("c")
    assert await seqs.visible_max(cid) == 0
    s1, s2, s3 = [await seqs.allocate(cid) for _ in range(3)]
    await seqs.settle(cid, s1)
    assert await seqs.visible_max(cid) == 1
    await seqs.settle(cid, s2)
    await seqs.settle(cid, s3)
    assert await seqs.visible_max(cid) == 3


async def test_lost_state_never_hands_out_a_seq_twice(seqs: Seqs) -> None:
    cid = uid("c")
    for _ in range(5):
        await seqs.allocate(cid)
    seqs.stored[cid] = 5  # what the durable stores hold
    await seqs.lose_state()
    assert await seqs.allocate(cid) == 6


# -- Redis only: out-of-order settlement, holes, the recovery fence ---------


@pytest.fixture
def redis_seqs(redis_client: Redis, redis_prefix: str) -> RedisSeqs:
    async def load(cid: str) -> int:
        return 0

    return RedisSeqs(redis_client, load, redis_prefix, fence_ms=0)


async def test_visible_max_waits_for_gaps(redis_seqs: RedisSeqs) -> None:
    cid = uid("c")
    for _ in range(5):
        await redis_seqs.allocate(cid)
    assert await redis_seqs.settle(cid, [2, 3]) == 0
    assert await redis_seqs.pending(cid) == [2, 3]
    assert await redis_seqs.settle(cid, [1]) == 3
    assert await redis_seqs.settle(cid, [5]) == 3
    # 4 never arrives: declared a hole, the visible max moves past it.
    assert await redis_seqs.settle(cid, [4], hole=True) == 5
    assert await redis_seqs.holes(cid, [3, 4, 5]) == {4}
    # Settling again (a worker replaying a batch) changes nothing.
    assert await redis_seqs.settle(cid, [1, 2, 3]) == 5
    assert await redis_seqs.pending(cid) == []


async def test_a_hole_never_overrides_a_stored_seq(redis_seqs: RedisSeqs) -> None:
    cid = uid("c")
    await redis_seqs.settle(cid, [2])
    assert await redis_seqs.settle(cid, [1, 2], hole=True) == 2
    assert await redis_seqs.holes(cid, [1, 2]) == {1}


async def test_allocation_returns_redis_time(redis_seqs: RedisSeqs) -> None:
    before = int(time.time() * 1000)
    seq, at = await redis_seqs.allocate_stamped(uid("c"))
    assert seq == 1 and before - 5_000 < at < before + 5_000


async def test_lost_data_waits_out_the_fence(redis_client: Redis, redis_prefix: str) -> None:
    stored = {"c": 7}

    async def load(cid: str) -> int:
        return stored.get(cid, 0)

    s = RedisSeqs(redis_client, load, redis_prefix, fence_ms=300)
    t0 = time.monotonic()
    assert await s.allocate("c") == 8  # first use: the marker is new
    assert time.monotonic() - t0 >= 0.25
    t1 = time.monotonic()
    assert await s.allocate("d") == 1  # marker present: no wait
    assert time.monotonic() - t1 < 0.25
    keys = [k async for k in redis_client.scan_iter(f"{redis_prefix}*")]
    await redis_client.delete(*keys)
    stored["c"] = 8
    t2 = time.monotonic()
    assert await s.allocate("c") == 9
    assert time.monotonic() - t2 >= 0.25
