"""State changed through one gateway holds on the other at once (the peers
broadcast, parley.bus.events): logouts, revoked tokens, blocked accounts,
blacklists, the multi-login policy, presence, and pushes that do not go
through the log (typing)."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from redis.asyncio import Redis

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.auth.v1 import auth_pb2
from parley.common.v1 import common_pb2
from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import msg_pb2
from parley.relation.v1 import relation_pb2
from parley.user.v1 import user_pb2
from tests.api.social import Social, expect_error
from tests.cluster.chat import admin_api, device, online_at
from tests.cluster.conftest import Cluster
from tests.harness import Api, Device, bearer, new_user_id

pytestmark = pytest.mark.cluster

C = grpc.StatusCode
P = common_pb2.Platform
R = common_pb2.ErrorReason


async def kicked(d: Device, reason: int) -> None:
    frame = await d.next_frame("kicked")
    assert frame.kicked.reason == reason, frame
    assert await d.wait_closed() == C.UNAUTHENTICATED


async def get_seqs(api: Api, token: str) -> None:
    await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))


async def test_state_changes_reach_every_gateway(cluster: Cluster, redis_client: Redis) -> None:
    c = cluster
    api1 = await admin_api(c, 0)
    api2 = await admin_api(c, 1)
    admin1 = admin_pb2_grpc.AdminServiceStub(api1.channel)
    a, b, x, y = (new_user_id(p) for p in ("a", "b", "x", "y"))
    await api1.register(a, b, x, y)
    opened: list[Device] = []

    async def on(gw: int, user: str, device_id: str, platform: int = P.PLATFORM_IOS) -> Device:
        d = await device(c, api1, user, gw, device_id, platform)
        opened.append(d)
        await online_at(redis_client, c, user, c.gateways[gw].name)
        return d

    try:
        # Each gateway hears the other (the heartbeat is 1 s here); workers are not peers,
        # they are heard on their own subject.
        workers = sorted(w.name for w in c.workers)
        node = admin_pb2.GetServerInfoResponse()
        for _ in range(50):
            node = await admin1.GetServerInfo(
                admin_pb2.GetServerInfoRequest(), metadata=bearer(api1.admin_token)
            )
            if node.peer_node_ids and list(node.worker_node_ids) == workers:
                break
            await asyncio.sleep(0.1)
        assert (node.mode, node.role, node.node_id) == ("cluster", "gateway", c.gateways[0].name)
        assert list(node.peer_node_ids) == [c.gateways[1].name]
        assert list(node.worker_node_ids) == workers
        assert node.health_status == "SERVING"
        # Statistics count the streams of both gateways.
        first = [
            await on(1, x, "x-first"),
            await on(0, y, "y-first"),
            await on(1, y, "y-web", P.PLATFORM_WEB),
        ]
        stats = await admin1.GetStatistics(
            admin_pb2.GetStatisticsRequest(start_date="2026-01-01", end_date="2026-01-01"),
            metadata=bearer(api1.admin_token),
        )
        assert (stats.open_streams, stats.online_users) == (3, 3)  # y counts on each gateway
        by_platform = {p.platform: p.streams for p in stats.streams_by_platform}
        assert by_platform == {P.PLATFORM_IOS: 2, P.PLATFORM_WEB: 1}
        for d in first:
            await d.close()

        # Force logout through gw1 closes a stream on gw2, and gw2 refuses
        # the token from then on; the count includes the other gateway.
        d = await on(1, a, "a-phone")
        token = await api1.token(a)
        await get_seqs(api2, token)
        out = await api1.auth.ForceLogout(
            auth_pb2.ForceLogoutRequest(user_id=a), metadata=bearer(api1.admin_token)
        )
        assert out.closed_streams == 1
        await kicked(d, R.ERROR_REASON_TOKEN_REVOKED)
        await expect_error(get_seqs(api2, token), C.UNAUTHENTICATED, "ERROR_REASON_TOKEN_REVOKED")

        # A token invalidated on gw2 stops working on gw1, and its stream there closes.
        d = await on(0, a, "a-phone")
        assert d.token
        await api2.auth.InvalidateToken(
            auth_pb2.InvalidateTokenRequest(token=d.token), metadata=bearer(api2.admin_token)
        )
        await kicked(d, R.ERROR_REASON_TOKEN_REVOKED)
        await expect_error(get_seqs(api1, d.token), C.UNAUTHENTICATED, "ERROR_REASON_TOKEN_REVOKED")

        # An account blocked through gw1 loses its stream on gw2 and cannot
        # open one there; unblocked, it can.
        d = await on(1, x, "x-phone")
        out_block = await admin1.BlockUser(
            admin_pb2.BlockUserRequest(user_id=x, reason="spam"),
            metadata=bearer(api1.admin_token),
        )
        assert out_block.closed_streams == 1
        await kicked(d, R.ERROR_REASON_USER_BLOCKED)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await device(c, api1, x, 1, "x-phone")
        assert info.value.code() == C.PERMISSION_DENIED
        await admin1.UnblockUser(
            admin_pb2.UnblockUserRequest(user_id=x), metadata=bearer(api1.admin_token)
        )
        await on(1, x, "x-phone")

        # A blacklist entry made through gw2 holds for a send through gw1,
        # whose cache already held b's (empty) blacklist.
        dy = await on(0, y, "y-phone")
        assert (await dy.send_text(b, "hi")).HasField("send_ack")
        s2 = Social(api2)
        await s2.relations.AddBlacklist(
            relation_pb2.AddBlacklistRequest(user_id=y), metadata=bearer(await api2.token(b))
        )
        refused = await dy.send_text(b, "hi again")
        assert refused.error.reason == R.ERROR_REASON_BLOCKED_BY_USER, refused

        # The multi-login policy (one stream per platform) spans gateways:
        # a second phone on gw2 kicks the first one on gw1.
        phone1 = await on(0, b, "b-phone-1")
        await on(1, b, "b-phone-2")
        frame = await phone1.next_frame("kicked")
        assert frame.kicked.reason == R.ERROR_REASON_KICKED
        assert frame.kicked.by_platform == P.PLATFORM_IOS

        # Typing reaches the peer's stream on the other gateway.
        ta, tb = await on(0, a, "a-phone"), await on(1, y, "y-tablet")
        assert (await ta.send_text(y, "psst")).HasField("send_ack")
        typing = gateway_pb2.ClientFrame()
        typing.typing.conversation_id = "si_" + "_".join(sorted((a, y)))
        typing.typing.typing = True
        await ta.post(typing)
        got = await tb.next_frame("typing")
        assert got.typing.user_id == a and got.typing.typing

        # Presence spans gateways: z's streams on gw2 show (with platforms)
        # through gw1, and a watcher on gw1 hears z come and go.
        z = new_user_id("z")
        await api1.register(z)
        watch = gateway_pb2.ClientFrame()
        watch.subscribe_presence.subscribe_user_ids.append(z)
        snap = await ta.request(watch)
        assert not snap.presence_snapshot.statuses[0].online
        z_pc = await device(c, api1, z, 1, "z-pc", P.PLATFORM_MACOS)
        came = await ta.next_frame("presence")
        assert came.presence.status.online
        assert list(came.presence.status.platforms) == [P.PLATFORM_MACOS]
        z_phone = await device(c, api1, z, 0, "z-phone")
        status = await api2.users.GetOnlineStatus(
            user_pb2.GetOnlineStatusRequest(user_ids=[z]), metadata=bearer(api2.admin_token)
        )
        assert list(status.statuses[0].platforms) == [P.PLATFORM_IOS, P.PLATFORM_MACOS]
        await z_pc.close()
        await z_phone.close()
        gone = await ta.next_frame("presence")
        while gone.presence.status.online:
            gone = await ta.next_frame("presence")
        status = await api2.users.GetOnlineStatus(
            user_pb2.GetOnlineStatusRequest(user_ids=[z]), metadata=bearer(api2.admin_token)
        )
        assert not status.statuses[0].online
    finally:
        for d in opened:
            await d.close()
        await api1.close()
        await api2.close()
