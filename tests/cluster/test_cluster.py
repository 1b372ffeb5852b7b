"""Cluster mode end to end: two gateways and two workers as separate
`parley serve` processes on PostgreSQL, MongoDB, Redis and NATS JetStream."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from redis.asyncio import Redis

from parley.common.v1 import common_pb2
from parley.conversation.v1 import conversation_pb2
from parley.gateway.v1 import gateway_pb2
from parley.group.v1 import group_pb2
from parley.log.versions import VersionClock
from tests.api.social import Social, device_send_group
from tests.cluster.chat import (
    admin_api,
    cid_of,
    device,
    group_texts,
    max_seq,
    no_more_messages,
    online_at,
    pushed_texts,
    texts,
    until,
    wait_visible,
)
from tests.cluster.conftest import Cluster
from tests.harness import Device, bearer, new_user_id, pull_all

pytestmark = pytest.mark.cluster

P = common_pb2.Platform


async def test_chat_across_gateways_in_order_exactly_once(
    cluster: Cluster, redis_client: Redis
) -> None:
    c = cluster
    api1 = await admin_api(c, 0)
    api2 = await admin_api(c, 1)
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


async def test_group_chat_across_gateways(cluster: Cluster, redis_client: Redis) -> None:
    """Members on both gateways; membership changed on one gateway holds on
    the other at once (its member cache is told), pushes reach every member
    wherever they are, in order and once."""
    c = cluster
    api1 = await admin_api(c, 0)
    api2 = await admin_api(c, 1)
    owner, m1, m2, late = (new_user_id(p) for p in ("own", "mone", "mtwo", "late"))
    await api1.register(owner, m1, m2, late)
    s1 = Social(api1)
    t_owner = await api1.token(owner)
    group = (
        await s1.groups.CreateGroup(
            group_pb2.CreateGroupRequest(name="team", member_user_ids=[m1, m2]),
            metadata=bearer(t_owner),
        )
    ).group
    gid = group.group_id
    cid = f"sg_{gid}"
    d_owner = await device(c, api1, owner, 0, "own-phone")
    d1 = await device(c, api2, m1, 1, "m1-phone")
    d2 = await device(c, api1, m2, 0, "m2-phone")
    for user, node in ((owner, "gw1"), (m1, "gw2"), (m2, "gw1")):
        await online_at(redis_client, c, user, node)
    everyone = [d_owner, d1, d2]
    opened = list(everyone)
    sent: list[str] = []
    try:
        # gw2 loads (and caches) the group here.
        for i in range(5):
            assert (await device_send_group(d1, gid, f"m1-{i}")).HasField("send_ack")
            assert (await device_send_group(d2, gid, f"m2-{i}")).HasField("send_ack")
            sent += [f"m1-{i}", f"m2-{i}"]
        # A sender's own stream gets the ack, not a push.
        assert sorted(await group_texts(d_owner, 10)) == sorted(sent)
        assert await group_texts(d1, 5) == [f"m2-{i}" for i in range(5)]
        assert await group_texts(d2, 5) == [f"m1-{i}" for i in range(5)]
        # Invited on gw1; gw2 must know at once.
        await s1.groups.InviteMembers(
            group_pb2.InviteMembersRequest(group_id=gid, user_ids=[late]),
            metadata=bearer(t_owner),
        )
        d_late = await device(c, api2, late, 1, "late-phone")
        opened.append(d_late)
        await online_at(redis_client, c, late, "gw2")
        ack = await device_send_group(d_late, gid, "hello from late")
        assert ack.HasField("send_ack"), ack
        pushed = await device_send_group(d1, gid, "welcome")
        assert pushed.HasField("send_ack"), pushed
        for d in (d_owner, d2):
            assert await group_texts(d, 2) == ["hello from late", "welcome"]
        assert await group_texts(d1, 1) == ["hello from late"]
        assert await group_texts(d_late, 1) == ["welcome"]
        # Kicked on gw1: gw2 stops pushing to m2 and refuses m2's sends.
        await s1.groups.KickMembers(
            group_pb2.KickMembersRequest(group_id=gid, user_ids=[m2]), metadata=bearer(t_owner)
        )
        d2b = await device(c, api2, m2, 1, "m2-tablet", P.PLATFORM_ANDROID_PAD)
        opened.append(d2b)
        refused = await device_send_group(d2b, gid, "still here?")
        assert refused.error.reason == common_pb2.ERROR_REASON_NOT_GROUP_MEMBER, refused
        assert (await device_send_group(d1, gid, "after kick")).HasField("send_ack")
        for d in (d_owner, d_late):
            assert await group_texts(d, 1) == ["after kick"]
        await asyncio.sleep(1.0)
        for d in (d2, d2b):
            assert "after kick" not in [
                f.message.message.content.text.text
                for f in d.drain()
                if f.WhichOneof("body") == "message"
            ]
        for d in (d_owner, d1, d_late):
            no_more_messages(d)
        # Both gateways serve the same log.
        t1 = await api1.token(m1)
        top = await max_seq(api2, t1, cid)
        one, two = await pull_all(api1, t1, cid, top), await pull_all(api2, t1, cid, top)
        assert [m.seq for m in one] == list(range(1, top + 1))
        assert [(m.seq, m.server_msg_id) for m in one] == [(m.seq, m.server_msg_id) for m in two]
        stored = [t for t in texts(one) if t]
        assert sorted(stored[:10]) == sorted(sent)
        assert stored[10:] == ["hello from late", "welcome", "after kick"]
    finally:
        for d in opened:
            await d.close()
        await api1.close()
        await api2.close()


async def test_conversation_list_cursor_spans_gateways(cluster: Cluster) -> None:
    """A change made through one gateway shows in a list since a cursor that
    another gateway handed out (regression: each gateway counted versions
    from the SQL max at its start, so a busy gateway's cursors were above a
    quiet gateway's new versions)."""
    c = cluster
    api1 = await admin_api(c, 0)
    api2 = await admin_api(c, 1)
    a, b = new_user_id("a"), new_user_id("b")
    await api1.register(a, b)
    ta = await api1.token(a)
    cid = cid_of(a, b)
    # The first message goes through gw2, so gw1 has no version of its own pending.
    db = await device(c, api1, b, 1, "b-phone")
    try:
        assert (await db.send_text(a, "hi")).HasField("send_ack")
        await wait_visible(api1, ta, cid, 1)
        for i in range(30):
            await api1.conversations.SetConversation(
                conversation_pb2.SetConversationRequest(conversation_id=cid, pinned=i % 2 == 0),
                metadata=bearer(ta),
            )
        # Versions gw1 handed to events (written by the workers, so never
        # reported done to gw1) stop holding its cursor back after this.
        await asyncio.sleep(VersionClock.PENDING_TTL + 0.5)
        listed = await api1.conversations.ListConversations(
            conversation_pb2.ListConversationsRequest(), metadata=bearer(ta)
        )
        assert cid in [x.conversation_id for x in listed.conversations]
        await api2.conversations.SetConversation(
            conversation_pb2.SetConversationRequest(conversation_id=cid, draft="later"),
            metadata=bearer(ta),
        )
        since = await api1.conversations.ListConversations(
            conversation_pb2.ListConversationsRequest(since_version=listed.version),
            metadata=bearer(ta),
        )
        assert [x.draft for x in since.conversations if x.conversation_id == cid] == ["later"]
        assert since.version >= listed.version
    finally:
        await db.close()
        await api1.close()
        await api2.close()


@pytest.mark.cluster_env(PARLEY_CLUSTER__DUPLICATE_WINDOW_SECONDS=2)
async def test_a_resend_past_the_logs_duplicate_window_gets_the_original_ack(
    cluster: Cluster,
) -> None:
    """A phone that queued a message offline may resend it hours later, to
    any gateway; JetStream only de-duplicates for its window. Without a
    lookup, the resend got a new seq, acked, whose write the stores then
    dropped as a duplicate (the client's seq was a placeholder)."""
    c = cluster
    api = await admin_api(c, 0)
    a, b = new_user_id("a"), new_user_id("b")
    await api.register(a, b)
    da = await device(c, api, a, 0, "a-phone")
    try:
        frame = gateway_pb2.ClientFrame()
        om = frame.send.message
        om.client_msg_id = uuid.uuid4().hex
        om.session_type = common_pb2.SESSION_TYPE_SINGLE
        om.recv_id = b
        om.content.text.text = "written on the plane"
        om.send_time_ms = int(time.time() * 1000)
        first = (await da.request(frame)).send_ack.ack
        assert first.seq == 1 and not first.duplicate
        await wait_visible(api, await api.token(b), cid_of(a, b), 1)
        await asyncio.sleep(2.5)  # past the duplicate window
        await da.close()
        da = await device(c, api, a, 1, "a-phone")
        again = (await da.request(frame)).send_ack.ack
        assert again.duplicate and again.seq == 1, again
        assert again.server_msg_id == first.server_msg_id
    finally:
        await da.close()
        await api.close()


async def test_gateway_killed_clients_resync_on_the_other(
    cluster: Cluster, redis_client: Redis
) -> None:
    c = cluster
    api = await admin_api(c, 0)
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
    api = await admin_api(c, 0)
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


async def lease_owners(redis: Redis, c: Cluster) -> list[str]:
    keys = [k async for k in redis.scan_iter(f"{c.redis_prefix}lease:partition:*")]
    return sorted([str(await redis.get(k)) for k in keys])


async def test_workers_share_the_partitions(cluster: Cluster, redis_client: Redis) -> None:
    """Regression (found by the cluster benchmark): the first worker took
    every partition and the second stayed idle."""
    c = cluster

    async def split(want: list[str]) -> bool:
        return await lease_owners(redis_client, c) == want

    await until(lambda: split(["wk1", "wk1", "wk2", "wk2"]))
    # A worker that stops hands its partitions over at once...
    c.workers[1].stop()
    await until(lambda: split(["wk1"] * 4), timeout=10)
    # ...and one that joins gets its share, while messages keep flowing.
    api = await admin_api(c, 0)
    a, b = new_user_id("a"), new_user_id("b")
    await api.register(a, b)
    da = await device(c, api, a, 0, "a-phone")
    try:
        c.workers[1].start()
        acks = [await da.send_text(b, f"m{i}") for i in range(40)]
        await until(lambda: split(["wk1", "wk1", "wk2", "wk2"]), timeout=20)
        tb = await api.token(b)
        await wait_visible(api, tb, cid_of(a, b), 40)
        msgs = await pull_all(api, tb, cid_of(a, b), 40)
        assert [x.send_ack.ack.seq for x in acks] == list(range(1, 41))
        assert texts(msgs) == [f"m{i}" for i in range(40)]
    finally:
        await da.close()
        await api.close()


async def test_flushed_redis_hands_out_no_seq_twice(cluster: Cluster, redis_client: Redis) -> None:
    c = cluster
    api = await admin_api(c, 0)
    a, b = new_user_id("a"), new_user_id("b")
    await api.register(a, b)
    tb = await api.token(b)
    cid = cid_of(a, b)
    da = await device(c, api, a, 0, "a-phone")
    # Another platform: one stream per platform is the default multi-login policy.
    dx = await device(c, api, a, 1, "a-tablet", P.PLATFORM_ANDROID_PAD)
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


async def test_a_hole_shown_stays_after_a_flushed_redis(
    cluster: Cluster, redis_client: Redis
) -> None:
    """Issue 12, finding A in cluster mode: a resend on the other gateway,
    de-duplicated by the log, leaves its seq a hole that b is shown; a Redis
    that loses its data must not take that seq back from b."""
    c = cluster
    api = await admin_api(c, 0)
    a, b = new_user_id("a"), new_user_id("b")
    await api.register(a, b)
    tb = await api.token(b)
    cid = cid_of(a, b)
    da = await device(c, api, a, 0, "a-phone")
    dx = await device(c, api, a, 1, "a-tablet", P.PLATFORM_ANDROID_PAD)
    try:
        first = (await da.send_text(b, "m1", client_msg_id="k1")).send_ack.ack
        again = (await dx.send_text(b, "m1", client_msg_id="k1")).send_ack.ack
        assert (first.seq, again.seq, again.duplicate) == (1, 1, True)
        await wait_visible(api, tb, cid, 2)
        keys = [k async for k in redis_client.scan_iter(f"{c.redis_prefix}*")]
        await redis_client.delete(*keys)
        assert await max_seq(api, tb, cid) == 2
        msgs = await pull_all(api, tb, cid, 2)
        assert [(m.seq, m.placeholder) for m in msgs] == [(1, False), (2, True)]
        nxt = (await da.send_text(b, "m2")).send_ack.ack
        assert nxt.seq == 3
    finally:
        await da.close()
        await dx.close()
        await api.close()
