"""Rate search: one-to-one traffic at rising rates until p99 exceeds the
limit (200 ms) or anything is lost; the highest rate that held is the
sustainable rate. A few bisection steps refine it."""

from __future__ import annotations

from typing import Any

from bench.context import Context
from bench.progress import note
from bench.result import ScenarioResult, phase_row
from bench.scenarios.pairs import pair_plan
from bench.stats import PhaseStats

MIN_RATE = 20.0


def _point(st: PhaseStats, ok: bool) -> dict[str, Any]:
    f = st.figures()
    return {
        "target_rate": round(st.target_rate, 1),
        "sent_per_s": f["sent_per_s"],
        "msgs_per_s": f["msgs_per_s"],
        "p50_ms": f["p50_ms"],
        "p99_ms": f["p99_ms"],
        "max_ms": f["max_ms"],
        "lost": st.lost,
        "duplicated": st.duplicated,
        "errors": st.errors,
        "server_cpu_pct": f.get("server_cpu_pct"),
        "other_cpu_pct": f.get("other_cpu_pct"),
        # Cluster mode only: the split over the processes, and the engines.
        **{
            k: f[k]
            for k in ("server_cpu_by_process", "engines_cpu_pct", "engines_cpu_by_name")
            if k in f
        },
        "drained": st.drained,
        "streams_closed": st.streams_closed,
        "lost_detail": st.lost_detail,
        "sustained": ok,
    }


async def run_grown(ctx: Context) -> ScenarioResult:
    """The same search, on a server started on a grown database (the caller
    starts it there, see bench.cli)."""
    return await run(ctx, "search-grown")


async def run(ctx: Context, name: str = "search") -> ScenarioResult:
    prm = ctx.params
    res = ScenarioResult(name, ctx.opts.mode)
    pop = await ctx.populate(prm.search_users)
    plan = pair_plan(pop.users, pop.online)
    best: PhaseStats | None = None
    last: PhaseStats | None = None
    failed_at: float | None = None

    async def step(rate: float) -> bool:
        nonlocal best, last, failed_at
        st = await ctx.message_phase(
            pop, plan, rate, prm.search_step_s, f"search {rate:,.0f}/s", profile=False
        )
        last = st
        ok = st.sustained(prm.search_p99_ms)
        res.curve.append(_point(st, ok))
        note(
            f"  search {rate:,.0f} msg/s: got {st.msgs_per_s:,.0f}/s, "
            f"p99 {st.p99_ms or 0:.1f} ms, lost {st.lost} -> {'ok' if ok else 'over'}"
        )
        if ok and (best is None or rate > best.target_rate):
            best = st
        if not ok and (failed_at is None or rate < failed_at):
            failed_at = rate
        return ok

    # Warm-up: every sender's first message opens its conversation, which costs
    # the server more than the rest; do that before the steps so they compare.
    warm_rate = min(prm.search_start, 500.0)
    warm = await ctx.message_phase(
        pop, plan, warm_rate, len(plan) / warm_rate + 1.0, "search warm-up", profile=False
    )
    warmup = {
        "rate": warm_rate,
        "sent": warm.sent,
        "p50_ms": warm.figures()["p50_ms"],
        "p99_ms": warm.figures()["p99_ms"],
        "lost": warm.lost,
    }

    rate = prm.search_start
    steps = 0
    if not await step(rate):
        # Even the first rate is too much: come down until one holds.
        while (
            best is None and rate / prm.search_factor >= MIN_RATE and steps < prm.search_max_steps
        ):
            rate /= prm.search_factor
            steps += 1
            await step(rate)
    else:
        while steps < prm.search_max_steps:
            rate *= prm.search_factor
            steps += 1
            if not await step(rate):
                break
    for _ in range(prm.search_refine):
        if best is None or failed_at is None or failed_at / best.target_rate < 1.05:
            break
        await step((best.target_rate + failed_at) / 2)

    res.curve.sort(key=lambda x: x["target_rate"])
    rss = ctx.server_rss_kb()
    res.figures = {
        **pop.setup_figures(),
        "p99_limit_ms": prm.search_p99_ms,
        "step_s": prm.search_step_s,
        "first_failing_rate": failed_at,
        "warmup": warmup,
        "server_rss_mb": round(rss / 1024, 1) if rss else None,
    }
    if best is not None:
        res.figures.update(best.figures())
        res.figures["sustainable_rate"] = best.target_rate
        res.rows.append(
            phase_row(
                name,
                best,
                note=f"highest sustainable; failed at {failed_at:,.0f}/s"
                if failed_at
                else "never failed (raise --search-max-steps)",
            )
        )
        res.timelines["search (best step)"] = best.timeline
    else:
        res.figures["sustainable_rate"] = None
        if last is not None:
            res.figures.update(last.figures())
            res.rows.append(phase_row(name, last, note=f"nothing sustainable >= {MIN_RATE}/s"))
    return res
