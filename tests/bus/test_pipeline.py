"""Append -> log -> worker -> store, visible max and push, on real engines."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from parley.bus.codec import HOLE, MSG, Envelope
from parley.bus.jetstream import DuplicateAppend
from parley.bus.subjects import partition_filter
from tests.bus.conftest import Bus
from tests.storage.contracts.rows import chat_batch


def now_ms() -> int:
    return int(time.time() * 1000)


async def append(
    bus: Bus, cid: str, sender: str, members: list[str], text: str, seq: int | None = None
) -> Envelope:
    """What a gateway does: a seq from Redis, then the log."""
    if seq is None:
        seq = await bus.seqs.allocate(cid)
    batch = chat_batch(cid, sender, members, [text], first_seq=seq)
    env = Envelope(MSG, cid, seq, now_ms(), batch, members, f"frame-{seq}".encode())
    await bus.publisher.append(env, f"{sender}:{batch.messages[0].client_msg_id}", 2.0)
    return env


async def until(cond: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await cond():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def uid() -> str:
    return uuid.uuid4().hex[:10]


async def test_send_persist_settle_push(bus: Bus) -> None:
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    got, sub = await bus.pushes_to(b)
    bus.worker().start()
    for i in range(20):
        await append(bus, cid, a, [a, b], f"m{i}")

    async def all_visible() -> bool:
        return await bus.seqs.visible_max(cid) == 20

    await until(all_visible)
    rows = await bus.store.get_range(cid, 1, 100)
    assert [r.search_text for r in rows] == [f"m{i}" for i in range(20)]
    frames = [(await asyncio.wait_for(got.get(), 5)) for _ in range(20)]
    assert [f.frame for f in frames] == [f"frame-{i}".encode() for i in range(1, 21)]
    assert all(f.user_ids == [b] for f in frames)
    conv = await bus.conversations.get_conversation(cid)
    assert conv is not None and conv.max_seq == 20
    await sub.unsubscribe()


async def test_duplicate_append_returns_the_original(bus: Bus) -> None:
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    first = await append(bus, cid, a, [a, b], "once")
    cmid = first.batch.messages[0].client_msg_id  # type: ignore[union-attr]
    again = Envelope(MSG, cid, 2, now_ms(), chat_batch(cid, a, [a, b], ["twice"], 2), [a, b])
    with pytest.raises(DuplicateAppend) as e:
        await bus.publisher.append(again, f"{a}:{cmid}", 2.0)
    assert e.value.original.seq == first.seq
    assert await bus.publisher.last_seq(cid) == 1


async def test_gaps_become_holes_and_late_messages_are_refused(bus: Bus) -> None:
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    s1, s2, s3 = [await bus.seqs.allocate(cid) for _ in range(3)]
    bus.worker().start()
    await append(bus, cid, a, [a, b], "one", s1)
    await append(bus, cid, a, [a, b], "three", s3)  # s2's gateway never publishes

    async def past_the_gap() -> bool:
        return await bus.seqs.visible_max(cid) == 3

    await until(past_the_gap)
    assert await bus.seqs.holes(cid, [1, 2, 3]) == {2}
    # s2 shows up after all: refused, never stored (clients saw it as a hole).
    late = Envelope(MSG, cid, s2, now_ms() - 5_000, chat_batch(cid, a, [a, b], ["two"], s2))
    await bus.publisher.append(late, f"{a}:late-{uid()}", 2.0)
    await append(bus, cid, a, [a, b], "four")

    async def four() -> bool:
        return await bus.seqs.visible_max(cid) == 4

    await until(four)
    assert [r.seq for r in await bus.store.get_range(cid, 1, 10)] == [1, 3, 4]


async def test_hole_envelope_moves_the_visible_max(bus: Bus) -> None:
    cid = f"si_{uid()}_{uid()}"
    s1, s2 = await bus.seqs.allocate(cid), await bus.seqs.allocate(cid)
    bus.worker().start()
    await bus.publisher.hole(cid, s1)
    env = Envelope(HOLE, cid, s2)
    await bus.js.publish(bus.publisher.subject(cid), env.encode(), stream=bus.cfg.stream)

    async def settled() -> bool:
        return await bus.seqs.visible_max(cid) == 2

    await until(settled)


async def test_a_dead_workers_batch_is_redelivered_once_stored(bus: Bus) -> None:
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    for i in range(10):
        await append(bus, cid, a, [a, b], f"m{i}")
    p = next(
        p
        for p in range(bus.cfg.partitions)
        if bus.publisher.subject(cid).startswith(partition_filter(bus.cfg.prefix, p)[:-1])
    )
    # A worker takes the batch, writes part of it and dies before acking.
    dead = await bus.js.pull_subscribe_bind(durable=bus.cfg.durable(p), stream=bus.cfg.stream)
    msgs = await dead.fetch(10, timeout=2)
    assert len(msgs) == 10
    partial = Envelope.decode(msgs[0].data)
    assert partial.batch is not None
    await bus.store.write(partial.batch)
    await dead.unsubscribe()
    t0 = time.monotonic()
    bus.worker(partitions=[p]).start()

    async def done() -> bool:
        return await bus.seqs.visible_max(cid) == 10

    await until(done)
    assert time.monotonic() - t0 >= 0.5  # it waited for the ack deadline
    rows = await bus.store.get_range(cid, 1, 100)
    assert [r.search_text for r in rows] == [f"m{i}" for i in range(10)]


async def test_flushed_redis_continues_above_the_log(bus: Bus) -> None:
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    for i in range(3):
        await append(bus, cid, a, [a, b], f"m{i}")  # in the log, no worker yet
    prefix = f"{bus.cfg.prefix}:"
    r = bus.seqs._r
    keys = [k async for k in r.scan_iter(f"{prefix}*")]
    await r.delete(*keys)
    t0 = time.monotonic()
    assert await bus.seqs.allocate(cid) == 4
    assert time.monotonic() - t0 >= 0.4  # the recovery fence


async def test_a_hole_outlives_a_flushed_redis_and_the_log(bus: Bus) -> None:
    """Issue 12, finding A in cluster mode: a trailing hole (a resend the
    log de-duplicated) is shown; then Redis loses its data and the log no
    longer holds the conversation (aged out). The visible max must not go
    back below the hole, nor may its seq be handed out again."""
    from parley.bus.pipeline import ClusterAppender

    appender = ClusterAppender(bus.publisher, bus.seqs, bus.cfg)
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    bus.worker().start()
    for _ in range(2):  # the second is the resend: its seq becomes a hole
        seq, alloc, started = await appender.allocate(cid)
        env = Envelope(MSG, cid, seq, alloc, chat_batch(cid, a, [a, b], ["m1"], seq), [a, b])
        await appender.publish(env, f"{a}:k1", started)

    async def shown() -> bool:
        return await bus.seqs.visible_max(cid) == 2

    await until(shown)
    r = bus.seqs._r
    await r.delete(*[k async for k in r.scan_iter(f"{bus.cfg.prefix}:*")])
    await bus.js.purge_stream(bus.cfg.stream, subject=bus.publisher.subject(cid))
    assert await bus.seqs.visible_max(cid) == 2
    assert await bus.seqs.allocate(cid) == 3


async def test_gateway_appender(bus: Bus) -> None:
    from parley.bus.pipeline import AppendFailed, ClusterAppender

    appender = ClusterAppender(bus.publisher, bus.seqs, bus.cfg)
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    bus.worker().start()
    seq, alloc, started = await appender.allocate(cid)
    env = Envelope(MSG, cid, seq, alloc, chat_batch(cid, a, [a, b], ["hi"], seq), [a, b])
    assert await appender.publish(env, f"{a}:k1", started) is None
    # A resend that reached another gateway: the log de-duplicates it, the
    # original is the answer and the second seq becomes a hole.
    seq2, alloc2, started2 = await appender.allocate(cid)
    env2 = Envelope(MSG, cid, seq2, alloc2, chat_batch(cid, a, [a, b], ["hi"], seq2), [a, b])
    original = await appender.publish(env2, f"{a}:k1", started2)
    assert original is not None and original.seq == seq
    # Past the publish deadline: not acked, and its seq is a hole.
    seq3, alloc3, _ = await appender.allocate(cid)
    env3 = Envelope(MSG, cid, seq3, alloc3, chat_batch(cid, a, [a, b], ["slow"], seq3), [a, b])
    with pytest.raises(AppendFailed):
        await appender.publish(env3, f"{a}:k3", time.monotonic() - 10)

    async def settled() -> bool:
        return await bus.seqs.visible_max(cid) == 3

    await until(settled)
    assert [r.seq for r in await bus.store.get_range(cid, 1, 10)] == [1]


async def test_a_late_write_gets_fresh_conversation_versions(bus: Bus) -> None:
    """A message the worker persists long after its allocation must not land
    below the conversation-list cursors handed out meanwhile."""
    a, b = uid(), uid()
    fresh_cid, late_cid = f"si_{a}_{b}", f"si_{b}_{uid()}"
    fresh_version = now_ms() * 1000
    for cid, version in ((fresh_cid, fresh_version), (late_cid, 42)):
        seq = await bus.seqs.allocate(cid)
        batch = chat_batch(cid, a, [a, b], ["hi"], first_seq=seq)
        batch.conversations[cid].version = version
        env = Envelope(MSG, cid, seq, now_ms(), batch, [a, b], b"frame")
        await bus.publisher.append(env, f"{a}:{uid()}", 2.0)
    worker = bus.worker()
    worker.start()

    async def stored() -> bool:
        return await bus.store.max_seq(late_cid) == 1 and await bus.store.max_seq(fresh_cid) == 1

    await until(stored)
    kept = await bus.conversations.get_conversation(fresh_cid)
    lifted = await bus.conversations.get_conversation(late_cid)
    assert kept is not None and kept.version == fresh_version
    assert lifted is not None and lifted.version >= fresh_version
    assert worker.restamped >= 1
