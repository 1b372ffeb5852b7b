"""Capacity by rate search: the highest offered rate that a scenario sustains
(see PhaseStats.sustained) under each latency limit, found by growing (or
shrinking) the rate geometrically until one step holds and the next fails,
then bisecting between them until the bracket is narrower than `tolerance`.

The measurements are shared between the limits: a second, tighter limit
starts from the bracket the earlier steps already give it. The search
assumes that a rate that holds means lower rates hold too; when noise breaks
that, the bracket is the highest holding rate below the lowest failing one
(the conservative reading)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class SearchPlan:
    start: float
    factor: float = 1.5  # growth per step until the first failure
    tolerance: float = 0.05  # stop bisecting once hi / lo <= 1 + tolerance
    max_steps: int = 12  # measurements per limit, at most
    min_rate: float = 1.0
    max_rate: float = 1e9


@dataclass
class Capacity(Generic[T]):
    """Under one limit: the highest rate that held (with its measurement)
    and the lowest that failed above it."""

    limit: float
    rate: float | None = None
    held: T | None = None
    failed_at: float | None = None
    steps: int = 0

    @property
    def bracket(self) -> float | None:
        """failed_at / rate: how fine the answer is (None if one side is missing)."""
        if self.rate is None or self.failed_at is None:
            return None
        return self.failed_at / self.rate


@dataclass
class Search(Generic[T]):
    measure: Callable[[float], Awaitable[T]]
    holds: Callable[[T, float], bool]  # (measurement, limit) -> sustained
    plan: SearchPlan
    points: list[tuple[float, T]] = field(default_factory=list)

    async def _at(self, rate: float) -> T:
        for r, m in self.points:
            if r == rate:
                return m
        m = await self.measure(rate)
        self.points.append((rate, m))
        return m

    def bracket(self, limit: float) -> tuple[tuple[float, T] | None, float | None]:
        """(highest holding point below the lowest failure, that failure)."""
        fails = [r for r, m in self.points if not self.holds(m, limit)]
        hi = min(fails) if fails else None
        ok = [(r, m) for r, m in self.points if self.holds(m, limit) and (hi is None or r < hi)]
        lo = max(ok, key=lambda x: x[0]) if ok else None
        return lo, hi

    async def capacity(self, limit: float) -> Capacity[T]:
        plan = self.plan
        steps = 0
        if not self.points:
            await self._at(plan.start)
            steps += 1
        while steps < plan.max_steps:
            lo, hi = self.bracket(limit)
            if lo is None:
                assert hi is not None
                rate = hi / plan.factor
                if rate < plan.min_rate:
                    break
            elif hi is None:
                rate = lo[0] * plan.factor
                if rate > plan.max_rate:
                    break
            else:
                if hi / lo[0] <= 1 + plan.tolerance:
                    break
                rate = (lo[0] + hi) / 2
            await self._at(rate)
            steps += 1
        return self.result(limit, steps)

    def result(self, limit: float, steps: int = 0) -> Capacity[T]:
        """The capacity under `limit` that every measurement so far gives."""
        lo, hi = self.bracket(limit)
        return Capacity(
            limit=limit,
            rate=lo[0] if lo else None,
            held=lo[1] if lo else None,
            failed_at=hi,
            steps=steps,
        )

    async def capacities(self, limits: Sequence[float]) -> list[Capacity[T]]:
        """One capacity per limit, the loosest first (its steps bracket the
        rest). A rate that held under a tighter limit and under this one
        raises a looser limit's capacity; the failures measured while
        searching for the tighter limit (lower rates, on a noisy host) do
        not lower it."""
        found: dict[float, Capacity[T]] = {}
        for lim in sorted(limits, reverse=True):
            found[lim] = await self.capacity(lim)
        for lim, cap in found.items():
            for tight in found.values():
                held = tight.held
                if (
                    tight.limit < lim
                    and held is not None
                    and tight.rate is not None
                    and (cap.rate is None or tight.rate > cap.rate)
                    and self.holds(held, lim)
                ):
                    above = [r for r, m in self.points if r > tight.rate and not self.holds(m, lim)]
                    cap.rate, cap.held = tight.rate, held
                    cap.failed_at = min(above) if above else None
        return [found[lim] for lim in limits]
