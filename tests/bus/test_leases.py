"""Partition leases on Redis: one holder per partition, shared evenly among
the live workers (regression: the first worker took every partition and a
second one stayed idle), and a leaving or dead worker's partitions move."""

from __future__ import annotations

import asyncio
import uuid

from redis.asyncio import Redis

from parley.bus.leases import PartitionLease
from parley.bus.worker import Worker
from tests.bus.conftest import Bus
from tests.bus.test_pipeline import append, until

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


class Flow:
    """Messages appended to a few conversations while workers come and go."""

    def __init__(self, bus: Bus, redis: Redis, conversations: int) -> None:
        self.bus = bus
        self.redis = redis
        self.sent = {f"si_{uuid.uuid4().hex[:6]}_{i}": 0 for i in range(conversations)}

    def worker(self, owner: str) -> Worker:
        lease = PartitionLease(
            self.redis, f"{self.bus.cfg.prefix}:", owner, 1500, self.bus.cfg.partitions
        )
        return self.bus.worker(lease=lease)

    def start(self, n: int, pause: float) -> asyncio.Task[None]:
        async def load() -> None:
            cids = list(self.sent)
            for i in range(n):
                cid = cids[i % len(cids)]
                await append(self.bus, cid, "s", ["s", "r"], f"m{i}")
                self.sent[cid] += 1
                await asyncio.sleep(pause)

        return asyncio.create_task(load())

    async def all_stored(self) -> None:
        """Every message stored, none a hole, the visible max at the end."""

        async def settled() -> bool:
            got = [await self.bus.seqs.visible_max(c) for c in self.sent]
            return got == list(self.sent.values())

        await until(settled, 20)
        for cid, n in self.sent.items():
            rows = await self.bus.store.get_range(cid, 1, n)
            assert [r.seq for r in rows] == list(range(1, n + 1)), cid


async def test_a_partition_handed_over_under_load_loses_nothing(
    bus: Bus, redis_client: Redis
) -> None:
    """A second worker joins while messages flow: the first gives up half
    of the partitions between batches (NAKing what it was delivered but had
    not processed), the second takes them."""
    flow = Flow(bus, redis_client, 6)
    first, second = flow.worker("w1"), flow.worker("w2")
    first.start()
    load = flow.start(240, 0.01)
    await asyncio.sleep(0.5)
    second.start()
    await load
    await flow.all_stored()
    assert first.stored > 0 and second.stored > 0
    assert first.stored + second.stored >= sum(flow.sent.values())


async def test_a_worker_stopped_under_load_hands_its_batches_back(
    bus: Bus, redis_client: Redis
) -> None:
    """A worker stopped (deploy) mid-batch released its leases at once: the
    next holder stored later messages while the cut-short batch stayed
    unacked until ack_wait, by which time its seqs had become holes."""
    flow = Flow(bus, redis_client, 4)
    first = flow.worker("w1")
    first.start()
    load = flow.start(300, 0.005)
    await asyncio.sleep(0.6)
    await first.stop()
    flow.worker("w2").start()
    await load
    await flow.all_stored()
