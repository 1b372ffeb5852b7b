"""What a scenario works with: the target server, the worker pool, and the
steps every scenario shares (populate users, run a messaging phase, run a
unary phase), each with a progress bar."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench import protocol as p
from bench.config import Options, Params
from bench.cpu import CpuSnapshot, snapshot, usage
from bench.pool import WorkerPool
from bench.profiling import Profiler
from bench.progress import Bar, note
from bench.provision import admin_token, register_users, user_ids
from bench.server import Target, read_rss_kb, read_rss_kb_sum
from bench.stats import PhaseStats, UnaryStats, merge_phase, merge_unary


@dataclass
class Population:
    """Registered users; `online` ones hold a stream in worker `owner[u]`."""

    users: list[str]
    admin: str
    online: list[str] = field(default_factory=list)
    # Tokens known up front (the bare transport servers take any token).
    tokens: dict[str, str] = field(default_factory=dict)
    owner: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    register_s: float = 0.0
    tokens_s: float = 0.0
    connect_s: float = 0.0
    # Cluster: online users per gateway process (gw1, gw2, ...).
    by_gateway: dict[str, int] = field(default_factory=dict)
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def gateway(self, user: str, gateways: int) -> int:
        """The gateway a user talks to: user i to gateway i % N, so that
        neighbours (the one-to-one pairs 2k, 2k+1) sit on different gateways."""
        if not self._index:
            self._index = {u: i for i, u in enumerate(self.users)}
        return self._index[user] % gateways

    def setup_figures(self) -> dict[str, Any]:
        by_gateway = (
            {"online_by_gateway": dict(sorted(self.by_gateway.items()))}
            if len(self.by_gateway) > 1
            else {}
        )
        return {
            "users": len(self.users),
            "online": len(self.online),
            **by_gateway,
            "connect_failed": self.failed,
            "setup": {
                "register_s": round(self.register_s, 2),
                "tokens_s": round(self.tokens_s, 2),
                "connect_s": round(self.connect_s, 2),
                "tokens_per_s": round(len(self.owner) / self.tokens_s, 1)
                if self.tokens_s
                else None,
                "streams_per_s": round(len(self.online) / self.connect_s, 1)
                if self.connect_s
                else None,
            },
        }


class Context:
    def __init__(self, opts: Options, target: Target, pool: WorkerPool, scenario: str) -> None:
        self.opts = opts
        self.params: Params = opts.params
        self.target = target
        self.pool = pool
        self.scenario = scenario
        self.phase = 0
        self.profiler = Profiler(opts, target, scenario)
        self.gateways = len(target.gateway_addresses())

    # -- the server process -----------------------------------------------------

    def server_rss_kb(self) -> int | None:
        """Resident memory of the server: the sum over a cluster's processes."""
        return read_rss_kb_sum(self.target.server_pids().values())

    def server_rss_by_process_kb(self) -> dict[str, int | None]:
        return {name: read_rss_kb(pid) for name, pid in self.target.server_pids().items()}

    def cpu(self) -> CpuSnapshot:
        return snapshot(self.target.server_pids(), self.pool.pids(), self.target.engine_comms)

    # -- setup ------------------------------------------------------------------

    async def register(self, count: int) -> Population:
        """Registers `count` fresh users (RegisterUsers, 1000 per call)."""
        admin = await admin_token(self.target.address, self.target.admin_secret)
        pop = Population(user_ids(count, secrets.token_hex(3)), admin)
        t0 = time.perf_counter()
        await register_users(self.target.address, admin, pop.users)
        pop.register_s = time.perf_counter() - t0
        return pop

    def unregistered(self, count: int) -> Population:
        """`count` users the server does not know, with placeholder tokens:
        for the bare transport servers (bench/bare.py), which check nothing."""
        users = user_ids(count, secrets.token_hex(3))
        return Population(users, admin="", tokens=dict.fromkeys(users, "bare"))

    async def connect(
        self,
        pop: Population,
        users: list[str] | None = None,
        open_streams: bool = True,
        label: str = "connect",
        subscribe: bool = False,
    ) -> list[str]:
        """Spreads `users` (default all) over the workers, which issue their
        tokens and, if `open_streams`, open one stream each. Returns the users
        whose stream opened."""
        chosen = pop.users if users is None else users
        size = self.pool.size
        shares: list[list[str]] = [[] for _ in range(size)]
        for u in chosen:
            w = pop.owner.setdefault(u, len(pop.owner) % size)
            shares[w].append(u)
        bar = Bar(len(chosen), label, unit="streams", enabled=self.opts.progress and open_streams)

        def on_progress(prog: dict[int, p.Progress]) -> None:
            bar.update_to(sum(x.connected for x in prog.values()))

        self.pool.on_progress = on_progress
        try:
            replies: list[p.Connected] = await self.pool.each(
                [
                    p.Connect(
                        users=share,
                        gateways=[pop.gateway(u, self.gateways) for u in share],
                        admin_token=pop.admin,
                        tokens={u: pop.tokens[u] for u in share if u in pop.tokens},
                        open_streams=open_streams,
                        subscribe=subscribe,
                        streams_per_channel=self.params.streams_per_channel,
                        concurrency=self.params.connect_concurrency,
                    )
                    for share in shares
                ]
            )
        finally:
            bar.close()
            self.pool.on_progress = None
        failed: Counter[str] = Counter(pop.failed)
        opened: list[str] = []
        for r in replies:
            opened.extend(r.connected)
            failed.update(r.failed)
        pop.tokens_s += max(r.tokens_s for r in replies)
        pop.connect_s += max(r.connect_s for r in replies)
        pop.failed = dict(failed)
        if failed:
            note(f"  {sum(failed.values())} streams failed to open: {dict(failed)}")
        pop.online.extend(opened)
        if self.gateways > 1:
            for u in opened:
                g = f"gw{pop.gateway(u, self.gateways) + 1}"
                pop.by_gateway[g] = pop.by_gateway.get(g, 0) + 1
        return opened

    async def populate(self, count: int, online: int | None = None) -> Population:
        """Registers `count` users and connects the first `online` (default all)."""
        pop = await self.register(count)
        await self.connect(pop, pop.users[: count if online is None else online])
        return pop

    async def settle(self, idle_pct: float = 15.0, cap: float = 90.0) -> float:
        """Waits until the server is idle (a backlog of an earlier phase would
        skew the next one; in a cluster, every process under `idle_pct`).
        Returns the seconds waited."""
        if not self.target.server_pids():
            return 0.0
        t0 = time.monotonic()
        while time.monotonic() - t0 < cap:
            a = self.cpu()
            await asyncio.sleep(0.5)
            cpu = usage(a, self.cpu())
            by_process = cpu.get("server_cpu_by_process")
            server = max(by_process.values()) if by_process else cpu.get("server_cpu_pct")
            if server is None or server < idle_pct:
                break
        return time.monotonic() - t0

    # -- phases -----------------------------------------------------------------

    async def message_phase(
        self,
        pop: Population,
        plan: list[p.PlanEntry],
        rate: float,
        duration: float,
        label: str,
        profile: bool = True,
    ) -> PhaseStats:
        """Sends `rate` messages/s for `duration` s, spread over the plan's
        senders (each in the worker that holds its stream), then collects."""
        self.phase += 1
        waited = await self.settle()
        if waited > 2:
            note(f"  waited {waited:.0f}s for the server to finish earlier work")
        per: list[list[p.PlanEntry]] = [[] for _ in range(self.pool.size)]
        for e in plan:
            if e.sender in pop.owner:
                per[pop.owner[e.sender]].append(e)
        total = sum(len(x) for x in per) or 1
        cmds = [
            p.Run(
                phase=self.phase,
                rate=rate * len(x) / total,
                duration=duration,
                plan=x,
                payload_bytes=self.params.payload_bytes,
                ack_wait=self.params.drain_cap,
            )
            for x in per
        ]
        # Every worker counts the new phase before any of them sends.
        await self.pool.all(p.Begin(self.phase))
        bar = Bar(duration, label, enabled=self.opts.progress)
        loop = asyncio.get_running_loop()
        t0 = loop.time()

        def on_progress(prog: dict[int, p.Progress]) -> None:
            el = loop.time() - t0
            sent = sum(x.sent for x in prog.values())
            got = sum(x.delivered for x in prog.values())
            bar.update_to(
                el,
                sent=sent,
                acked=sum(x.acked for x in prog.values()),
                recv=got,
                rate=f"{sent / el:.0f}/s" if el > 0 else "-",
            )

        cpu0 = self.cpu()
        cpu1: list[CpuSnapshot] = []
        timer = loop.call_later(duration, lambda: cpu1.append(self.cpu()))
        prof = self.profiler.start(label, duration) if profile else None
        self.pool.on_progress = on_progress
        try:
            await self.pool.each(cmds)
            results: list[p.PhaseResult] = await self.pool.all(
                p.Collect(quiet=1.0, cap=self.params.drain_cap)
            )
        finally:
            timer.cancel()
            bar.close()
            self.pool.on_progress = None
        if prof is not None:
            await self.profiler.finish(prof)
        stats = merge_phase(results, rate, duration)
        stats.cpu = usage(cpu0, cpu1[0] if cpu1 else self.cpu())
        if stats.lost_keys:
            stats.lost_detail = await self.explain(stats.lost_keys)
            stored = sum(1 for d in stats.lost_detail if d["stored"])
            late = sum(1 for d in stats.lost_detail if d["late_ms"] is not None)
            note(
                f"  {label}: {stats.lost} deliveries missing; of {len(stats.lost_detail)} "
                f"looked up, {stored} are stored and {late} were pushed after the drain"
            )
        return stats

    async def explain(self, keys: list[int]) -> list[dict[str, Any]]:
        """Asks the workers what became of these messages (the sender's worker
        checks the store; a receiver's worker tells whether the push came late)."""
        await asyncio.sleep(2.0)  # a last chance for stragglers
        replies: list[p.Explained] = await self.pool.all(p.Explain(keys))
        merged: dict[int, p.LostMessage] = {}
        for r in replies:
            for item in r.items:
                have = merged.get(item.key)
                if have is None:
                    merged[item.key] = item
                    continue
                if item.sender:
                    item.late_ms = item.late_ms if item.late_ms is not None else have.late_ms
                    merged[item.key] = item
                elif item.late_ms is not None:
                    have.late_ms = item.late_ms
        out = []
        for key in keys:
            if key in merged:
                d = dataclasses.asdict(merged[key])
                d["key"] = f"{key:x}"
                out.append(d)
        return out

    async def unary_phase(self, cmds: list[p.Unary], label: str) -> UnaryStats:
        """Runs cmds[i] in worker i (each uses the tokens of its own users)."""
        duration = max(c.duration for c in cmds)
        bar = Bar(duration, label, enabled=self.opts.progress)
        loop = asyncio.get_running_loop()
        t0 = loop.time()

        def on_progress(prog: dict[int, p.Progress]) -> None:
            el = loop.time() - t0
            calls = sum(x.calls for x in prog.values())
            bar.update_to(el, calls=calls, rate=f"{calls / el:.0f}/s" if el > 0 else "-")

        cpu0 = self.cpu()
        prof = self.profiler.start(label, duration)
        self.pool.on_progress = on_progress
        try:
            results: list[p.UnaryResult] = await self.pool.each(cmds)
        finally:
            bar.close()
            self.pool.on_progress = None
        cpu1 = self.cpu()
        if prof is not None:
            await self.profiler.finish(prof)
        stats = merge_unary(results)
        stats.cpu = usage(cpu0, cpu1)
        return stats

    async def stream_status(self) -> tuple[int, int, dict[str, int], int]:
        """(open, closed, close reasons, load-generator RSS KiB) over all workers."""
        replies: list[p.StreamStatus] = await self.pool.all(p.Status())
        reasons: Counter[str] = Counter()
        for r in replies:
            reasons.update(r.close_reasons)
        return (
            sum(r.open for r in replies),
            sum(r.closed for r in replies),
            dict(reasons),
            sum(r.rss_kb for r in replies),
        )
