"""What every capacity scenario shares: a warm-up, then a rate search
(bench/rate_search.py) of messaging phases over a plan, under one or more p99
limits, and the figures of the step that held at each limit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.context import Context, Population
from bench.progress import note
from bench.protocol import PlanEntry
from bench.rate_search import Capacity, Search, SearchPlan
from bench.result import ScenarioResult, cpu_note, phase_row
from bench.stats import PhaseStats


def limit_key(limit: float) -> str:
    return f"p99_le_{limit:g}ms"


def _point(st: PhaseStats, limits: Sequence[float]) -> dict[str, Any]:
    f = st.figures()
    return {
        "target_rate": round(st.target_rate, 1),
        "sent_per_s": f["sent_per_s"],
        "msgs_per_s": f["msgs_per_s"],
        "deliveries_per_s": f["deliveries_per_s"],
        "p50_ms": f["p50_ms"],
        "p99_ms": f["p99_ms"],
        "max_ms": f["max_ms"],
        "gen_lag_p99_ms": f["gen_lag_p99_ms"],
        "gen_lag_max_ms": f["gen_lag_max_ms"],
        "lost": st.lost,
        "duplicated": st.duplicated,
        "errors": st.errors,
        "server_cpu_pct": f.get("server_cpu_pct"),
        "loadgen_cpu_pct": f.get("loadgen_cpu_pct"),
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
        "sustained": {limit_key(lim): st.sustained(lim) for lim in limits},
    }


def capacity_figures(cap: Capacity[PhaseStats], group: bool) -> dict[str, Any]:
    st = cap.held
    out: dict[str, Any] = {
        "p99_limit_ms": cap.limit,
        "rate": round(cap.rate, 1) if cap.rate is not None else None,
        "failed_at": round(cap.failed_at, 1) if cap.failed_at is not None else None,
        "bracket": round(cap.bracket, 3) if cap.bracket is not None else None,
        "steps": cap.steps,
    }
    if st is not None:
        out.update(
            msgs_per_s=round(st.msgs_per_s, 1),
            deliveries_per_s=round(st.deliveries_per_s, 1),
            capacity=round(st.deliveries_per_s if group else st.msgs_per_s, 1),
            p50_ms=st.p50_ms and round(st.p50_ms, 2),
            p99_ms=st.p99_ms and round(st.p99_ms, 2),
            gen_lag_p99_ms=st.gen_lag_p99_ms and round(st.gen_lag_p99_ms, 2),
            server_cpu_pct=st.cpu.get("server_cpu_pct"),
            loadgen_cpu_pct=st.cpu.get("loadgen_cpu_pct"),
            other_cpu_pct=st.cpu.get("other_cpu_pct"),
        )
    else:
        out["capacity"] = None
    return out


async def run_search(
    ctx: Context,
    name: str,
    pop: Population,
    plan: list[PlanEntry],
    *,
    limits: Sequence[float],
    start: float,
    group: bool = False,
) -> ScenarioResult:
    """The rate search over `plan` (messages/s); the first limit is the
    headline (the scenario's `capacity`, `p50_ms`, `p99_ms`, ...)."""
    prm = ctx.params
    res = ScenarioResult(name, ctx.opts.mode)
    unit = "deliv/s" if group else "msg/s"

    async def measure(rate: float) -> PhaseStats:
        st = await ctx.message_phase(
            pop, plan, rate, prm.search_step_s, f"{name} {rate:,.0f}/s", profile=False
        )
        got = st.deliveries_per_s if group else st.msgs_per_s
        verdicts = ", ".join(
            f"p99<={lim:g}: {'ok' if st.sustained(lim) else 'over'}" for lim in limits
        )
        note(
            f"  {name} {rate:,.0f} msg/s: got {got:,.0f} {unit}, p99 {st.p99_ms or 0:.1f} ms, "
            f"generator lag p99 {st.gen_lag_p99_ms or 0:.1f} ms, lost {st.lost} -> {verdicts}"
        )
        return st

    # Warm-up: every sender's first message opens its conversation, which costs
    # the server more than the rest; do that before the steps so they compare.
    warm_rate = min(start, 500.0)
    warm = await ctx.message_phase(
        pop, plan, warm_rate, len(plan) / warm_rate + 1.0, f"{name} warm-up", profile=False
    )
    search = Search(
        measure,
        lambda st, lim: st.sustained(lim),
        SearchPlan(
            start=start,
            factor=prm.search_factor,
            tolerance=prm.search_tolerance,
            max_steps=prm.search_max_steps,
            min_rate=0.5,
        ),
    )
    caps = await search.capacities(limits)
    res.curve = [_point(st, limits) for _, st in sorted(search.points, key=lambda x: x[0])]
    rss = ctx.server_rss_kb()
    res.figures = {
        **pop.setup_figures(),
        "senders": len(plan),
        "p99_limit_ms": limits[0],
        "step_s": prm.search_step_s,
        "search": {
            "start": start,
            "factor": prm.search_factor,
            "tolerance": prm.search_tolerance,
            "max_steps_per_limit": prm.search_max_steps,
            "steps": len(search.points),
        },
        "warmup": {
            "rate": warm_rate,
            "sent": warm.sent,
            "p50_ms": warm.figures()["p50_ms"],
            "p99_ms": warm.figures()["p99_ms"],
            "lost": warm.lost,
        },
        "capacities": {limit_key(c.limit): capacity_figures(c, group) for c in caps},
        "server_rss_mb": round(rss / 1024, 1) if rss else None,
    }
    head = caps[0]
    shown = (
        head.held if head.held is not None else (search.points[-1][1] if search.points else None)
    )
    if shown is not None:
        res.figures.update(shown.figures())
    res.figures["sustainable_rate"] = head.rate
    res.figures["capacity"] = res.figures["capacities"][limit_key(head.limit)]["capacity"]
    res.figures["capacity_unit"] = unit
    res.figures["first_failing_rate"] = head.failed_at
    for cap in caps:
        st = cap.held
        label = f"{name} p99<={cap.limit:g}"
        if st is None:
            if search.points:
                res.rows.append(
                    phase_row(label, search.points[-1][1], group, "nothing sustainable")
                )
            continue
        failed = f"failed at {cap.failed_at:,.0f}/s" if cap.failed_at else "never failed"
        row_note = f"capacity; {failed}" + cpu_note(st.cpu)
        if st.gen_lag_p99_ms is not None and st.gen_lag_p99_ms > 10:
            row_note += f"; generator lag p99 {st.gen_lag_p99_ms:.0f} ms"
        res.rows.append(phase_row(label, st, group, row_note))
        res.timelines[label] = st.timeline
    return res
