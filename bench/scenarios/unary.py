"""Unary: closed-loop MsgService.SendMessage between user pairs, then
MsgService.PullMessages of pages from the conversations that filled."""

from __future__ import annotations

from bench import protocol as p
from bench.context import Context
from bench.result import ScenarioResult, unary_row


def single_conversation_id(a: str, b: str) -> str:
    lo, hi = sorted((a, b))
    return f"si_{lo}_{hi}"


async def run(ctx: Context) -> ScenarioResult:
    prm = ctx.params
    res = ScenarioResult("unary", ctx.opts.mode)
    pop = await ctx.register(2 * prm.unary_conversations)
    await ctx.connect(pop, open_streams=False, label="tokens")
    users = pop.users
    pairs = [(a, b) for a, b in zip(users[0::2], users[1::2], strict=False)]
    size = ctx.pool.size
    # Each worker calls as the users whose tokens it holds.
    senders: list[list[tuple[str, str]]] = [[] for _ in range(size)]
    for a, b in pairs:
        senders[pop.owner[a]].append((a, b))
        senders[pop.owner[b]].append((b, a))
    send = await ctx.unary_phase(
        [
            p.Unary(
                kind="send",
                duration=prm.unary_duration,
                concurrency=prm.unary_concurrency,
                pairs=share,
            )
            for share in senders
        ],
        "unary SendMessage",
    )
    # Each pair's conversation got about calls / pairs messages; pages past
    # the end would come back short.
    per_conv = max(1, send.calls // max(1, len(pairs)) - 1)
    pull_size = min(prm.pull_size, per_conv)
    readers: list[list[tuple[str, str, int]]] = [[] for _ in range(size)]
    for a, b in pairs:
        readers[pop.owner[a]].append((a, single_conversation_id(a, b), per_conv))
    pull = await ctx.unary_phase(
        [
            p.Unary(
                kind="pull",
                duration=prm.unary_duration,
                concurrency=prm.unary_concurrency,
                conversations=share,
                pull_size=pull_size,
            )
            for share in readers
        ],
        "unary PullMessages",
    )
    rss = ctx.server_rss_kb()
    res.figures = {
        **pop.setup_figures(),
        "target_rate": None,
        "msgs_per_s": round(send.calls_per_s, 1),
        "p50_ms": round(send.p50_ms, 2) if send.p50_ms is not None else None,
        "p99_ms": round(send.p99_ms, 2) if send.p99_ms is not None else None,
        "max_ms": round(send.max_ms, 2) if send.max_ms is not None else None,
        "sent": send.calls + sum(send.errors.values()),
        "acked": send.calls,
        "concurrency": prm.unary_concurrency * ctx.pool.size,
        "send": send.figures(),
        "pull": {
            **pull.figures(),
            "pull_size": pull_size,
            "msgs_per_pull": round(pull.items / pull.calls, 1) if pull.calls else None,
        },
        "pulls_per_s": round(pull.calls_per_s, 1),
        "pulled_msgs_per_s": round(pull.items_per_s, 1),
        "server_rss_mb": round(rss / 1024, 1) if rss else None,
    }
    res.rows.append(unary_row("unary send", send, "msg/s", _note(send.errors)))
    res.rows.append(
        unary_row(
            "unary pull",
            pull,
            "pulls/s",
            f"{pull.items_per_s:,.0f} msgs/s pulled" + _note(pull.errors, ", "),
        )
    )
    res.timelines["SendMessage"] = send.timeline
    res.timelines["PullMessages"] = pull.timeline
    return res


def _note(errors: dict[str, int], sep: str = "") -> str:
    return f"{sep}errors {errors}" if errors else ""
