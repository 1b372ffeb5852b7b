"""The transport ceilings: the one-to-one and group searches, unchanged (same
users, plan, steps and limits), against the bare grpc.aio servers of
bench/bare.py (echo, fanout) instead of Parley. Every Parley capacity is then
read as a fraction of what the transport and this load generator allow on the
same host in the same run (bench.cli attaches it as `transport_ceiling`)."""

from __future__ import annotations

from bench.context import Context
from bench.result import ScenarioResult
from bench.scenarios.group import search_group
from bench.scenarios.search import search_pairs

ECHO = "ceiling-echo"
FANOUT = "ceiling-fanout"
# Which ceiling each Parley scenario reads against.
CEILING_OF = {
    "search": ECHO,
    "search-grown": ECHO,
    "group": FANOUT,
}
BARE_MODE = {ECHO: "echo", FANOUT: "fanout"}


async def run_echo(ctx: Context) -> ScenarioResult:
    pop = ctx.unregistered(ctx.params.search_users)
    await ctx.connect(pop)
    return await search_pairs(ctx, ECHO, pop)


async def run_fanout(ctx: Context) -> ScenarioResult:
    pop = ctx.unregistered(ctx.params.group_online)
    online = await ctx.connect(pop)
    return await search_group(ctx, FANOUT, pop, online, "bare-group")
