"""Cluster mode end to end: two gateways and two workers as separate
`parley serve` processes on PostgreSQL, MongoDB, Redis and NATS JetStream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis

from parley.common.v1 import common_pb2
from parley.msg.v1 import message_pb2, msg_pb2
from tests.cluster.conftest import Cluster
from tests.harness import Api, Device, bearer, new_user_id, pull_all

pytestmark = pytest.mark.cluster

P = common_pb2.Platform


def cid_of(a: str, b: str) -> str:
    lo, hi = sorted((a, b))
    return f"si_{lo}_{hi}"


async def until(cond: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await cond():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def online_at(redis: Redis, c: Cluster, user: str, node: str) -> None:
    async def routed() -> bool:
        return node in await redis.hkeys(f"{c.redis_prefix}route:{user}")  # type: ignore[misc]

    await until(routed)


async def device(c: Cluster, api: Api, user: str, gw: int, device_id: str) -> Device:
    d = Device(c.gateways[gw].address, await api.token(user), P.PLATFORM_IOS, device_id)
    await d.open()
    return d


async def max_seq(api: Api, token: str, cid: str) -> int:
    resp = await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))
    return {s.conversation_id: s.max_seq for s in resp.seqs}.get(cid, 0)


async def wait_visible(api: Api, token: str, cid: str, n: int, timeout: float = 20.0) -> None:
    async def visible() -> bool:
        return await max_seq(api, token, cid) >= n

    await until(visible, timeout)


async def pushed_texts(d: Device, n: int, timeout: float = 15.0) -> list[tuple[int, str]]:
    out = []
    for _ in range(n):
        f = await d.next_frame("message", timeout)
        m = f.message.message
        out.append((m.seq, m.content.text.text))
    return out


def no_more_messages(d: Device) -> None:
    extra = [f for f in d.drain() if f.WhichOneof("body") == "message"]
    assert not extra, f"duplicate pushes: {extra}"


def texts(msgs: list[message_pb2.Message]) -> list[str]:
    return [m.content.text.text for m in msgs]


async def test_chat_across_gateways_in_order_exactly_once(
    cluster: Cluster, redis_client: Redis
) -> None:
    c = cluster
    api1 = Api(c.gateways[0].address, c.admin_secret)
    api2 = Api(c.gateways[1].address, c.admin_secret)
    await api1.login_admin()
    await api2.login_admin()
    a, b = new_user_id("a"), new_user_id("b")
    await api1.register(a, b)
    ta, tb = await api2.token(a), await api1.token(b)
    cid = cid_of(a, b)
    da = await device(c, api1, a, 0, "a-phone")
    db = await device(c, api2, b, 1, "b-phone")
    await online_at(redis_client, c, a, "gw1")
    await online_at(redis_client, c, b, "gw2")
    try:
        acks = [await da.send_text(b, f"a{i}") for i in range(30)]
        assert [x.send_ack.ack.seq for x in acks] == list(range(1, 31))
        assert await pushed_texts(db, 30) == [(i + 1, f"a{i}") for i in range(30)]
        replies = [await db.send_text(a, f"b{i}") for i in range(10)]
        assert [x.send_ack.ack.seq for x in replies] == list(range(31, 41))
        assert await pushed_texts(da, 10) == [(31 + i, f"b{i}") for i in range(10)]
        # A resend of an acked message is answered with the original ack.
        again = await da.send_text(b, "a0", client_msg_id=acks[0].send_ack.ack.client_msg_id)
        assert again.send_ack.ack.duplicate and again.send_ack.ack.seq == 1
        await asyncio.sleep(1.0)
        no_more_messages(db)
        no_more_messages(da)
        # b goes offline; a keeps writing; b comes back on the other gateway.
        await db.close()
        more = [await da.send_text(b, f"c{i}") for i in range(20)]
        assert [x.send_ack.ack.seq for x in more] == list(range(41, 61))
        db = await device(c, api1, b, 0, "b-phone")
        await wait_visible(api1, tb, cid, 60)
        assert await max_seq(api2, tb, cid) == 60
        msgs = await pull_all(api1, tb, cid, 60)
        assert [m.seq for m in msgs] == list(range(1, 61))
        want = [f"a{i}" for i in range(30)] + [f"b{i}" for i in range(10)]
        want += [f"c{i}" for i in range(20)]
        assert texts(msgs) == want
        assert texts(await pull_all(api2, ta, cid, 60)) == want
    finally:
        await da.close()
        await db.close()
        await api1.close()
        await api2.close()


async def test_gateway_killed_clients_resync_on_the_other(
    cluster: Cluster, redis_client: Redis
) -> None:
    c = cluster
    api = Api(c.gateways[0].address, c.admin_secret)
    await api.login_admin()
    a, b = new_user_id("a"), new_user_id("b")
    await api.register(a, b)
    tb = await api.token(b)
    cid = cid_of(a, b)
    da = await device(c, api, a, 0, "a-phone")
    db = await device(c, api, b, 1, "b-phone")
    await online_at(redis_client, c, b, "gw2")
    try:
        first = [await da.send_text(b, f"m{i}") for i in range(20)]
        got = await pushed_texts(db, 20)
        c.gateways[1].kill9()
        assert await db.wait_closed() is not None
        after = [await da.send_text(b, f"m{i}") for i in range(20, 40)]
        acked = [x.send_ack.ack.seq for x in first + after]
        assert acked == list(range(1, 41))
        await db.close()
        db = await device(c, api, b, 0, "b-phone")
        await wait_visible(api, tb, cid, 40)
        msgs = await pull_all(api, tb, cid, 40)
        assert [m.seq for m in msgs] == list(range(1, 41))
        assert texts(msgs) == [f"m{i}" for i in range(40)]
        assert got == [(i + 1, f"m{i}") for i in range(20)]
    finally:
        await da.close()
        await db.close()
        await api.close()


async def test_worker_killed_under_load_loses_and_duplicates_nothing(
    cluster: Cluster, redis_client: Redis
) -> None:
    c = cluster
    api = Api(c.gateways[0].address, c.admin_secret)
    await api.login_admin()
    senders = [new_user_id("s") for _ in range(4)]
    b = new_user_id("b")
    await api.register(b, *senders)
    tb = await api.token(b)
    devices = [await device(c, api, s, i % 2, f"d{i}") for i, s in enumerate(senders)]
    acked: dict[str, list[tuple[int, str]]] = {s: [] for s in senders}

    async def load(i: int, d: Device) -> None:
        for n in range(60):
            try:
                ack = await d.send_text(b, f"{i}-{n}", client_msg_id=f"{i}-{n}")
            except Exception:
                continue
            if ack.HasField("send_ack"):
                acked[senders[i]].append((ack.send_ack.ack.seq, f"{i}-{n}"))

    try:
        tasks = [asyncio.create_task(load(i, d)) for i, d in enumerate(devices)]
        await asyncio.sleep(0.5)
        # Kill the worker that holds the most partitions, mid-load.
        leases = [k async for k in redis_client.scan_iter(f"{c.redis_prefix}lease:partition:*")]
        owners = [await redis_client.get(k) for k in leases]
        victim = max(c.workers, key=lambda w: owners.count(w.name))
        assert owners.count(victim.name) > 0
        victim.kill9()
        await asyncio.gather(*tasks)
        for s in senders:
            n = len(acked[s])
            assert n >= 50, c.dump_logs()
            cid = cid_of(s, b)
            await wait_visible(api, tb, cid, acked[s][-1][0])
            msgs = await pull_all(api, tb, cid, acked[s][-1][0])
            stored = [(m.seq, m.content.text.text) for m in msgs if m.content.text.text]
            assert stored == acked[s]
            assert len({t for _, t in stored}) == len(stored)
    finally:
        for d in devices:
            await d.close()
        await api.close()


async def test_flushed_redis_hands_out_no_seq_twice(cluster: Cluster, redis_client: Redis) -> None:
    c = cluster
    api = Api(c.gateways[0].address, c.admin_secret)
    await api.login_admin()
    a, b = new_user_id("a"), new_user_id("b")
    await api.register(a, b)
    tb = await api.token(b)
    cid = cid_of(a, b)
    da = await device(c, api, a, 0, "a-phone")
    dx = await device(c, api, a, 1, "a-tablet")
    try:
        before = [await da.send_text(b, f"m{i}") for i in range(20)]
        # Every key of this cluster: counters, visible max, routes, leases, the marker.
        keys = [k async for k in redis_client.scan_iter(f"{c.redis_prefix}*")]
        await redis_client.delete(*keys)
        after = [await (da if i % 2 else dx).send_text(b, f"m{i}") for i in range(20, 40)]
        seqs = [x.send_ack.ack.seq for x in before + after]
        assert seqs == sorted(seqs) and len(set(seqs)) == 40
        assert seqs[:20] == list(range(1, 21)) and seqs[20] > 20
        await wait_visible(api, tb, cid, seqs[-1])
        msgs = await pull_all(api, tb, cid, seqs[-1])
        stored = [(m.seq, m.content.text.text) for m in msgs if m.content.text.text]
        assert stored == [(s, f"m{i}") for i, s in enumerate(seqs)]
    finally:
        await da.close()
        await dx.close()
        await api.close()
