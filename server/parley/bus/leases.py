"""Which worker consumes which partition.

One worker at a time consumes a partition. A pull consumer's max_ack_pending
bounds the unacked messages, not the fetchers: two workers fetching small
batches would each hold part of a partition and persist (and push) it out of
order. The holder renews its lease (`lease:partition:<p>`) on every fetch; a
dead holder's lease expires after `ttl_ms` (its unacked messages are
redelivered after ack_wait, which the ttl exceeds).

Workers share the partitions evenly: each one says it is alive in the sorted
set `workers` (score: when that expires), holds at most
ceil(partitions / live workers) leases and gives up its surplus between
batches, so a worker that joins gets partitions within seconds (the first
cluster benchmark found one worker doing all the work and the other idle)."""

from __future__ import annotations

import math
import time

from redis.asyncio import Redis

# Take the lease if free, or renew it if ours: 1 when held.
_HOLD = """
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

# Say this worker is alive until ARGV[2] (ms), forget expired ones, and
# return how many are alive.
_ALIVE = """
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
return redis.call('ZCARD', KEYS[1])
"""


class PartitionLease:
    def __init__(self, redis: Redis, prefix: str, owner: str, ttl_ms: int, partitions: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self.owner = owner
        self.ttl_ms = ttl_ms
        self.partitions = partitions
        self._hold = redis.register_script(_HOLD)
        self._alive = redis.register_script(_ALIVE)
        self.held: set[int] = set()
        # How many partitions this worker should hold (all, until its first beat).
        self.share = partitions
        self._beat_at = 0.0

    def _key(self, partition: int) -> str:
        return f"{self._prefix}lease:partition:{partition}"

    async def beat(self) -> int:
        """Says this worker is alive; returns how many workers are."""
        now = int(time.time() * 1000)
        alive = int(
            await self._alive(
                keys=[f"{self._prefix}workers"],
                args=[self.owner, str(now + self.ttl_ms), str(now)],
            )
        )
        self.share = math.ceil(self.partitions / max(1, alive))
        return alive

    async def hold(self, partition: int) -> bool:
        """Takes or renews the partition's lease; False when another worker
        holds it, or when taking it would put this worker over its share."""
        if time.monotonic() - self._beat_at > self.ttl_ms / 3000:
            self._beat_at = time.monotonic()
            await self.beat()
        if partition not in self.held and len(self.held) >= self.share:
            return False
        args = [self.owner, str(self.ttl_ms)]
        ok = bool(await self._hold(keys=[self._key(partition)], args=args))
        if ok:
            self.held.add(partition)
        else:
            self.held.discard(partition)
        return ok

    def surplus(self, partition: int) -> bool:
        """Whether this worker should give the partition up (it holds more
        than its share, and this is one of its highest-numbered ones)."""
        return partition in sorted(self.held)[self.share :]

    async def release(self, partition: int) -> None:
        self.held.discard(partition)
        key = self._key(partition)
        if await self._redis.get(key) == self.owner:
            await self._redis.delete(key)

    async def leave(self) -> None:
        """This worker stops: its partitions go to the others at once."""
        for p in sorted(self.held):
            await self.release(p)
        await self._redis.zrem(f"{self._prefix}workers", self.owner)
