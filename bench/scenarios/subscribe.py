"""The browser's transport beside the bidi stream, on one server: the memory
per idle stream (C Connect streams, then C Subscribe streams, the server's
RSS around each, as `connections` measures it) and the push latency (U users
in pairs, 2k sending to 2k+1 over its Connect stream at R msg/s for D s; the
receivers of one half hold Connect streams, of the other Subscribe streams;
one phase per half, the same rate)."""

from __future__ import annotations

from typing import Any

from bench.context import Context
from bench.protocol import PlanEntry
from bench.result import Row, ScenarioResult, cpu_note, phase_row
from bench.scenarios.connections import open_idle

TRANSPORTS = ("connect", "subscribe")


def _one_way(users: list[str]) -> list[PlanEntry]:
    return [PlanEntry(sender=a, recv_id=b) for a, b in zip(users[0::2], users[1::2], strict=False)]


async def run(ctx: Context) -> ScenarioResult:
    prm = ctx.params
    res = ScenarioResult("subscribe", ctx.opts.mode)
    kb: dict[str, float | None] = {}
    for transport in TRANSPORTS:
        idle = await open_idle(ctx, prm.connections, subscribe=transport == "subscribe")
        per = idle.kb_per_stream
        kb[transport] = round(per, 2) if per is not None else None
        res.rows.append(
            Row(
                label=f"idle {transport}",
                target=f"{prm.connections:,} streams",
                achieved=f"{len(idle.opened):,} open",
                note=f"{per:.1f} KB/stream" if per is not None else "RSS n/a",
            )
        )
    pop = await ctx.register(prm.subscribe_users)
    half = len(pop.users) // 2
    groups = {"connect": pop.users[:half], "subscribe": pop.users[half:]}
    sub = groups["subscribe"]
    await ctx.connect(pop, groups["connect"] + sub[0::2], label="connect streams")
    await ctx.connect(pop, sub[1::2], label="subscribe streams", subscribe=True)
    push: dict[str, Any] = {}
    for transport in TRANSPORTS:
        plan = _one_way(groups[transport])
        label = f"push via {transport}"
        st = await ctx.message_phase(pop, plan, prm.subscribe_rate, prm.duration, label)
        push[transport] = st.figures()
        res.rows.append(phase_row(label, st, note=f"{len(plan)} receivers" + cpu_note(st.cpu)))
        res.timelines[label] = st.timeline
    rss = ctx.server_rss_kb()
    sub_push = push["subscribe"]
    res.figures = {
        # The Subscribe half's figures fill the keys every result has.
        **{k: sub_push.get(k) for k in ("target_rate", "msgs_per_s", "sent", "acked")},
        **{k: sub_push.get(k) for k in ("delivered", "lost", "duplicated", "max_ms")},
        "p50_ms": sub_push.get("p50_ms"),
        "p99_ms": sub_push.get("p99_ms"),
        "kb_per_stream": kb["subscribe"],
        "server_rss_mb": round(rss / 1024, 1) if rss else None,
        "idle_streams": prm.connections,
        "kb_per_stream_by_transport": kb,
        "push_by_transport": push,
        **{f"push_{k}_ms": {t: push[t].get(f"{k}_ms") for t in TRANSPORTS} for k in ("p50", "p99")},
        "users": prm.subscribe_users,
        "duration_s": prm.duration,
    }
    return res
