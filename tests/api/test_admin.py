"""AdminService over real gRPC: access, statistics against known traffic,
users with live devices, block / unblock / force logout on live streams,
and system notifications."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import grpc
import pytest

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.common.v1 import common_pb2
from parley.conversation.v1 import conversation_pb2
from parley.group.v1 import group_pb2, group_pb2_grpc
from parley.ids import notification_conversation_id
from parley.msg.v1 import message_pb2, msg_pb2
from tests.harness import ST, Api, Device, P, bearer, error_reason, new_user_id

R = common_pb2.ErrorReason


def admin_stub(api: Api) -> admin_pb2_grpc.AdminServiceStub:
    return admin_pb2_grpc.AdminServiceStub(api.channel)


async def device(api: Api, user: str, platform: int = P.PLATFORM_IOS, name: str = "") -> Device:
    d = Device(api.address, await api.token(user, platform), platform, name or f"{user}-{platform}")
    await d.open()
    return d


async def expect(call, code: grpc.StatusCode, reason: str) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    assert info.value.code() == code, info.value
    assert error_reason(info.value) == reason, info.value
    return info.value


def text_message(recv: str, text: str) -> msg_pb2.SendMessageRequest:
    om = message_pb2.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex, session_type=ST.SESSION_TYPE_SINGLE, recv_id=recv
    )
    om.content.text.text = text
    return msg_pb2.SendMessageRequest(message=om)


def group_message(group_id: str, text: str) -> msg_pb2.SendMessageRequest:
    om = message_pb2.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex, session_type=ST.SESSION_TYPE_GROUP, group_id=group_id
    )
    om.content.text.text = text
    return msg_pb2.SendMessageRequest(message=om)


async def test_every_rpc_needs_an_admin_token(api: Api) -> None:
    user = new_user_id("adm")
    await api.register(user)
    token = await api.token(user)
    stub = admin_stub(api)
    calls = [
        (
            stub.GetStatistics,
            admin_pb2.GetStatisticsRequest(start_date="2026-01-01", end_date="2026-01-01"),
        ),
        (stub.ListUsers, admin_pb2.ListUsersRequest()),
        (stub.GetUser, admin_pb2.GetUserRequest(user_id=user)),
        (stub.BlockUser, admin_pb2.BlockUserRequest(user_id=user)),
        (stub.UnblockUser, admin_pb2.UnblockUserRequest(user_id=user)),
        (stub.ForceLogout, admin_pb2.ForceLogoutRequest(user_id=user)),
        (
            stub.SendSystemNotification,
            admin_pb2.SendSystemNotificationRequest(user_ids=[user], text="x"),
        ),
        (
            stub.ListConversationMessages,
            admin_pb2.ListConversationMessagesRequest(user_ids=[user, "someone"]),
        ),
        (stub.GetServerInfo, admin_pb2.GetServerInfoRequest()),
    ]
    for method, request in calls:
        await expect(
            method(request, metadata=bearer(token)),
            grpc.StatusCode.PERMISSION_DENIED,
            "ERROR_REASON_ADMIN_REQUIRED",
        )
        await expect(method(request), grpc.StatusCode.UNAUTHENTICATED, "ERROR_REASON_TOKEN_MISSING")
    # The user was never blocked by any of this.
    got = await stub.GetUser(
        admin_pb2.GetUserRequest(user_id=user), metadata=bearer(api.admin_token)
    )
    assert not got.user.blocked


async def test_statistics_match_generated_traffic(fresh_api: Api) -> None:
    api = fresh_api
    stub = admin_stub(api)
    admin = bearer(api.admin_token)
    ids = ["alice", "bob", "carol", "dave", "erin"]
    await api.register(*ids)
    tok = {u: await api.token(u) for u in ids}
    for i in range(3):
        await api.msg.SendMessage(text_message("bob", f"a{i}"), metadata=bearer(tok["alice"]))
    for i in range(2):
        await api.msg.SendMessage(text_message("alice", f"b{i}"), metadata=bearer(tok["bob"]))
    groups = group_pb2_grpc.GroupServiceStub(api.channel)
    g1 = await groups.CreateGroup(
        group_pb2.CreateGroupRequest(name="one", member_user_ids=["bob", "carol"]),
        metadata=bearer(tok["alice"]),
    )
    await groups.CreateGroup(
        group_pb2.CreateGroupRequest(name="two", member_user_ids=["bob"]),
        metadata=bearer(tok["bob"]),
    )
    gid = g1.group.group_id
    for i in range(4):
        await api.msg.SendMessage(group_message(gid, f"g{i}"), metadata=bearer(tok["alice"]))
    await api.msg.SendMessage(group_message(gid, "from bob"), metadata=bearer(tok["bob"]))
    # carol only opens a stream: active, no messages. dave and erin do nothing.
    dc = await device(api, "carol")
    # System notices are not messages.
    sent = await stub.SendSystemNotification(
        admin_pb2.SendSystemNotificationRequest(all_users=True, title="t", text="maintenance"),
        metadata=admin,
    )
    assert sent.delivered_users == 5
    try:
        today = dt.datetime.now(dt.UTC).date()
        yesterday = today - dt.timedelta(days=1)
        expected = admin_pb2.DayStatistics(
            date=today.isoformat(),
            total_users=5,
            new_users=5,
            active_users=3,
            single_messages=5,
            group_messages=5,
            groups_created=2,
            active_groups=1,
        )
        for _ in range(50):  # the stream open's activity row is written asynchronously
            resp = await stub.GetStatistics(
                admin_pb2.GetStatisticsRequest(
                    start_date=yesterday.isoformat(), end_date=today.isoformat()
                ),
                metadata=admin,
            )
            if resp.days[1] == expected:
                break
            await asyncio.sleep(0.05)
        assert list(resp.days) == [admin_pb2.DayStatistics(date=yesterday.isoformat()), expected]
        assert (resp.online_users, resp.open_streams, resp.total_users) == (1, 1, 5)

        # Asked again (now from the cache for finished days), the same answer.
        again = await stub.GetStatistics(
            admin_pb2.GetStatisticsRequest(
                start_date=yesterday.isoformat(), end_date=today.isoformat()
            ),
            metadata=admin,
        )
        assert list(again.days) == list(resp.days)
    finally:
        await dc.close()

    for start, end in (
        ("2026-01-02", "2026-01-01"),
        ("2025-01-01", "2026-01-03"),
        ("x", "2026-01-01"),
    ):
        await expect(
            stub.GetStatistics(
                admin_pb2.GetStatisticsRequest(start_date=start, end_date=end), metadata=admin
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "ERROR_REASON_INVALID_ARGUMENT",
        )


async def test_list_and_get_users(api: Api) -> None:
    stub = admin_stub(api)
    admin = bearer(api.admin_token)
    prefix = f"lst{uuid.uuid4().hex[:6]}"
    ids = sorted(f"{prefix}-{i}" for i in range(5))
    await api.register(*ids)
    seen: list[str] = []
    token = ""
    totals = []
    while True:
        resp = await stub.ListUsers(
            admin_pb2.ListUsersRequest(
                keyword=prefix, page=common_pb2.PageRequest(page_token=token, page_size=2)
            ),
            metadata=admin,
        )
        seen += [u.user.user_id for u in resp.users]
        totals.append(resp.page.total)
        token = resp.page.next_page_token
        if not token:
            break
    assert seen == ids
    assert totals[0] == 5 and all(t == -1 for t in totals[1:])
    await expect(
        stub.ListUsers(
            admin_pb2.ListUsersRequest(page=common_pb2.PageRequest(page_token="42")), metadata=admin
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "ERROR_REASON_INVALID_ARGUMENT",
    )

    d = await device(api, ids[0], P.PLATFORM_ANDROID, "phone-1")
    try:
        await api.msg.SendMessage(
            text_message(ids[1], "hi"), metadata=bearer(await api.token(ids[0]))
        )
        got = (await stub.GetUser(admin_pb2.GetUserRequest(user_id=ids[0]), metadata=admin)).user
        assert got.user.user_id == ids[0] and got.user.nickname == ids[0]
        assert [(x.device_id, x.platform) for x in got.devices] == [("phone-1", P.PLATFORM_ANDROID)]
        assert got.devices[0].sdk_version == "parley-tests/0.1"
        assert got.devices[0].connect_time_ms > 0 and got.devices[0].node_id
        assert got.last_active_time_ms > 0
        other = (await stub.GetUser(admin_pb2.GetUserRequest(user_id=ids[1]), metadata=admin)).user
        assert not other.devices and other.last_active_time_ms == 0
    finally:
        await d.close()
    await expect(
        stub.GetUser(admin_pb2.GetUserRequest(user_id="no-such-user"), metadata=admin),
        grpc.StatusCode.NOT_FOUND,
        "ERROR_REASON_USER_NOT_FOUND",
    )


async def test_block_closes_streams_and_refuses_tokens(api: Api) -> None:
    stub = admin_stub(api)
    admin = bearer(api.admin_token)
    user, peer = new_user_id("blk"), new_user_id("blk")
    await api.register(user, peer)
    token = await api.token(user)
    d1 = await device(api, user, P.PLATFORM_IOS)
    d2 = await device(api, user, P.PLATFORM_WINDOWS)
    resp = await stub.BlockUser(
        admin_pb2.BlockUserRequest(user_id=user, reason="spam"), metadata=admin
    )
    assert resp.closed_streams == 2
    for d in (d1, d2):
        kicked = await d.next_frame("kicked")
        assert kicked.kicked.reason == R.ERROR_REASON_USER_BLOCKED
        assert await d.wait_closed() == grpc.StatusCode.UNAUTHENTICATED
        await d.close()
    listed = await stub.ListUsers(
        admin_pb2.ListUsersRequest(keyword=user, blocked_only=True), metadata=admin
    )
    assert [u.user.user_id for u in listed.users] == [user] and listed.users[0].blocked

    # The old token is refused everywhere, and no new one is issued.
    await expect(
        api.msg.SendMessage(text_message(peer, "hi"), metadata=bearer(token)),
        grpc.StatusCode.PERMISSION_DENIED,
        "ERROR_REASON_USER_BLOCKED",
    )
    again = Device(api.address, token, P.PLATFORM_IOS, "again")
    with pytest.raises(ConnectionError):
        await again.open()
    assert again.status == grpc.StatusCode.PERMISSION_DENIED
    await again.close()
    await expect(api.token(user), grpc.StatusCode.PERMISSION_DENIED, "ERROR_REASON_USER_BLOCKED")

    await stub.UnblockUser(admin_pb2.UnblockUserRequest(user_id=user), metadata=admin)
    await api.msg.SendMessage(text_message(peer, "back"), metadata=bearer(token))
    d3 = await device(api, user)
    await d3.close()
    await expect(
        stub.BlockUser(admin_pb2.BlockUserRequest(user_id="no-such-user"), metadata=admin),
        grpc.StatusCode.NOT_FOUND,
        "ERROR_REASON_USER_NOT_FOUND",
    )


async def test_force_logout_one_platform(api: Api) -> None:
    stub = admin_stub(api)
    admin = bearer(api.admin_token)
    user = new_user_id("out")
    await api.register(user)
    ios = await device(api, user, P.PLATFORM_IOS)
    android = await device(api, user, P.PLATFORM_ANDROID)
    try:
        resp = await stub.ForceLogout(
            admin_pb2.ForceLogoutRequest(user_id=user, platform=P.PLATFORM_IOS), metadata=admin
        )
        assert resp.closed_streams == 1
        kicked = await ios.next_frame("kicked")
        assert kicked.kicked.reason == R.ERROR_REASON_TOKEN_REVOKED
        await ios.wait_closed()
        # The other platform stays connected.
        pong = await android.request(_ping())
        assert pong.WhichOneof("body") == "pong"
        got = (await stub.GetUser(admin_pb2.GetUserRequest(user_id=user), metadata=admin)).user
        assert [x.platform for x in got.devices] == [P.PLATFORM_ANDROID]
        # The logged-out token no longer opens a stream.
        again = Device(api.address, ios.token, P.PLATFORM_IOS, "again")
        with pytest.raises(ConnectionError):
            await again.open()
        assert again.status == grpc.StatusCode.UNAUTHENTICATED
        await again.close()
        resp = await stub.ForceLogout(admin_pb2.ForceLogoutRequest(user_id=user), metadata=admin)
        assert resp.closed_streams == 1
        await android.wait_closed()
    finally:
        await ios.close()
        await android.close()
    await expect(
        stub.ForceLogout(admin_pb2.ForceLogoutRequest(user_id="no-such-user"), metadata=admin),
        grpc.StatusCode.NOT_FOUND,
        "ERROR_REASON_USER_NOT_FOUND",
    )


def _ping():
    from parley.gateway.v1 import gateway_pb2

    frame = gateway_pb2.ClientFrame()
    frame.ping.client_time_ms = 1
    return frame


async def test_system_notification_to_chosen_users(api: Api) -> None:
    stub = admin_stub(api)
    admin = bearer(api.admin_token)
    online, offline, other = new_user_id("ntc"), new_user_id("ntc"), new_user_id("ntc")
    await api.register(online, offline, other)
    d = await device(api, online)
    try:
        resp = await stub.SendSystemNotification(
            admin_pb2.SendSystemNotificationRequest(
                user_ids=[online, offline, online],
                title="Maintenance",
                text="Down at 02:00 UTC",
                url="https://status.example",
                extension='{"k":1}',
            ),
            metadata=admin,
        )
        assert resp.delivered_users == 2
        pushed = await d.next_frame("notification")
        note = pushed.notification.message
        assert note.conversation_id == notification_conversation_id(online)
        assert note.session_type == ST.SESSION_TYPE_NOTIFICATION
        assert note.counts_unread and note.sender_id == ""
        notice = note.notification.system_notice
        assert (notice.title, notice.text, notice.url, notice.extension) == (
            "Maintenance",
            "Down at 02:00 UTC",
            "https://status.example",
            '{"k":1}',
        )
    finally:
        await d.close()
    # Offline, it is there to sync and counts as unread.
    token = await api.token(offline)
    cid = notification_conversation_id(offline)
    seqs = await api.msg.GetSeqs(
        msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(token)
    )
    assert seqs.seqs[0].max_seq >= 1
    pulled = await api.msg.PullMessages(
        msg_pb2.PullMessagesRequest(
            ranges=[msg_pb2.SeqRange(conversation_id=cid, begin=1, end=seqs.seqs[0].max_seq)]
        ),
        metadata=bearer(token),
    )
    notices = [m for m in pulled.results[0].messages if m.notification.HasField("system_notice")]
    assert [m.notification.system_notice.text for m in notices] == ["Down at 02:00 UTC"]
    unread = await api.conversations.GetTotalUnread(
        conversation_pb2.GetTotalUnreadRequest(), metadata=bearer(token)
    )
    assert unread.total_unread >= 1

    for request, code, reason in (
        (
            admin_pb2.SendSystemNotificationRequest(user_ids=[other]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "ERROR_REASON_INVALID_ARGUMENT",
        ),
        (
            admin_pb2.SendSystemNotificationRequest(text="x"),
            grpc.StatusCode.INVALID_ARGUMENT,
            "ERROR_REASON_INVALID_ARGUMENT",
        ),
        (
            admin_pb2.SendSystemNotificationRequest(user_ids=[other, "no-such-user"], text="x"),
            grpc.StatusCode.NOT_FOUND,
            "ERROR_REASON_USER_NOT_FOUND",
        ),
    ):
        await expect(stub.SendSystemNotification(request, metadata=admin), code, reason)
    # The failed call stored nothing for the existing user either.
    t_other = await api.token(other)
    cid = notification_conversation_id(other)
    seqs = await api.msg.GetSeqs(
        msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(t_other)
    )
    assert all(x.max_seq == 0 for x in seqs.seqs)
