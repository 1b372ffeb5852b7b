"""A load-generator worker process: one asyncio (uvloop) loop holding many
devices, each with its own bidirectional `GatewayService.Connect` stream (or
receive-only `Subscribe` stream) over real gRPC, driven by commands from the
coordinator (bench/pool.py)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

import grpc

from bench import protocol as p
from bench.device import Device
from bench.phase import PhaseState, cpu_seconds
from bench.pipes import read_in_thread
from bench.provision import bearer, channel_options, issue_tokens
from bench.schedule import due_by, scheduled_ns, total_for
from bench.server import read_rss_kb
from bench.unary_calls import run_unary, status_name
from parley.common.v1 import common_pb2
from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from parley.msg.v1 import msg_pb2, msg_pb2_grpc

ST = common_pb2.SessionType
PROGRESS_EVERY = 0.5


class Worker:
    def __init__(self, conn: Connection, wid: int, addresses: Sequence[str]) -> None:
        self.conn = conn
        self.wid = wid
        # The server's gateways: one embedded, several in a cluster; each
        # user talks to gateway `gateway_of[user]` (streams and unary calls).
        self.addresses = list(addresses)
        self.address = self.addresses[0]
        self.gateway_of: dict[str, int] = {}
        self.devices: dict[str, Device] = {}
        self.channels: list[grpc.aio.Channel] = []
        self.tokens: dict[str, str] = {}
        self.state = PhaseState(0)
        self.last: PhaseState | None = None  # the collected phase, for explain()
        self.unary_result: p.UnaryResult | None = None
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._pinger: asyncio.Task[None] | None = None

    # -- pipe -------------------------------------------------------------

    def _deliver(self, msg: Any) -> None:
        self._inbox.put_nowait(p.Exit() if msg is None else msg)

    def reply(self, msg: Any) -> None:
        self.conn.send(msg)

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        read_in_thread(self.conn, loop, self._deliver)
        self._pinger = loop.create_task(self._ping_loop())
        while True:
            cmd = await self._inbox.get()
            if isinstance(cmd, p.Exit):
                break
            try:
                self.reply(await self.handle(cmd))
            except Exception:
                self.reply(p.Failed(self.wid, traceback.format_exc()))
        await self.close_all()
        self._pinger.cancel()

    async def handle(self, cmd: Any) -> Any:
        if isinstance(cmd, p.Connect):
            return await self.connect(cmd)
        if isinstance(cmd, p.Begin):
            self.state = PhaseState(cmd.phase)
            return p.Ready(self.wid)
        if isinstance(cmd, p.Run):
            return await self.run(cmd)
        if isinstance(cmd, p.Collect):
            return await self.collect(cmd)
        if isinstance(cmd, p.Unary):
            return await self.unary(cmd)
        if isinstance(cmd, p.Explain):
            return await self.explain(cmd)
        if isinstance(cmd, p.Status):
            return self.status()
        if isinstance(cmd, p.Close):
            await self.close_all()
            return self.status()
        raise ValueError(f"unknown command {cmd!r}")

    async def _report_progress(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PROGRESS_EVERY)
            s = self.state
            self.reply(
                p.Progress(
                    self.wid,
                    sent=s.sent,
                    acked=s.acked,
                    delivered=s.n_delivered,
                    connected=sum(1 for d in self.devices.values() if not d.closed),
                    calls=self.unary_result.calls if self.unary_result else 0,
                )
            )

    # -- setup ------------------------------------------------------------

    async def connect(self, cmd: p.Connect) -> p.Connected:
        t0 = time.perf_counter()
        n_gw = len(self.addresses)
        gws = [
            (cmd.gateways[i] if i < len(cmd.gateways) else 0) % n_gw for i in range(len(cmd.users))
        ]
        self.gateway_of.update(zip(cmd.users, gws, strict=True))
        self.tokens.update(cmd.tokens)
        missing = [u for u in cmd.users if u not in self.tokens]
        if missing:
            self.tokens.update(
                await issue_tokens(
                    self.addresses, cmd.admin_token, missing, concurrency=cmd.token_concurrency
                )
            )
        t1 = time.perf_counter()
        connected: list[str] = []
        failed: Counter[str] = Counter()
        if cmd.open_streams:
            stop = asyncio.Event()
            progress = asyncio.get_running_loop().create_task(self._report_progress(stop))
            sem = asyncio.Semaphore(cmd.concurrency)
            per = max(1, cmd.streams_per_channel)
            base = len(self.devices)
            # Per gateway: its channels, `per` streams on each.
            stubs: list[list[gateway_pb2_grpc.GatewayServiceStub]] = [[] for _ in range(n_gw)]
            slots = [0] * n_gw
            placed: list[tuple[int, int]] = []  # (gateway, channel) of user i
            for g in gws:
                placed.append((g, slots[g] // per))
                slots[g] += 1

            async def one(i: int, uid: str) -> None:
                g, k = placed[i]
                while len(stubs[g]) <= k:
                    ch = grpc.aio.insecure_channel(self.addresses[g], options=channel_options())
                    self.channels.append(ch)
                    stubs[g].append(gateway_pb2_grpc.GatewayServiceStub(ch))
                dev = Device(self, base + i, uid, self.tokens[uid], cmd.subscribe)
                async with sem:
                    try:
                        await dev.open(stubs[g][k], timeout=60.0)
                    except Exception as e:
                        failed[status_name(e)] += 1
                        await dev.close()
                        return
                self.devices[uid] = dev
                connected.append(uid)

            try:
                await asyncio.gather(*(one(i, u) for i, u in enumerate(cmd.users)))
            finally:
                stop.set()
                await progress
        t2 = time.perf_counter()
        return p.Connected(self.wid, connected, dict(failed), t1 - t0, t2 - t1)

    async def _ping_loop(self) -> None:
        """Keeps idle streams alive: a ping on any stream quiet for 20 s (a
        Heartbeat call for a Subscribe stream)."""
        n = 0
        while True:
            await asyncio.sleep(5.0)
            cutoff = time.monotonic() - 20.0
            for dev in list(self.devices.values()):
                if dev.subscribe and not dev.closed and dev.last_send < cutoff:
                    dev.last_send = time.monotonic()
                    asyncio.get_running_loop().create_task(self._heartbeat(dev))
                elif not dev.closed and dev.last_send < cutoff:
                    n += 1
                    frame = gateway_pb2.ClientFrame(request_id=f"p{n}")
                    frame.ping.client_time_ms = time.time_ns() // 1_000_000
                    dev.send(frame)

    @staticmethod
    async def _heartbeat(dev: Device) -> None:
        assert dev.stub is not None
        req = gateway_pb2.HeartbeatRequest(device_id=dev.device_id)
        with contextlib.suppress(grpc.aio.AioRpcError):
            await dev.stub.Heartbeat(req, metadata=bearer(dev.token))

    # -- frames -----------------------------------------------------------

    def on_frame(self, dev: Device, frame: gateway_pb2.ServerFrame) -> None:
        kind = frame.WhichOneof("body")
        s = self.state
        if kind == "message":
            # The hot path of the receivers: kept lean (it bounds how many
            # deliveries/s one worker can count).
            m = frame.message.message
            ext = m.extensions
            if "t" not in ext:
                return
            now = time.time_ns()
            key = int(m.client_msg_id, 16)
            if key >> p.PHASE_SHIFT != s.phase:
                last = self.last
                if last is not None and key >> p.PHASE_SHIFT == last.phase:
                    # After its phase was collected (and maybe counted lost).
                    last.after_collect[key] = (now - int(ext["t"])) * 1e-6
                s.late += 1
                return
            tag = (key << 20) | dev.idx
            seen = s.seen
            if tag in seen:
                s.duplicated += 1
                return
            seen.add(tag)
            delivered = s.delivered
            delivered[key] = delivered.get(key, 0) + 1
            s.n_delivered += 1
            s.lat.append((now - int(ext["t"])) * 1e-6)
            s.recv_t.append((now - s.start_ns) * 1e-9)
            s.last_push = now
        elif kind == "send_ack":
            key = int(frame.send_ack.ack.client_msg_id, 16)
            entry = s.pending.pop(key, None)
            if entry is None:
                s.errors["unexpected ack"] += 1
                return
            ack = frame.send_ack.ack
            s.acked += 1
            s.acked_keys[key] = entry[1].expected
            s.ack_info[key] = (entry[1], ack.conversation_id, ack.seq)
            s.ack_lat.append((time.time_ns() - entry[0]) / 1e6)
        elif kind == "error":
            err = frame.error
            if err.client_msg_id:
                with contextlib.suppress(ValueError):
                    s.pending.pop(int(err.client_msg_id, 16), None)
            s.errors[f"{err.code}:{err.reason}"] += 1
        elif kind == "kicked":
            s.errors["kicked"] += 1

    def on_closed(self, dev: Device, reason: str) -> None:
        self.state.streams_closed += 1
        self.state.close_reasons[reason] += 1

    # -- a messaging phase ----------------------------------------------------

    async def run(self, cmd: p.Run) -> p.Sent:
        if self.state.phase != cmd.phase:
            self.state = PhaseState(cmd.phase)
        s = self.state
        s.start_ns = time.time_ns()
        s.cpu0 = cpu_seconds()
        senders = [(self.devices.get(e.sender), e) for e in cmd.plan if e.sender in self.devices]
        random.shuffle(senders)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        progress = loop.create_task(self._report_progress(stop))
        text = "x" * max(1, cmd.payload_bytes)
        t0 = loop.time()
        # Wall-clock origin of the schedule: the stamps are read in other
        # processes (the receivers' workers).
        t0_ns = time.time_ns()
        n = 0
        i = 0
        try:
            total = total_for(cmd.duration, cmd.rate) if senders else 0
            while n < total:
                due = due_by((time.time_ns() - t0_ns) * 1e-9, cmd.rate, total)
                while n < due:
                    dev, entry = senders[i]
                    i = (i + 1) % len(senders)
                    key = p.make_key(cmd.phase, self.wid, n)
                    sched = scheduled_ns(t0_ns, n, cmd.rate)
                    n += 1
                    if dev is None or not self._send(dev, key, entry, text, sched):
                        s.send_failed += 1
                if n < total:
                    ahead = scheduled_ns(t0_ns, n, cmd.rate) - time.time_ns()
                    await asyncio.sleep(max(0.001, ahead * 1e-9))
            s.send_s = loop.time() - t0
            deadline = loop.time() + cmd.ack_wait
            while s.pending and loop.time() < deadline:  # noqa: ASYNC110 (a poll)
                await asyncio.sleep(0.02)
        finally:
            stop.set()
            await progress
        return p.Sent(self.wid, s.sent, s.acked, s.send_s)

    def _send(self, dev: Device, key: int, entry: p.PlanEntry, text: str, sched_ns: int) -> bool:
        """Queues one message on its device's stream, stamped with the time it
        was due (`sched_ns`), not the time it leaves: latency and ack latency
        count the generator's own delay (no coordinated omission)."""
        frame = gateway_pb2.ClientFrame()
        cmid = f"{key:x}"
        frame.request_id = cmid
        m = frame.send.message
        m.client_msg_id = cmid
        if entry.group_id:
            m.session_type = ST.SESSION_TYPE_GROUP
            m.group_id = entry.group_id
        else:
            m.session_type = ST.SESSION_TYPE_SINGLE
            m.recv_id = entry.recv_id
        m.content.text.text = text
        m.extensions["t"] = str(sched_ns)
        s = self.state
        s.pending[key] = (sched_ns, entry)
        if not dev.send(frame):
            del s.pending[key]
            return False
        s.gen_lag.append((time.time_ns() - sched_ns) * 1e-6)
        s.sent += 1
        return True

    async def collect(self, cmd: p.Collect) -> p.PhaseResult:
        s = self.state
        loop = asyncio.get_running_loop()
        deadline = loop.time() + cmd.cap

        def busy() -> bool:
            return bool(s.pending) or time.time_ns() - s.last_push < cmd.quiet * 1e9

        while busy() and loop.time() < deadline:  # noqa: ASYNC110 (a poll)
            await asyncio.sleep(0.05)
        drained = not busy()
        if s.pending:
            s.errors["unacked"] += len(s.pending)
        result = p.PhaseResult(
            worker=self.wid,
            phase=s.phase,
            sent=s.sent,
            send_failed=s.send_failed,
            send_s=s.send_s,
            acked=s.acked_keys,
            ack_lat_ms=s.ack_lat,
            errors=dict(s.errors),
            delivered=s.delivered,
            duplicated=s.duplicated,
            late=s.late,
            lat_ms=s.lat,
            recv_t=s.recv_t,
            streams_closed=s.streams_closed,
            close_reasons=dict(s.close_reasons),
            cpu_s=cpu_seconds() - s.cpu0,
            drained=drained,
            gen_lag_ms=s.gen_lag,
        )
        self.last = s
        self.state = PhaseState(s.phase)
        return result

    async def explain(self, cmd: p.Explain) -> p.Explained:
        """What became of messages of the last phase that went missing. The
        sender's worker pulls each one's seq back as the sender, to tell
        "acked but not stored" from "stored but not pushed"; a receiver's
        worker tells whether the push came after all, too late."""
        out = p.Explained(self.wid)
        s = self.last
        if s is None or not cmd.keys:
            return out
        chans: dict[int, grpc.aio.Channel] = {}

        def stub_for(user: str) -> msg_pb2_grpc.MsgServiceStub:
            g = self.gateway_of.get(user, 0)
            if g not in chans:
                chans[g] = grpc.aio.insecure_channel(self.addresses[g], options=channel_options())
            return msg_pb2_grpc.MsgServiceStub(chans[g])

        try:
            for key in cmd.keys:
                item = p.LostMessage(key=key, late_ms=s.after_collect.get(key))
                info = s.ack_info.get(key)
                if info is None:
                    if item.late_ms is not None:
                        out.items.append(item)
                    continue
                entry, cid, seq = info
                item.sender = entry.sender
                item.receiver = entry.recv_id or entry.group_id
                item.conversation_id = cid
                item.seq = seq
                try:
                    resp = await stub_for(entry.sender).PullMessages(
                        msg_pb2.PullMessagesRequest(
                            ranges=[msg_pb2.SeqRange(conversation_id=cid, begin=seq, end=seq)]
                        ),
                        metadata=bearer(self.tokens[entry.sender]),
                        timeout=30,
                    )
                    found = [m for r in resp.results for m in r.messages if m.seq == seq]
                    item.stored = bool(
                        found and not found[0].placeholder and found[0].client_msg_id == f"{key:x}"
                    )
                    if not found:
                        item.note = "seq not returned by PullMessages"
                except grpc.aio.AioRpcError as e:
                    item.note = f"pull failed: {e.code().name}"
                out.items.append(item)
        finally:
            for ch in chans.values():
                await ch.close()
        return out

    # -- unary RPCs -------------------------------------------------------------

    async def unary(self, cmd: p.Unary) -> p.UnaryResult:
        stop = asyncio.Event()
        progress = asyncio.get_running_loop().create_task(self._report_progress(stop))
        self.unary_result = res = p.UnaryResult(self.wid, cmd.kind)
        try:
            return await run_unary(self.addresses, self.gateway_of, self.tokens, cmd, res)
        finally:
            stop.set()
            await progress

    # -- state and shutdown ---------------------------------------------------

    def status(self) -> p.StreamStatus:
        reasons: Counter[str] = Counter()
        open_ = sum(1 for d in self.devices.values() if not d.closed)
        reasons.update(self.state.close_reasons)
        return p.StreamStatus(
            self.wid,
            open_,
            len(self.devices) - open_,
            dict(reasons),
            read_rss_kb_self(),
        )

    async def close_all(self) -> None:
        devices = list(self.devices.values())
        self.devices.clear()
        await asyncio.gather(*(d.close() for d in devices), return_exceptions=True)
        for ch in self.channels:
            with contextlib.suppress(Exception):
                await ch.close()
        self.channels.clear()


def read_rss_kb_self() -> int:
    import os

    return read_rss_kb(os.getpid()) or 0


def worker_main(conn: Connection, wid: int, addresses: Sequence[str]) -> None:
    """Entry point of a spawned worker process."""
    try:
        import uvloop

        uvloop.run(Worker(conn, wid, addresses).serve())
    except ImportError:
        asyncio.run(Worker(conn, wid, addresses).serve())
    except KeyboardInterrupt:
        pass
