"""The rate search finds a capacity by growing, then bisecting, and reuses
its measurements for a tighter limit."""

from __future__ import annotations

import pytest

from bench.rate_search import Search, SearchPlan


def make(capacity_at: dict[float, float], plan: SearchPlan) -> tuple[Search[float], list[float]]:
    """A fake server: at rate r the 'p99' is 10 ms below the knee of each
    limit and 1 s above it; `capacity_at[limit]` is that knee."""
    calls: list[float] = []

    async def measure(rate: float) -> float:
        calls.append(rate)
        return rate

    def holds(rate: float, limit: float) -> bool:
        return rate <= capacity_at[limit]

    return Search(measure, holds, plan), calls


async def test_grows_then_bisects_to_the_tolerance() -> None:
    search, calls = make({200.0: 1234.0}, SearchPlan(start=500, factor=1.5, tolerance=0.05))
    (cap,) = await search.capacities([200.0])
    assert calls[:3] == [500, 750, 1125]  # geometric growth until the first failure
    assert calls[3] == 1687.5
    assert cap.rate is not None and cap.failed_at is not None
    assert cap.rate <= 1234 < cap.failed_at
    assert cap.failed_at / cap.rate <= 1.05
    assert cap.rate > 1234 / 1.05
    assert len(calls) == cap.steps <= 12


async def test_comes_down_when_the_start_fails() -> None:
    search, calls = make({200.0: 90.0}, SearchPlan(start=1000, factor=2, tolerance=0.1))
    (cap,) = await search.capacities([200.0])
    assert calls[:5] == [1000, 500, 250, 125, 62.5]
    assert cap.rate is not None and 90 / 1.1 <= cap.rate <= 90
    assert cap.failed_at is not None and cap.failed_at > 90


async def test_a_tighter_limit_starts_from_the_shared_points() -> None:
    search, calls = make(
        {200.0: 2000.0, 50.0: 700.0}, SearchPlan(start=500, factor=1.5, tolerance=0.05)
    )
    loose, tight = await search.capacities([200.0, 50.0])
    assert loose.rate is not None and 2000 / 1.05 <= loose.rate <= 2000
    assert tight.rate is not None and 700 / 1.05 <= tight.rate <= 700
    # The tight search began inside (500, 750): no rate was measured twice,
    # and it needed only bisection steps.
    assert len(calls) == len(set(calls))
    assert tight.steps <= 4


async def test_noise_reads_conservatively() -> None:
    """A rate that held above one that failed does not count: the capacity is
    below the lowest failure."""
    outcomes = {500.0: True, 750.0: False, 1125.0: True}

    async def measure(rate: float) -> float:
        return rate

    search: Search[float] = Search(
        measure,
        lambda r, _lim: outcomes.get(r, r < 600),
        SearchPlan(start=500, tolerance=0.05),
    )
    search.points = [(500.0, 500.0), (750.0, 750.0), (1125.0, 1125.0)]
    lo, hi = search.bracket(200.0)
    assert lo is not None and lo[0] == 500.0 and hi == 750.0
    cap = await search.capacity(200.0)
    assert cap.rate is not None and cap.rate < 600 <= (cap.failed_at or 0)


async def test_stops_at_max_steps() -> None:
    search, calls = make({200.0: 1e12}, SearchPlan(start=10, factor=2, max_steps=5))
    (cap,) = await search.capacities([200.0])
    assert len(calls) == 5
    assert cap.failed_at is None and cap.rate == 160
    assert cap.bracket is None


@pytest.mark.parametrize("start", [1.0, 37.0, 5000.0])
async def test_nothing_sustainable_ends_at_the_minimum(start: float) -> None:
    search, calls = make({200.0: 0.1}, SearchPlan(start=start, factor=2, min_rate=1.0))
    (cap,) = await search.capacities([200.0])
    assert cap.rate is None and cap.held is None
    assert min(calls) >= 1.0


async def test_steps_for_a_tighter_limit_count_for_the_looser() -> None:
    """Out of steps for the loose limit below its knee, the tight search then
    measures higher: the loose capacity is read from every point."""
    search, calls = make({200.0: 1500.0, 50.0: 1300.0}, SearchPlan(start=100, max_steps=3))
    loose, tight = await search.capacities([200.0, 50.0])
    assert calls[:3] == [100, 150, 225]
    assert tight.rate is not None and loose.rate is not None
    assert loose.rate >= tight.rate


async def test_tight_steps_do_not_drag_the_loose_capacity_down() -> None:
    """On a noisy host a low rate measured for the tight limit may fail the
    loose one too: the loose capacity its own search found stands."""
    p99 = {500.0: 150.0, 750.0: 400.0, 625.0: 300.0, 562.5: 250.0, 531.25: 250.0}

    async def measure(rate: float) -> float:
        # Above the loose search's rates a 'GC pause' at 148 msg/s: p99 260 ms.
        return p99.get(rate, 260.0 if 140 < rate < 160 else 30.0 if rate < 100 else 80.0)

    search: Search[float] = Search(
        measure, lambda v, lim: v <= lim, SearchPlan(start=500, tolerance=0.1)
    )
    loose, tight = await search.capacities([200.0, 50.0])
    assert loose.rate == 500.0 and loose.failed_at == 531.25
    assert tight.rate is not None and tight.rate < 100
