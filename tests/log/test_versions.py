"""Conversation-list cursors never run ahead of writes in flight.

Regression: ListConversations returned the newest version handed out, while
the row carrying it was still being written; a device that listed in between
skipped that change for good (a second device missed an unpin)."""

from __future__ import annotations

import pytest

from parley.log.versions import HybridVersionClock, VersionClock
from parley.storage.batch import WriteBatch
from parley.storage.records import Conversation, UserConversation


def test_cursor_stays_below_pending_writes() -> None:
    clock = VersionClock(10)
    a = clock.next()
    b = clock.next()
    assert clock.safe() == 10
    clock.done([b])
    assert clock.safe() == 10  # a is still being written
    clock.done([a])
    assert clock.safe() == 12
    c = clock.next()
    clock.done([c])
    assert clock.safe() == c


def test_unreported_versions_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = VersionClock()
    clock.next()
    now = [1000.0]
    monkeypatch.setattr("parley.log.versions.time.monotonic", lambda: now[0])
    clock._pending = {1: 1000.0}
    assert clock.safe() == 0
    now[0] += VersionClock.PENDING_TTL + 1
    assert clock.safe() == 1


def test_hybrid_versions_of_two_nodes_interleave_by_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cluster regression: each gateway counted from the SQL max at its start,
    so a busy gateway's cursors ran far ahead of a quiet one's versions, and a
    change made on the quiet one was below every cursor of the busy one."""
    now = [1_000_000]
    monkeypatch.setattr("parley.log.versions.now_ms", lambda: now[0])
    busy, quiet = HybridVersionClock(5, lag_ms=100), HybridVersionClock(5, lag_ms=100)
    for _ in range(500):
        busy.done([busy.next()])
    now[0] += 150
    cursor = busy.safe()
    assert cursor <= (now[0] - 100) * 1000
    late = quiet.next()
    assert late > cursor


def test_hybrid_cursor_lags_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [2_000_000]
    monkeypatch.setattr("parley.log.versions.now_ms", lambda: now[0])
    clock = HybridVersionClock(0, lag_ms=50)
    v = clock.next()
    clock.done([v])
    assert clock.safe() < v
    now[0] += 51
    assert clock.safe() >= v


def test_restamp_lifts_only_old_versions() -> None:
    batch = WriteBatch()
    batch.conversations["c"] = Conversation("c", 1, version=5)
    batch.user_conversations.append(UserConversation("u", "c", 1, version=50))
    batch.read_marks[("u", "c")] = (3, 7)
    batch.min_seq_marks[("u", "c")] = (1, 60)
    fresh = iter(range(100, 200))
    assert batch.restamp(10, lambda: next(fresh)) == 2
    assert batch.conversations["c"].version == 100
    assert batch.user_conversations[0].version == 50
    assert batch.read_marks[("u", "c")] == (3, 101)
    assert batch.min_seq_marks[("u", "c")] == (1, 60)
