"""Connections: C idle authenticated streams; the server's resident memory
before and after opening them gives the memory per stream."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bench.context import Context, Population
from bench.result import Row, ScenarioResult


@dataclass
class IdleStreams:
    """C streams opened on a server, and its resident memory around them."""

    pop: Population
    opened: list[str]
    rss0: int | None
    rss1: int | None
    by0: dict[str, int | None] = field(default_factory=dict)
    by1: dict[str, int | None] = field(default_factory=dict)

    @property
    def kb_per_stream(self) -> float | None:
        n = len(self.opened)
        if self.rss0 is None or self.rss1 is None or not n:
            return None
        return (self.rss1 - self.rss0) / n


async def open_idle(ctx: Context, count: int, subscribe: bool = False) -> IdleStreams:
    """Registers `count` users, issues their tokens, then opens one stream
    each (Connect, or Subscribe) with the server's RSS read before and after."""
    pop = await ctx.register(count)
    await ctx.connect(pop, open_streams=False, label="tokens")
    await asyncio.sleep(1.0)
    rss0 = ctx.server_rss_kb()
    by0 = ctx.server_rss_by_process_kb()
    label = "subscribe streams" if subscribe else "streams"
    opened = await ctx.connect(pop, label=label, subscribe=subscribe)
    await asyncio.sleep(2.0)
    return IdleStreams(pop, opened, rss0, ctx.server_rss_kb(), by0, ctx.server_rss_by_process_kb())


async def run(ctx: Context) -> ScenarioResult:
    prm = ctx.params
    res = ScenarioResult("connections", ctx.opts.mode)
    idle = await open_idle(ctx, prm.connections)
    pop, rss0, rss1, by0, by1 = idle.pop, idle.rss0, idle.rss1, idle.by0, idle.by1
    await asyncio.sleep(max(0.0, prm.hold - 2.0))
    open_, closed, reasons, gen_rss = await ctx.stream_status()
    rss2 = ctx.server_rss_kb()
    n = len(idle.opened)
    kb = idle.kb_per_stream
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
