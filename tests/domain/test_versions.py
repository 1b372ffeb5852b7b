"""Conversation-list cursors never run ahead of writes in flight.

Regression: ListConversations returned the newest version handed out, while
the row carrying it was still being written; a device that listed in between
skipped that change for good (a second device missed an unpin)."""

from __future__ import annotations

import pytest

from parley.domain.conversation_log import VersionClock


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
    monkeypatch.setattr("parley.domain.conversation_log.time.monotonic", lambda: now[0])
    clock._pending = {1: 1000.0}
    assert clock.safe() == 0
    now[0] += VersionClock.PENDING_TTL + 1
    assert clock.safe() == 1
