"""Group capacity: a G-member group, N members online; a few members send,
and every online member's stream should get each message (deliveries/s =
R x (N - 1)). The message rate R comes from a rate search; the capacity is
the deliveries/s at p99 <= --group-p99-ms (100). Skipped while the server has
no groups."""

from __future__ import annotations

from bench.context import Context, Population
from bench.protocol import PlanEntry
from bench.provision import GroupsUnavailable, create_group, issue_tokens
from bench.result import ScenarioResult
from bench.scenarios.capacity import run_search

SKIPPED = "skipped: groups not implemented"


async def run(ctx: Context) -> ScenarioResult:
    prm = ctx.params
    pop = await ctx.register(prm.group_size)
    owner = pop.users[0]
    tokens = await issue_tokens(ctx.target.address, pop.admin, [owner])
    try:
        group_id = await create_group(ctx.target.address, tokens[owner], pop.users[1:])
    except GroupsUnavailable:
        res = ScenarioResult("group", ctx.opts.mode, skipped=SKIPPED)
        res.figures = {"group_size": prm.group_size, "group_online": prm.group_online}
        return res
    online = await ctx.connect(pop, pop.users[: prm.group_online])
    res = await search_group(ctx, "group", pop, online, group_id)
    res.figures.update(group_id=group_id, group_size=prm.group_size)
    return res


async def search_group(
    ctx: Context, name: str, pop: Population, online: list[str], group_id: str
) -> ScenarioResult:
    """The group search over the `online` members (also the fan-out
    ceiling's, bench/scenarios/ceiling.py)."""
    prm = ctx.params
    res = await run_search(
        ctx,
        name,
        pop,
        group_plan(online, group_id, prm.group_senders),
        limits=(prm.group_p99_ms,),
        start=prm.group_rate,
        group=True,
    )
    res.figures["group_online"] = len(online)
    return res


def group_plan(online: list[str], group_id: str, senders: int) -> list[PlanEntry]:
    """The first `senders` online members send; each message is owed to the
    other online members."""
    receivers = len(online) - 1
    return [
        PlanEntry(sender=u, group_id=group_id, expected=receivers)
        for u in online[: max(1, senders)]
    ]
