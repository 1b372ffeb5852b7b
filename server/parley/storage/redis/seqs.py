"""Seq allocation and the visible max on Redis (cluster mode).

Keys, per conversation c (under the prefix):
  seq:{c}   the last seq handed out (INCR)
  vis:{c}   the visible max: every seq up to it is stored or a known hole
  done:{c}  settled seqs above vis:{c} (a sorted set, drained as vis advances)
  holes:{c} seqs declared holes, so a message that shows up for one later is
            dropped instead of filling a seq clients already saw as a hole
and one marker, seq:epoch, created with the first counter. A counter missing
starts above the highest seq the stores and the log know (0 for a new
conversation). A missing marker means Redis lost its data (flushed, or
restarted without persistence): counters are rebuilt the same way, but only after a fence
(the publish deadline plus clock-skew margin) so that every seq handed out by
the lost counters has reached the log, or will be refused by the workers as
late. So a flushed Redis never hands out a seq twice.

Redis must not evict these keys (maxmemory-policy noeviction)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from redis.asyncio import Redis

from parley.clock import now_ms

# Allocation: INCR, or say the counter is missing (-1) unless a floor is given.
# Also returns Redis' clock, the allocation time the workers' late rule uses.
_ALLOCATE = """
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[1] == '' then return {-1, ms} end
  redis.call('SET', KEYS[1], ARGV[1])
end
return {redis.call('INCR', KEYS[1]), ms}
"""

# Settles seqs (stored, or holes with ARGV[2] == 'hole') and advances the
# visible max over every contiguous settled seq. ARGV[1] is the visible max
# to start from when vis is missing ('' = unknown: returns -1).
_SETTLE = """
local v = redis.call('GET', KEYS[1])
if not v then
  if ARGV[1] == '' then return -1 end
  v = ARGV[1]
end
v = tonumber(v)
local hole = ARGV[2] == 'hole'
for i = 3, #ARGV do
  local s = tonumber(ARGV[i])
  if s > v then
    if hole then
      if not redis.call('ZSCORE', KEYS[2], ARGV[i]) then
        redis.call('ZADD', KEYS[2], s, ARGV[i])
        redis.call('SADD', KEYS[3], ARGV[i])
        redis.call('EXPIRE', KEYS[3], 604800)
      end
    else
      redis.call('ZADD', KEYS[2], s, ARGV[i])
    end
  end
end
while true do
  local first = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #first == 0 then break end
  local s = tonumber(first[1])
  if s > v + 1 then break end
  redis.call('ZREM', KEYS[2], first[1])
  if s > v then v = s end
end
redis.call('SET', KEYS[1], v)
return v
"""

FloorLoader = Callable[[str], Awaitable[int]]


class RedisSeqs:
    def __init__(
        self,
        redis: Redis,
        load_floor: FloorLoader,
        prefix: str = "parley:",
        fence_ms: int = 0,
        load_visible: FloorLoader | None = None,
    ) -> None:
        """`load_floor(c)`: the highest seq the durable stores (and the log)
        know for c, used to rebuild a lost counter; `load_visible(c)`: the
        highest stored seq, answered for a lost visible max until a worker
        rebuilds it (default: load_floor)."""
        self._r = redis
        self._load_floor = load_floor
        self._load_visible = load_visible or load_floor
        self._p = prefix
        self._marker = f"{prefix}seq:epoch"
        self.fence_ms = fence_ms
        self._alloc = redis.register_script(_ALLOCATE)
        self._settle = redis.register_script(_SETTLE)

    def _keys(self, conversation_id: str) -> list[str]:
        p = self._p
        return [
            f"{p}vis:{conversation_id}",
            f"{p}done:{conversation_id}",
            f"{p}holes:{conversation_id}",
        ]

    async def _fence(self) -> bool:
        """Waits out the recovery fence. True when Redis had lost its data
        (the marker was missing or still fencing)."""
        end = now_ms() + self.fence_ms
        if await self._r.set(self._marker, str(end), nx=True):
            lost = True
        else:
            end = int(await self._r.get(self._marker) or 0)
            lost = end > now_ms()
        wait = end - now_ms()
        if wait > 0:
            await asyncio.sleep(wait / 1000)
        return lost

    async def marker_present(self) -> bool:
        return bool(await self._r.exists(self._marker))

    async def allocate(self, conversation_id: str) -> int:
        seq, _ = await self.allocate_stamped(conversation_id)
        return seq

    async def allocate_stamped(self, conversation_id: str) -> tuple[int, int]:
        """(seq, allocation time in Redis' clock, Unix ms)."""
        key = f"{self._p}seq:{conversation_id}"
        seq, ms = await self._alloc(keys=[key], args=[""])
        if int(seq) < 0:
            # A new conversation, or a lost counter: start above what the
            # stores and the log hold (one read per conversation, once).
            await self._fence()
            floor = await self._load_floor(conversation_id)
            seq, ms = await self._alloc(keys=[key], args=[str(floor)])
        return int(seq), int(ms)

    async def visible_max(self, conversation_id: str) -> int:
        v = await self._r.get(f"{self._p}vis:{conversation_id}")
        if v is not None:
            return int(v)
        if await self.marker_present():
            return 0
        return await self._load_visible(conversation_id)

    async def settle(
        self,
        conversation_id: str,
        seqs: Iterable[int],
        hole: bool = False,
        floor: int | None = None,
    ) -> int:
        """Marks seqs stored (or holes) and returns the new visible max.
        `floor`: where the visible max starts when it is missing; None means
        0 for a new conversation, the stores' max after a data loss."""
        args = [str(s) for s in seqs]
        keys = self._keys(conversation_id)
        head = "" if floor is None else str(floor)
        v = int(await self._settle(keys=keys, args=[head, "hole" if hole else "stored", *args]))
        if v < 0:
            start = 0
            if not await self.marker_present():
                start = await self._load_visible(conversation_id)
            v = int(await self._settle(keys=keys, args=[str(start), "hole" if hole else "", *args]))
        return v

    async def holes(self, conversation_id: str, seqs: Iterable[int]) -> set[int]:
        """Which of `seqs` were declared holes."""
        args = [str(s) for s in seqs]
        if not args:
            return set()
        flags = await self._r.smismember(f"{self._p}holes:{conversation_id}", args)  # type: ignore[misc]
        return {int(s) for s, f in zip(args, flags, strict=True) if f}

    async def pending(self, conversation_id: str) -> list[int]:
        """Settled seqs still waiting above the visible max (a gap below them)."""
        got = await self._r.zrange(f"{self._p}done:{conversation_id}", 0, -1)
        return [int(str(s)) for s in got]
