"""Partition leases on Redis: one holder per partition, shared evenly among
the live workers (regression: the first worker took every partition and a
second one stayed idle), and a leaving or dead worker's partitions move."""

from __future__ import annotations

import asyncio
import uuid

from redis.asyncio import Redis

from parley.bus.leases import PartitionLease

PARTITIONS = 8


def leases(redis: Redis, prefix: str, *owners: str, ttl_ms: int = 3000) -> list[PartitionLease]:
    return [PartitionLease(redis, prefix, o, ttl_ms, PARTITIONS) for o in owners]


async def rebalance(workers: list[PartitionLease]) -> None:
    """What the workers' partition loops do: hold, give up a surplus."""
    for _ in range(3):
        for w in workers:
            await w.beat()
        for p in range(PARTITIONS):
            for w in workers:
                if await w.hold(p) and w.surplus(p):
                    await w.release(p)


async def test_one_holder_per_partition(redis_client: Redis) -> None:
    a, b = leases(redis_client, f"t-{uuid.uuid4().hex}:", "a", "b")
    assert await a.hold(0)
    assert not await b.hold(0)
    assert await a.hold(0)  # renewed
    await a.release(0)
    assert await b.hold(0)


async def test_partitions_are_shared_evenly(redis_client: Redis) -> None:
    prefix = f"t-{uuid.uuid4().hex}:"
    (a,) = leases(redis_client, prefix, "a")
    await rebalance([a])
    assert a.held == set(range(PARTITIONS))
    b, c = leases(redis_client, prefix, "b", "c")
    await rebalance([a, b, c])
    sizes = sorted(len(w.held) for w in (a, b, c))
    assert sizes == [2, 3, 3]
    assert set().union(a.held, b.held, c.held) == set(range(PARTITIONS))
    assert not (a.held & b.held or a.held & c.held or b.held & c.held)
    # c leaves: a and b take its partitions.
    await c.leave()
    await rebalance([a, b])
    assert sorted(len(w.held) for w in (a, b)) == [4, 4]


async def test_a_dead_workers_partitions_move_after_its_ttl(redis_client: Redis) -> None:
    prefix = f"t-{uuid.uuid4().hex}:"
    a, b = leases(redis_client, prefix, "a", "b", ttl_ms=400)
    await rebalance([a, b])
    assert len(a.held) == len(b.held) == 4
    await asyncio.sleep(0.5)  # a stops beating and renewing
    await rebalance([b])
    assert b.held == set(range(PARTITIONS))
