"""The bounded maps of parley.bounded."""

from __future__ import annotations

import gc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.bounded import ExpiringSet, Generations, LruDict, LruSet, sizes
from parley.clock import now_ms


def test_lru_dict_drops_the_least_recently_used() -> None:
    d: LruDict[str, int] = LruDict(3)
    for i, k in enumerate("abc"):
        d[k] = i
    assert d.get("a") == 0  # read: now the most recent
    assert "b" in d  # so is b
    assert d.put("d", 3) == ("c", 2)
    assert len(d) == 3 and list(d) == ["a", "b", "d"]
    assert d.peek("a") == 0 and list(d) == ["a", "b", "d"]  # peek keeps the order
    d["a"] = 9  # a write counts as use
    d["e"] = 4
    assert list(d) == ["d", "a", "e"]
    assert d.pop("a") == 9 and d.pop("zz") is None
    assert d.get("missing") is None and d.get("missing", 7) == 7


def test_lru_dict_of_cap_0_holds_nothing() -> None:
    d: LruDict[str, int] = LruDict(0)
    assert d.put("a", 1) == ("a", 1)
    assert "a" not in d and len(d) == 0
    with pytest.raises(ValueError):
        LruDict(-1)


def test_lru_set_keeps_at_most_cap_members() -> None:
    s: LruSet[int] = LruSet(100)
    s.update(range(1000))
    assert len(s) == 100
    assert 999 in s and 899 not in s
    s.discard(999)
    assert 999 not in s


def test_generations_hold_at_most_cap_keys() -> None:
    g: Generations[str] = Generations(10)
    for i in range(1000):
        g.bump(f"k{i}")
    assert len(g) == 10


# A load of `key` starts (reads its stamp), a change bumps a key, a load ends.
_ops = st.lists(
    st.tuples(st.sampled_from(["start", "bump", "end"]), st.integers(0, 3)), max_size=60
)


@settings(max_examples=500)
@given(_ops, st.integers(0, 3))
def test_a_load_that_raced_a_change_never_looks_current(
    ops: list[tuple[str, int]], cap: int
) -> None:
    """Whatever was pushed out meanwhile: a load of a key changed after the
    load started never reads as current (it would cache a stale copy)."""
    g: Generations[int] = Generations(cap)
    loads: dict[int, tuple[int, bool]] = {}  # key -> (stamp read, changed since)
    for op, key in ops:
        if op == "start":
            loads[key] = (g.of(key), False)
        elif op == "bump":
            g.bump(key)
            if key in loads:
                loads[key] = (loads[key][0], True)
        elif key in loads:
            stamp, changed = loads.pop(key)
            if changed:
                assert g.of(key) != stamp
        assert len(g) <= cap


def test_an_unchanged_key_reads_as_current() -> None:
    g: Generations[str] = Generations(2)
    g.bump("a")
    start = g.of("a")
    assert g.of("a") == start
    fresh = g.of("never-changed")
    assert g.of("never-changed") == fresh


def test_expiring_set_sweeps_expired_members_as_it_grows() -> None:
    s: ExpiringSet[int] = ExpiringSet()
    past, future = now_ms() - 1, now_ms() + 3_600_000
    s.add(-1, future)
    s.add(-1, past)  # a second add never shortens a member's life
    for i in range(10 * ExpiringSet.SWEEP_MIN):
        s.add(i, past)
    assert len(s) < ExpiringSet.SWEEP_MIN
    assert -1 in s
    s.sweep()
    assert list(s) == [-1]


def test_named_maps_are_counted_while_they_live() -> None:
    name = f"test-{id(object())}"
    a: LruDict[int, int] = LruDict(2, name)
    b: LruSet[int] = LruSet(5, name)
    a[1] = 1
    b.update([1, 2, 3])
    assert sizes()[name] == 4
    del a, b
    gc.collect()
    assert name not in sizes()
