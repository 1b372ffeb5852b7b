"""One-to-one capacity: users online in pairs, both directions, at the rates
of a rate search (bench/scenarios/capacity.py); the sustainable msg/s under
p99 <= --search-p99-ms (200) and <= --search-tight-p99-ms (50)."""

from __future__ import annotations

from bench.context import Context, Population
from bench.result import ScenarioResult
from bench.scenarios.capacity import run_search
from bench.scenarios.pairs import pair_plan


async def run_grown(ctx: Context) -> ScenarioResult:
    """The same search, on a server started on a grown database (the caller
    starts it there, see bench.cli)."""
    return await run(ctx, "search-grown")


async def run(ctx: Context, name: str = "search") -> ScenarioResult:
    pop = await ctx.populate(ctx.params.search_users)
    return await search_pairs(ctx, name, pop)


async def search_pairs(ctx: Context, name: str, pop: Population) -> ScenarioResult:
    """The one-to-one search over the online pairs of `pop` (also the echo
    ceiling's, bench/scenarios/ceiling.py)."""
    prm = ctx.params
    return await run_search(
        ctx,
        name,
        pop,
        pair_plan(pop.users, pop.online),
        limits=(prm.search_p99_ms, prm.search_tight_p99_ms),
        start=prm.search_start,
    )
