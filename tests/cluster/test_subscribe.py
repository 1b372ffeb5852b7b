"""The browser's transport in cluster mode, as test_cluster.py's chat across
gateways: a Subscribe stream on one gateway gets the pushes of messages
stored through the other, and its unary calls (sends, heartbeats, typing,
presence watches) work whichever gateway they land on."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from redis.asyncio import Redis

from parley.common.v1 import common_pb2
from parley.gateway.v1 import gateway_pb2
from tests.cluster.chat import admin_api, cid_of, device, no_more_messages, online_at, pushed_texts
from tests.cluster.conftest import Cluster
from tests.harness import error_reason, new_user_id
from tests.subscriber import Subscriber

pytestmark = pytest.mark.cluster

P = common_pb2.Platform
R = common_pb2.ErrorReason


async def test_subscribe_across_gateways(cluster: Cluster, redis_client: Redis) -> None:
    c = cluster
    api1 = await admin_api(c, 0)
    api2 = await admin_api(c, 1)
    a, b, z = new_user_id("a"), new_user_id("b"), new_user_id("z")
    await api1.register(a, b, z)
    # a's browser: the stream on gw1, its unary calls through gw2.
    web = Subscriber(
        c.gateways[0].address,
        await api2.token(a, P.PLATFORM_WEB),
        P.PLATFORM_WEB,
        "a-web",
        c.gateways[1].address,
    )
    await web.open()
    db = await device(c, api2, b, 1, "b-phone")
    await online_at(redis_client, c, a, "gw1")
    await online_at(redis_client, c, b, "gw2")
    opened = [web, db]
    try:
        # Sent on b's bidi stream on gw2, pushed to a's Subscribe on gw1.
        acks = [await db.send_text(a, f"b{i}") for i in range(10)]
        assert [x.send_ack.ack.seq for x in acks] == list(range(1, 11))
        assert await pushed_texts(web, 10) == [(i + 1, f"b{i}") for i in range(10)]
        # Sent by unary calls through gw2, pushed to b on gw2 (and echoed to a on gw1).
        for i in range(5):
            assert (await web.send_unary(b, f"a{i}")).seq == 11 + i
        assert await pushed_texts(db, 5) == [(11 + i, f"a{i}") for i in range(5)]
        assert await pushed_texts(web, 5) == [(11 + i, f"a{i}") for i in range(5)]
        await asyncio.sleep(1.0)
        no_more_messages(db)
        no_more_messages(web)
        # Typing and heartbeats through gw2 reach the stream on gw1 and back.
        await web.typing(cid_of(a, b))
        assert (await db.next_frame("typing")).typing.user_id == a
        typing = gateway_pb2.ClientFrame()
        typing.typing.conversation_id = cid_of(a, b)
        typing.typing.typing = True
        await db.post(typing)
        assert (await web.next_frame("typing")).typing.user_id == b
        assert (await web.heartbeat(77)).pong.client_time_ms == 77
        # A presence watch through gw2 binds to the stream on gw1.
        snap = await web.watch(z)
        assert not snap.statuses[0].online
        dz = await device(c, api1, z, 1, "z-phone")
        opened.append(dz)
        came = await web.next_frame("presence")
        assert came.presence.status.user_id == z and came.presence.status.online
        # The multi-login policy spans gateways and transports: a second
        # browser of a on gw2 kicks the Subscribe on gw1.
        web2 = Subscriber(
            c.gateways[1].address, await api1.token(a, P.PLATFORM_WEB), P.PLATFORM_WEB, "a-web-2"
        )
        await web2.open()
        opened.append(web2)
        frame = await web.next_frame("kicked")
        assert frame.kicked.reason == R.ERROR_REASON_KICKED
        assert await web.wait_closed() == grpc.StatusCode.UNAUTHENTICATED
        # No gateway holds a-web now: a heartbeat for it says so.
        stale = Subscriber(c.gateways[0].address, web2.token, P.PLATFORM_WEB, "a-web")
        opened.append(stale)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stale.heartbeat()
        assert error_reason(info.value) == "ERROR_REASON_SESSION_NOT_FOUND"
        await web2.heartbeat()
    finally:
        for d in opened:
            await d.close()
        await api1.close()
        await api2.close()
