"""Connections: C idle authenticated streams; the server's resident memory
before and after opening them gives the memory per stream."""

from __future__ import annotations

import asyncio

from bench.context import Context
from bench.result import Row, ScenarioResult


async def run(ctx: Context) -> ScenarioResult:
    prm = ctx.params
    res = ScenarioResult("connections", ctx.opts.mode)
    pop = await ctx.register(prm.connections)
    await ctx.connect(pop, open_streams=False, label="tokens")
    await asyncio.sleep(1.0)
    rss0 = ctx.server_rss_kb()
    by0 = ctx.server_rss_by_process_kb()
    opened = await ctx.connect(pop, label="streams")
    await asyncio.sleep(2.0)
    rss1 = ctx.server_rss_kb()
    by1 = ctx.server_rss_by_process_kb()
    await asyncio.sleep(max(0.0, prm.hold - 2.0))
    open_, closed, reasons, gen_rss = await ctx.stream_status()
    rss2 = ctx.server_rss_kb()
    n = len(opened)
    kb = (rss1 - rss0) / n if rss0 is not None and rss1 is not None and n else None
    res.figures = {
        **pop.setup_figures(),
        "connections": prm.connections,
        "connected": n,
        "open_after_hold": open_,
        "closed_during_hold": closed,
        "close_reasons": reasons,
        "streams_per_channel": prm.streams_per_channel,
        "hold_s": prm.hold,
        "server_rss_before_mb": round(rss0 / 1024, 1) if rss0 else None,
        "server_rss_mb": round(rss1 / 1024, 1) if rss1 else None,
        "server_rss_after_hold_mb": round(rss2 / 1024, 1) if rss2 else None,
        "kb_per_stream": round(kb, 2) if kb is not None else None,
        "loadgen_rss_mb": round(gen_rss / 1024, 1),
        "loadgen_kb_per_stream": round(gen_rss / n, 1) if n else None,
    }
    if len(by1) > 1:
        # Cluster: kb_per_stream is over every process; the streams live in
        # the gateways, so their growth alone is the other figure.
        mb: dict[str, list[float | None]] = {}
        grown = 0
        for name, after in by1.items():
            before = by0.get(name)
            mb[name] = [round(x / 1024, 1) if x else None for x in (before, after)]
            if name.startswith("gw") and before is not None and after is not None:
                grown += after - before
        res.figures["server_rss_by_process_mb"] = mb
        res.figures["kb_per_stream_gateways"] = round(grown / n, 2) if n else None
    gw_kb = res.figures.get("kb_per_stream_gateways")
    gateways_note = f" over {len(by1)} processes ({gw_kb:.1f} in gateways)" if gw_kb else ""
    setup = pop.setup_figures()["setup"]
    res.rows.append(
        Row(
            label="connections",
            target=f"{prm.connections:,} streams",
            achieved=f"{n:,} open",
            note=(f"{kb:.1f} KB/stream" if kb is not None else "RSS n/a")
            + gateways_note
            + f", {setup['streams_per_s']} streams/s, {closed} closed in {prm.hold:.0f}s",
        )
    )
    return res
