"""The registry's presence watcher sets: bounded per stream, reclaimed when emptied."""

from __future__ import annotations

from parley.config import MultiLoginPolicy
from parley.realtime.registry import Registry
from parley.realtime.sessions import Session, TokenBucket


def _session(user_id: str, device_id: str = "d") -> Session:
    return Session(object(), user_id, 1, device_id, "t", 8, TokenBucket(1.0, 1), 0)


def test_unwatched_ids_leave_no_entry() -> None:
    reg = Registry(MultiLoginPolicy.NO_KICK)
    a, b = _session("a"), _session("b")
    reg.add(a)
    reg.add(b)
    reg.watch(a, ["x", "y"], [])
    reg.watch(b, ["x"], [])
    reg.watch(a, ["z"], ["x", "y"])
    assert reg.watched_users() == 2  # x (still watched by b) and z
    assert reg.has_watchers("x") and not reg.has_watchers("y")
    reg.remove(b)
    reg.remove(a)
    assert reg.watched_users() == 0
    assert a.watching == set()


def test_watches_per_stream_are_capped() -> None:
    reg = Registry(MultiLoginPolicy.NO_KICK, watch_limit=3)
    a = _session("a")
    reg.add(a)
    reg.watch(a, [f"u{i}" for i in range(10)], [])
    assert len(a.watching) == 3
    assert reg.watched_users() == 3
    reg.watch(a, ["v"], ["u0"])
    assert a.watching is not None and "v" in a.watching and reg.watched_users() == 3
