"""One-to-one: U users online in pairs, sending at a total rate R for D
seconds over their streams; end-to-end latency from the send time in each
message to its push on the peer's stream."""

from __future__ import annotations

from bench.context import Context
from bench.result import ScenarioResult, cpu_note, phase_row
from bench.scenarios.pairs import pair_plan


async def run(ctx: Context) -> ScenarioResult:
    prm = ctx.params
    pop = await ctx.populate(prm.users)
    plan = pair_plan(pop.users, pop.online)
    st = await ctx.message_phase(pop, plan, prm.rate, prm.duration, "one-to-one")
    rss = ctx.server_rss_kb()
    res = ScenarioResult("one-to-one", ctx.opts.mode)
    res.figures = {
        **st.figures(),
        **pop.setup_figures(),
        "senders": len(plan),
        "server_rss_mb": round(rss / 1024, 1) if rss else None,
    }
    note = f"{len(pop.online)} online"
    note += cpu_note(st.cpu)
    res.rows.append(phase_row("one-to-one", st, note=note))
    res.timelines["one-to-one"] = st.timeline
    return res
