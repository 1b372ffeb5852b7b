"""Version clocks: the change counters behind conversation-list sync cursors."""

from __future__ import annotations

import time
from collections.abc import Iterable

from parley.clock import now_ms


class VersionClock:
    """Monotonic change counter behind conversation-list sync cursors.

    A version is handed out before its row is written, so a cursor must not
    run ahead of writes still in flight: a list taken in between would skip
    that row for good. `safe()` is the highest version below every pending
    one; writers call `done()` once the row is written (or failed). Entries
    nobody reports (a path that forgot) expire after a few seconds, so a
    missed report costs a longer list, never a stuck cursor."""

    PENDING_TTL = 5.0

    def __init__(self, start: int = 0) -> None:
        self.value = start
        self._pending: dict[int, float] = {}

    def next(self) -> int:
        self.value += 1
        self._pending[self.value] = time.monotonic()
        return self.value

    def done(self, versions: Iterable[int]) -> None:
        pending = self._pending
        for v in versions:
            pending.pop(v, None)

    def safe(self) -> int:
        pending = self._pending
        if not pending:
            return self.value
        cutoff = time.monotonic() - self.PENDING_TTL
        for v in [v for v, t in pending.items() if t < cutoff]:
            del pending[v]
        return min(pending) - 1 if pending else self.value


class HybridVersionClock(VersionClock):
    """Cluster mode: versions handed out by several gateways (and rewritten
    by workers), ordered by time: `ms * 1000 + counter`, so every node's
    versions interleave in the order they were made. Another node's pending
    writes are not known here, so `safe()` also stays `lag_ms` behind the
    clock: a version older than that is written (or never will be). The
    worker restamps a write that reaches it later than its allocation plus
    `restamp_after_ms` (docs/cluster.md, "Conversation-list versions")."""

    def __init__(self, start: int, lag_ms: int) -> None:
        super().__init__(max(start, now_ms() * 1000))
        self.lag_ms = lag_ms

    def next(self) -> int:
        self.value = max(self.value, now_ms() * 1000)
        return super().next()

    def safe(self) -> int:
        return min(super().safe(), (now_ms() - self.lag_ms) * 1000)
