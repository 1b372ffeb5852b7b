"""Group: a G-member group, N members online; a few members send at a total
rate of R messages/s and every online member's stream should get each one
(deliveries/s = R x (N - 1)). Skipped while the server has no groups."""

from __future__ import annotations

from bench.context import Context
from bench.protocol import PlanEntry
from bench.provision import GroupsUnavailable, create_group, issue_tokens
from bench.result import ScenarioResult, cpu_note, phase_row

SKIPPED = "skipped: groups not implemented"


async def run(ctx: Context) -> ScenarioResult:
    prm = ctx.params
    res = ScenarioResult("group", ctx.opts.mode)
    pop = await ctx.register(prm.group_size)
    owner = pop.users[0]
    tokens = await issue_tokens(ctx.target.address, pop.admin, [owner])
    try:
        group_id = await create_group(ctx.target.address, tokens[owner], pop.users[1:])
    except GroupsUnavailable:
        res.skipped = SKIPPED
        res.figures = {"group_size": prm.group_size, "group_online": prm.group_online}
        return res
    online = await ctx.connect(pop, pop.users[: prm.group_online])
    receivers = len(online) - 1
    plan = [
        PlanEntry(sender=u, group_id=group_id, expected=receivers)
        for u in online[: max(1, prm.group_senders)]
    ]
    st = await ctx.message_phase(pop, plan, prm.group_rate, prm.duration, "group")
    rss = ctx.server_rss_kb()
    res.figures = {
        **st.figures(),
        **pop.setup_figures(),
        "group_id": group_id,
        "group_size": prm.group_size,
        "group_online": len(online),
        "senders": len(plan),
        "server_rss_mb": round(rss / 1024, 1) if rss else None,
    }
    note = f"{len(online)}/{prm.group_size} online"
    note += cpu_note(st.cpu)
    res.rows.append(phase_row("group", st, group=True, note=note))
    res.timelines["group"] = st.timeline
    return res
