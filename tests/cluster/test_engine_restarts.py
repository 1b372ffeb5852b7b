"""Cluster mode through engine restarts: Redis and NATS are stopped (SIGTERM,
a clean shutdown) and started again with their data while clients on two
gateways keep sending, resending the same client_msg_id until acked as an
SDK does. Afterwards every acked message is stored exactly once, at its
acked seq, and what each client was pushed agrees with the stored log.

The engines are the test's own (`engine_cluster`): the shared ones stay up."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import grpc
import pytest
from nats.js import JetStreamContext
from redis.exceptions import ConnectionError as RedisConnectionError

from parley.bus.codec import MSG, Envelope
from parley.bus.jetstream import BusConfig, Publisher, connect, ensure_stream
from parley.bus.pipeline import ClusterAppender
from parley.bus.subjects import partition_filter
from parley.bus.worker import Worker
from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.gateway.v1 import gateway_pb2
from parley.group.v1 import group_pb2, group_pb2_grpc
from parley.msg.v1 import msg_pb2
from parley.storage.redis.seqs import RedisSeqs
from tests.bus import conftest as bus_fixtures
from tests.bus.conftest import Bus
from tests.cluster.chat import admin_api, until
from tests.cluster.conftest import Cluster, EngineCluster, EngineProcess
from tests.harness import Api, Device, bearer, new_user_id, pull_all
from tests.storage.contracts.rows import chat_batch

pytestmark = pytest.mark.cluster

# The pipeline on the shared engines, for the component tests at the end.
bus, nats_client = bus_fixtures.bus, bus_fixtures.nats_client

P = common_pb2.Platform
ST = common_pb2.SessionType
CODES = {c.value[0]: c.name for c in grpc.StatusCode}
# Longer than publish_deadline + skew_margin (5 s): a send allocated before
# the stop cannot reach the log in time after the start.
OUTAGE_SECONDS = 6.0


@dataclass
class Sent:
    conversation_id: str
    seq: int
    text: str
    at: float


@dataclass
class Client:
    """One device driven like an SDK: a send is resent with the same
    client_msg_id (after an error frame, a timeout or a closed stream, on a
    reopened stream) until it is acked."""

    cluster: Cluster
    user: str
    token: str
    gateway: int
    device_id: str
    dev: Device | None = None
    acked: list[Sent] = field(default_factory=list)
    pushed: list[tuple[str, int, str]] = field(default_factory=list)
    failures: list[tuple[float, str]] = field(default_factory=list)
    resends: int = 0

    async def open(self) -> None:
        if self.dev is not None:
            self._collect()
            await self.dev.close()
            self.dev = None
        d = Device(
            self.cluster.gateways[self.gateway].address, self.token, P.PLATFORM_IOS, self.device_id
        )
        try:
            await d.open()
        except BaseException:
            await d.close()
            raise
        self.dev = d

    def _collect(self) -> None:
        assert self.dev is not None
        for f in self.dev.drain():
            if f.WhichOneof("body") == "message":
                m = f.message.message
                self.pushed.append((m.conversation_id, m.seq, m.content.text.text))

    def pushes(self) -> list[tuple[str, int, str]]:
        if self.dev is not None:
            self._collect()
        return self.pushed

    async def send(self, text: str, recv_id: str = "", group_id: str = "") -> Sent:
        cmid = uuid.uuid4().hex
        deadline = time.monotonic() + 60
        first = True
        while time.monotonic() < deadline:
            if not first:
                self.resends += 1
                await asyncio.sleep(0.1)
            first = False
            try:
                if self.dev is None or self.dev.status is not None:
                    await self.open()
                assert self.dev is not None
                frame = gateway_pb2.ClientFrame()
                m = frame.send.message
                m.client_msg_id = cmid
                if group_id:
                    m.session_type = ST.SESSION_TYPE_GROUP
                    m.group_id = group_id
                else:
                    m.session_type = ST.SESSION_TYPE_SINGLE
                    m.recv_id = recv_id
                m.content.text.text = text
                answer = await self.dev.request(frame, timeout=5.0)
            except (TimeoutError, ConnectionError, grpc.aio.AioRpcError) as e:
                self.failures.append((time.monotonic(), f"{type(e).__name__}: {e}"))
                continue
            if answer.HasField("send_ack"):
                ack = answer.send_ack.ack
                sent = Sent(ack.conversation_id, ack.seq, text, time.monotonic())
                self.acked.append(sent)
                return sent
            err = answer.error
            what = f"{CODES.get(err.code, err.code)}: {common_pb2.ErrorReason.Name(err.reason)}"
            self.failures.append((time.monotonic(), what))
            # Only "try again" may come back: anything else is a bug.
            assert err.code == grpc.StatusCode.UNAVAILABLE.value[0], answer
        raise AssertionError(f"{self.user}: {text!r} not acked in 60 s: {self.failures[-5:]}")

    async def close(self) -> None:
        if self.dev is not None:
            self._collect()
            await self.dev.close()


@dataclass
class Load:
    """Senders on both gateways, each alternating a 1:1 message to `peer`
    and a group message, until `stop` is set."""

    api: Api
    senders: list[Client]
    peer: Client
    group_id: str
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, i: int) -> None:
        c = self.senders[i]
        n = 0
        while not self.stop.is_set():
            if n % 2:
                await c.send(f"g{i}-{n}", group_id=self.group_id)
            else:
                await c.send(f"s{i}-{n}", recv_id=self.peer.user)
            n += 1
            await asyncio.sleep(0.02)

    def clients(self) -> list[Client]:
        return [*self.senders, self.peer]


async def start_load(c: Cluster, api: Api) -> Load:
    senders = [new_user_id("s") for _ in range(4)]
    peer = new_user_id("r")
    await api.register(peer, *senders)
    clients = [
        Client(c, u, await api.token(u), i % 2, f"d{i}") for i, u in enumerate([*senders, peer])
    ]
    for cl in clients:
        await cl.open()
    groups = group_pb2_grpc.GroupServiceStub(api.channel)
    created = await groups.CreateGroup(
        group_pb2.CreateGroupRequest(name="restarts", member_user_ids=[*senders[1:], peer]),
        metadata=bearer(clients[0].token),
    )
    return Load(api, clients[:4], clients[4], created.group.group_id)


async def visible(api: Api, token: str, cid: str) -> int:
    resp = await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))
    return {s.conversation_id: s.max_seq for s in resp.seqs}.get(cid, 0)


async def check_log(load: Load) -> dict[str, dict[int, str]]:
    """Every acked message stored exactly once at its acked seq, nothing
    stored that was not acked; every push agrees with the stored log.
    Returns the log per conversation (seq -> text)."""
    api = load.api
    acked: dict[str, list[Sent]] = {}
    for cl in load.senders:
        for s in cl.acked:
            acked.setdefault(s.conversation_id, []).append(s)
        # One device's sends to a conversation get increasing seqs.
        per_conv: dict[str, list[int]] = {}
        for s in cl.acked:
            per_conv.setdefault(s.conversation_id, []).append(s.seq)
        for seqs in per_conv.values():
            assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
    logs: dict[str, dict[int, str]] = {}
    reader = load.peer.token
    for cid, sent in acked.items():
        top = max(s.seq for s in sent)

        async def settled(cid: str = cid, top: int = top) -> bool:
            return await visible(api, reader, cid) >= top

        await until(settled, 30)
        msgs = await pull_all(api, reader, cid, top)
        seqs = [m.seq for m in msgs]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        stored = [(m.seq, m.content.text.text) for m in msgs if m.content.text.text]
        texts = Counter(t for _, t in stored)
        dups = [t for t, n in texts.items() if n > 1]
        assert not dups, f"{cid}: stored more than once: {dups[:10]}"
        want = sorted((s.seq, s.text) for s in sent)
        assert stored == want, (
            f"{cid}: lost {sorted(set(want) - set(stored))[:10]}, "
            f"unacked {sorted(set(stored) - set(want))[:10]}"
        )
        logs[cid] = dict(stored)
    for cl in load.clients():
        for cid, seq, text in cl.pushes():
            if text and cid in logs:
                assert logs[cid].get(seq) == text, (cl.user, cid, seq, text)
    return logs


def report(name: str, load: Load, down: float, up: float, t0: float) -> str:
    fails = sorted(t for cl in load.senders for t, _ in cl.failures)
    window = f"{fails[-1] - fails[0]:.2f} s" if fails else "none"
    after = [s.at for cl in load.senders for s in cl.acked if s.at > up]
    first_after = f"{min(after) - up:.2f} s" if after else "never"
    kinds = Counter(w.split(":")[0] for cl in load.senders for _, w in cl.failures)
    pushes = sum(len(cl.pushed) for cl in load.clients())
    dup_pushes = sum(n - 1 for cl in load.clients() for n in Counter(cl.pushed).values())
    return (
        f"{name}: down {up - down:.2f} s; sends failing for {window} ({dict(kinds)}); "
        f"resends {sum(cl.resends for cl in load.senders)}; "
        f"acked {sum(len(cl.acked) for cl in load.senders)}; first ack after restart "
        f"{first_after}; pushes {pushes} (repeated {dup_pushes}); "
        f"total {time.monotonic() - t0:.1f} s"
    )


async def restart_under_load(ec: EngineCluster, engine: EngineProcess, name: str) -> None:
    t0 = time.monotonic()
    c = ec.cluster
    api = await admin_api(c, 0)
    load = await start_load(c, api)
    tasks = [asyncio.create_task(load.run(i)) for i in range(len(load.senders))]
    try:
        await asyncio.sleep(2.0)
        assert all(cl.acked for cl in load.senders)
        down = time.monotonic()
        await asyncio.to_thread(engine.stop)
        await asyncio.sleep(OUTAGE_SECONDS)
        await asyncio.to_thread(engine.start)
        up = time.monotonic()
        # Sending works again: every sender gets acks after the restart.
        while not all(cl.acked and cl.acked[-1].at > up + 1.0 for cl in load.senders):
            assert time.monotonic() - up < 30, "sends did not recover"
            await asyncio.sleep(0.1)
        recovered = time.monotonic()
        await asyncio.sleep(2.0)
        load.stop.set()
        await asyncio.gather(*tasks)
        await check_log(load)
        print(report(name, load, down, up, t0))
        # Pushes flow again (routes and the push subscription are back): the
        # peer (in every conversation) is pushed what was sent once every
        # sender had recovered.
        later = {s.text for cl in load.senders for s in cl.acked if s.at > recovered}
        pushed = {t for _, _, t in load.peer.pushes()} & later
        assert later and len(pushed) >= 0.9 * len(later), (len(pushed), len(later))
    finally:
        load.stop.set()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for cl in load.clients():
            await cl.close()
        await api.close()


async def test_redis_restart_under_load_loses_and_duplicates_nothing(
    engine_cluster: EngineCluster,
) -> None:
    await restart_under_load(engine_cluster, engine_cluster.redis, "redis restart")


async def test_nats_restart_under_load_loses_and_duplicates_nothing(
    engine_cluster: EngineCluster,
) -> None:
    await restart_under_load(engine_cluster, engine_cluster.nats, "nats restart")


# -- One test per bug the restart runs found ----------------------------------


def uid() -> str:
    return uuid.uuid4().hex[:10]


def partition(bus: Bus, cid: str) -> int:
    subject = bus.publisher.subject(cid)
    return next(
        p
        for p in range(bus.cfg.partitions)
        if subject.startswith(partition_filter(bus.cfg.prefix, p)[:-1])
    )


async def test_a_publish_while_nats_is_down_fails_at_once_and_never_lands_later(
    nats_server: EngineProcess,
) -> None:
    # nats-py buffers publishes while it reconnects and sends them once it is
    # back: a send the gateway gave up on (not acked) then reached the log
    # seconds late, refused by the workers as late, while the client's resend
    # was de-duplicated against it and acked with its seq (a hole): lost.
    nc = await connect(nats_server.url, "parley-restart-tests")
    try:
        cfg = BusConfig(prefix=f"t{uid()}", partitions=1)
        await ensure_stream(nc.jetstream(), cfg)
        pub = Publisher(nc.jetstream(), cfg)
        a, b = f"a{uid()}", f"b{uid()}"
        cid = f"si_{a}_{b}"
        await asyncio.to_thread(nats_server.stop)

        async def disconnected() -> bool:
            return not nc.is_connected

        await until(disconnected, 5)
        env = Envelope(MSG, cid, 1, now_ms(), chat_batch(cid, a, [a, b], ["hi"]), [a, b])
        t0 = time.monotonic()
        with pytest.raises(Exception):  # noqa: B017 (any failure: not acked)
            await pub.append(env, f"{a}:k1", 3.0)
        assert time.monotonic() - t0 < 1.0
        await asyncio.to_thread(nats_server.start)

        async def connected() -> bool:
            return bool(nc.is_connected)

        await until(connected, 10)
        await asyncio.sleep(0.5)
        assert await pub.last_seq(cid) == 0
    finally:
        await nc.close()


async def test_a_resend_of_a_late_original_is_appended_anew(bus: Bus) -> None:
    # The log de-duplicates a resend against the first send even when that
    # one reached the log too late and the workers refuse it (a hole): the
    # resend must not be acked with the original's seq.
    appender = ClusterAppender(bus.publisher, bus.seqs, bus.cfg)
    bus.worker().start()
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    s1, _, _ = await appender.allocate(cid)
    late = Envelope(MSG, cid, s1, now_ms() - 5_000, chat_batch(cid, a, [a, b], ["hi"], s1), [a, b])
    await bus.publisher.append(late, f"{a}:k1", 2.0)
    s2, alloc2, started2 = await appender.allocate(cid)
    env2 = Envelope(MSG, cid, s2, alloc2, chat_batch(cid, a, [a, b], ["hi"], s2), [a, b])
    assert await appender.publish(env2, f"{a}:k1", started2) is None
    # A resend of that is answered with it.
    s3, alloc3, started3 = await appender.allocate(cid)
    env3 = Envelope(MSG, cid, s3, alloc3, chat_batch(cid, a, [a, b], ["hi"], s3), [a, b])
    original = await appender.publish(env3, f"{a}:k1", started3)
    assert original is not None and original.seq == s2

    async def settled() -> bool:
        return await bus.seqs.visible_max(cid) == s3

    await until(settled, 10)
    assert [r.seq for r in await bus.store.get_range(cid, 1, 10)] == [s2]


class FlakySeqs(RedisSeqs):
    """RedisSeqs whose `holes` fails once, as during a Redis restart."""

    def __init__(self, seqs: RedisSeqs) -> None:
        super().__init__(seqs._r, seqs._load_floor, seqs._p, seqs.fence_ms, seqs._load_visible)
        self.failures = 1
        self.failed = asyncio.Event()

    async def holes(self, conversation_id: str, seqs: Iterable[int]) -> set[int]:
        if self.failures:
            self.failures -= 1
            self.failed.set()
            raise RedisConnectionError("Redis is restarting")
        return await super().holes(conversation_id, seqs)


async def test_a_batch_that_failed_is_retried_before_later_ones(bus: Bus) -> None:
    # A worker whose batch failed on a Redis error fetched the next one
    # instead: later messages were stored, the gap below them became holes
    # (log time passed) and the failed batch, redelivered after ack_wait,
    # was refused as holes: acked messages lost.
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    for i in range(3):
        seq = await bus.seqs.allocate(cid)
        env = Envelope(MSG, cid, seq, now_ms(), chat_batch(cid, a, [a, b], [f"m{i}"], seq), [a, b])
        await bus.publisher.append(env, f"{a}:m{i}", 2.0)
    flaky = FlakySeqs(bus.seqs)
    w = Worker(bus.nc, bus.js, bus.cfg, bus.store, flaky, bus.presence, [partition(bus, cid)])
    bus.workers.append(w)
    w.start()
    await asyncio.wait_for(flaky.failed.wait(), 5)
    # Redis is back; the next sends reach the log before the failed batch
    # would be redelivered (and could be holes by log time already).
    for i in range(3, 6):
        seq = await bus.seqs.allocate(cid)
        batch = chat_batch(cid, a, [a, b], [f"m{i}"], seq)
        env = Envelope(MSG, cid, seq, now_ms() - 400, batch, [a, b])
        await bus.publisher.append(env, f"{a}:m{i}", 2.0)

    async def settled() -> bool:
        return await bus.seqs.visible_max(cid) == 6

    await until(settled, 10)
    rows = await bus.store.get_range(cid, 1, 10)
    assert [(r.seq, r.search_text) for r in rows] == [(i + 1, f"m{i}") for i in range(6)]


async def test_a_send_while_redis_is_down_is_answered_unavailable(
    engine_cluster: EngineCluster,
) -> None:
    # The allocation's Redis error escaped the send path and closed the
    # client's stream (no answer to the send) instead of a "try again".
    ec = engine_cluster
    c = ec.cluster
    api = await admin_api(c, 0)
    a, b = new_user_id("a"), new_user_id("b")
    await api.register(a, b)
    d = Device(c.gateways[0].address, await api.token(a), P.PLATFORM_IOS, "a-phone")
    await d.open()
    try:
        first = await d.send_text(b, "before")
        assert first.HasField("send_ack")
        await asyncio.to_thread(ec.redis.stop)
        t0 = time.monotonic()
        answer = await d.send_text(b, "during", client_msg_id="k2")
        assert answer.HasField("error"), answer
        assert answer.error.code == grpc.StatusCode.UNAVAILABLE.value[0]
        assert answer.error.client_msg_id == "k2"
        assert time.monotonic() - t0 < 5
        assert d.status is None  # the stream stays open
        await asyncio.to_thread(ec.redis.start)
        deadline = time.monotonic() + 15
        while True:
            answer = await d.send_text(b, "during", client_msg_id="k2")
            if answer.HasField("send_ack") or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        assert answer.send_ack.ack.seq > first.send_ack.ack.seq, answer
    finally:
        await d.close()
        await api.close()


async def test_a_stream_opened_while_redis_is_down_is_pushed_to_after(
    engine_cluster: EngineCluster,
) -> None:
    # The route of a stream opened during the outage was never written: no
    # push reached it until it reconnected.
    ec = engine_cluster
    c = ec.cluster
    api = await admin_api(c, 0)
    a, b = new_user_id("a"), new_user_id("b")
    await api.register(a, b)
    sender = Client(c, a, await api.token(a), 0, "a-phone")
    db = Device(c.gateways[1].address, await api.token(b), P.PLATFORM_IOS, "b-phone")
    try:
        await sender.send("before", recv_id=b)
        await asyncio.to_thread(ec.redis.stop)
        await db.open()
        await asyncio.sleep(0.5)
        await asyncio.to_thread(ec.redis.start)
        deadline = time.monotonic() + 15
        pushed: list[str] = []
        while not pushed and time.monotonic() < deadline:
            await sender.send(f"after-{uuid.uuid4().hex[:6]}", recv_id=b)
            await asyncio.sleep(0.3)
            pushed = [
                f.message.message.content.text.text for f in db.drain() if f.HasField("message")
            ]
        assert pushed, "no push reached the stream opened during the outage"
    finally:
        await sender.close()
        await db.close()
        await api.close()


class SwallowingSubscription:
    """A pull subscription whose fetch swallows a cancel, as nats-py's does
    when asyncio.wait_for (Python 3.11) sees the cancel and a message at once."""

    async def fetch(self, batch: int = 1, timeout: float = 1.0) -> list[Any]:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(timeout)
        return []


class SwallowingJetStream:
    async def pull_subscribe_bind(self, durable: str, stream: str) -> SwallowingSubscription:
        return SwallowingSubscription()


async def test_a_worker_stops_even_if_a_fetch_swallows_the_cancel(bus: Bus) -> None:
    # Seen as a test run that hung in teardown: the fetch loop went on after
    # the cancel and stop() never returned (nor did a worker's shutdown).
    js = cast(JetStreamContext, SwallowingJetStream())
    w = Worker(bus.nc, js, bus.cfg, bus.store, bus.seqs, bus.presence, [0])
    w.start()
    await asyncio.sleep(0.1)
    await asyncio.wait_for(w.stop(), 5)
