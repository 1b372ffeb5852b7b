"""Friends, friend applications and blacklists over real gRPC: every rule
allowed and denied, and every change delivered as a seq'd notification."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import grpc

from parley.common.v1 import common_pb2
from parley.msg.v1 import msg_pb2
from parley.relation.v1 import relation_pb2 as rel
from parley.user.v1 import user_pb2
from tests.api.social import Social, device, expect_error, kinds, next_event, notifications, users
from tests.harness import Api, ServerProcess, bearer, error_reason

C = grpc.StatusCode


def text_to(recv_id: str, text: str = "hi") -> msg_pb2.SendMessageRequest:
    req = msg_pb2.SendMessageRequest()
    req.message.client_msg_id = uuid.uuid4().hex
    req.message.session_type = common_pb2.SessionType.SESSION_TYPE_SINGLE
    req.message.recv_id = recv_id
    req.message.content.text.text = text
    return req


async def befriend(s: Social, a: tuple[str, str], b: tuple[str, str]) -> None:
    await s.relations.ApplyFriend(rel.ApplyFriendRequest(to_user_id=b[0]), metadata=bearer(a[1]))
    await s.relations.RespondFriendApplication(
        rel.RespondFriendApplicationRequest(from_user_id=a[0], accept=True), metadata=bearer(b[1])
    )


async def test_application_accept_remark_delete(api: Api) -> None:
    s = Social(api)
    (a, ta), (b, tb) = await users(api, 2)
    b_dev = await device(api, b)
    await s.relations.ApplyFriend(
        rel.ApplyFriendRequest(to_user_id=b, message="hello, it's a"), metadata=bearer(ta)
    )
    applied = await next_event(b_dev, "friend_applied")
    assert applied.conversation_id == f"n_{b}"
    assert applied.notification.friend_applied.from_user.user_id == a
    assert applied.notification.friend_applied.message == "hello, it's a"

    received = await s.relations.ListFriendApplications(
        rel.ListFriendApplicationsRequest(direction=rel.APPLICATION_DIRECTION_RECEIVED),
        metadata=bearer(tb),
    )
    assert received.unhandled_count == 1
    [app] = received.applications
    assert (app.from_user_id, app.to_user_id, app.state) == (a, b, rel.APPLICATION_STATE_PENDING)
    assert app.other.user_id == a and app.message == "hello, it's a"
    sent = await s.relations.ListFriendApplications(
        rel.ListFriendApplicationsRequest(direction=rel.APPLICATION_DIRECTION_SENT),
        metadata=bearer(ta),
    )
    assert [x.other.user_id for x in sent.applications] == [b] and sent.unhandled_count == 1

    await s.relations.RespondFriendApplication(
        rel.RespondFriendApplicationRequest(from_user_id=a, accept=True, message="sure"),
        metadata=bearer(tb),
    )
    added = await next_event(b_dev, "friend_added")
    assert added.notification.friend_added.from_user.user_id == a
    assert added.notification.friend_added.to_user.user_id == b
    for me, other, tok in ((a, b, ta), (b, a, tb)):
        r = await s.relations.IsFriend(rel.IsFriendRequest(user_id=other), metadata=bearer(tok))
        assert r.is_friend and not r.blocked_by_me, me
    received = await s.relations.ListFriendApplications(
        rel.ListFriendApplicationsRequest(), metadata=bearer(tb)
    )
    assert received.unhandled_count == 0
    assert received.applications[0].state == rel.APPLICATION_STATE_ACCEPTED
    assert received.applications[0].response_message == "sure"
    assert received.applications[0].handle_time_ms > 0

    # Already friends: a new application is a state error; answering twice finds nothing.
    await expect_error(
        s.relations.ApplyFriend(rel.ApplyFriendRequest(to_user_id=a), metadata=bearer(tb)),
        C.FAILED_PRECONDITION,
        "ERROR_REASON_ALREADY_FRIENDS",
    )
    await expect_error(
        s.relations.RespondFriendApplication(
            rel.RespondFriendApplicationRequest(from_user_id=a, accept=True), metadata=bearer(tb)
        ),
        C.NOT_FOUND,
        "ERROR_REASON_APPLICATION_NOT_FOUND",
    )

    await s.relations.SetFriendRemark(
        rel.SetFriendRemarkRequest(user_id=a, remark="old pal"), metadata=bearer(tb)
    )
    remark = await next_event(b_dev, "friend_remark_set")
    assert remark.notification.friend_remark_set.friend_user_id == a
    friends = await s.relations.ListFriends(rel.ListFriendsRequest(), metadata=bearer(tb))
    assert [(f.user.user_id, f.remark) for f in friends.friends] == [(a, "old pal")]
    assert friends.friends[0].user.nickname == a and friends.friends[0].create_time_ms > 0

    await s.relations.DeleteFriend(rel.DeleteFriendRequest(user_id=b), metadata=bearer(ta))
    deleted = await next_event(b_dev, "friend_deleted")
    assert deleted.notification.friend_deleted.user_id == a
    assert deleted.notification.friend_deleted.friend_user_id == b
    r = await s.relations.IsFriend(rel.IsFriendRequest(user_id=b), metadata=bearer(ta))
    assert not r.is_friend
    await expect_error(
        s.relations.DeleteFriend(rel.DeleteFriendRequest(user_id=b), metadata=bearer(ta)),
        C.FAILED_PRECONDITION,
        "ERROR_REASON_NOT_FRIENDS",
    )
    await expect_error(
        s.relations.SetFriendRemark(
            rel.SetFriendRemarkRequest(user_id=b, remark="x"), metadata=bearer(ta)
        ),
        C.FAILED_PRECONDITION,
        "ERROR_REASON_NOT_FRIENDS",
    )
    # Both sides hold the whole story in their notification conversations.
    assert kinds(await notifications(api, ta, a)) == [
        "friend_applied",
        "friend_added",
        "friend_deleted",
    ]
    assert kinds(await notifications(api, tb, b)) == [
        "friend_applied",
        "friend_added",
        "friend_remark_set",
        "friend_deleted",
    ]
    await b_dev.close()


async def test_refuse_and_bad_applications(api: Api) -> None:
    s = Social(api)
    (a, ta), (b, tb) = await users(api, 2)
    await s.relations.ApplyFriend(rel.ApplyFriendRequest(to_user_id=b), metadata=bearer(ta))
    await s.relations.RespondFriendApplication(
        rel.RespondFriendApplicationRequest(from_user_id=a, accept=False, message="no thanks"),
        metadata=bearer(tb),
    )
    got = await notifications(api, ta, a)
    assert kinds(got) == ["friend_applied", "friend_application_refused"]
    refused = got[-1].notification.friend_application_refused
    assert (refused.from_user_id, refused.to_user_id, refused.message) == (a, b, "no thanks")
    sent = await s.relations.ListFriendApplications(
        rel.ListFriendApplicationsRequest(direction=rel.APPLICATION_DIRECTION_SENT),
        metadata=bearer(ta),
    )
    assert sent.applications[0].state == rel.APPLICATION_STATE_REFUSED
    # Applying again reopens it.
    await s.relations.ApplyFriend(
        rel.ApplyFriendRequest(to_user_id=b, message="please"), metadata=bearer(ta)
    )
    received = await s.relations.ListFriendApplications(
        rel.ListFriendApplicationsRequest(), metadata=bearer(tb)
    )
    assert received.unhandled_count == 1 and received.applications[0].message == "please"

    bad = [
        (rel.ApplyFriendRequest(to_user_id=a), C.INVALID_ARGUMENT, "ERROR_REASON_SELF_TARGET"),
        (
            rel.ApplyFriendRequest(to_user_id="nobody-here"),
            C.NOT_FOUND,
            "ERROR_REASON_USER_NOT_FOUND",
        ),
        (
            rel.ApplyFriendRequest(to_user_id="bad_id"),
            C.INVALID_ARGUMENT,
            "ERROR_REASON_INVALID_ARGUMENT",
        ),
        (
            rel.ApplyFriendRequest(to_user_id=b, message="x" * 513),
            C.INVALID_ARGUMENT,
            "ERROR_REASON_INVALID_ARGUMENT",
        ),
    ]
    for req, code, reason in bad:
        await expect_error(s.relations.ApplyFriend(req, metadata=bearer(ta)), code, reason)
    # Admin tokens are not users.
    await expect_error(
        s.relations.ListFriends(rel.ListFriendsRequest(), metadata=bearer(api.admin_token)),
        C.PERMISSION_DENIED,
        "ERROR_REASON_PERMISSION_DENIED",
    )
    await expect_error(
        s.relations.ListFriends(rel.ListFriendsRequest()),
        C.UNAUTHENTICATED,
        "ERROR_REASON_TOKEN_MISSING",
    )


async def test_friend_list_pages(api: Api) -> None:
    s = Social(api)
    me, *others = await users(api, 6)
    for o in others:
        await befriend(s, o, me)
    seen: list[str] = []
    token = ""
    while True:
        page = await s.relations.ListFriends(
            rel.ListFriendsRequest(page=common_pb2.PageRequest(page_size=2, page_token=token)),
            metadata=bearer(me[1]),
        )
        assert page.page.total == 5
        seen.extend(f.user.user_id for f in page.friends)
        token = page.page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(o[0] for o in others)


async def test_blacklist_blocks_messages_and_applications(api: Api) -> None:
    s = Social(api)
    (a, ta), (b, tb) = await users(api, 2)
    await api.msg.SendMessage(text_to(b, "before"), metadata=bearer(ta))
    b_dev = await device(api, b)
    await s.relations.AddBlacklist(rel.AddBlacklistRequest(user_id=a), metadata=bearer(tb))
    blocked = await next_event(b_dev, "blacklist_added")
    assert blocked.notification.blacklist_added.blocked_user_id == a
    # Blocking twice changes nothing and tells nobody.
    await s.relations.AddBlacklist(rel.AddBlacklistRequest(user_id=a), metadata=bearer(tb))

    await expect_error(
        api.msg.SendMessage(text_to(b, "after"), metadata=bearer(ta)),
        C.PERMISSION_DENIED,
        "ERROR_REASON_BLOCKED_BY_USER",
    )
    a_dev = await device(api, a)
    answer = await a_dev.send_text(b, "over the stream")
    assert answer.HasField("error")
    assert answer.error.reason == common_pb2.ERROR_REASON_BLOCKED_BY_USER
    await expect_error(
        s.relations.ApplyFriend(rel.ApplyFriendRequest(to_user_id=b), metadata=bearer(ta)),
        C.PERMISSION_DENIED,
        "ERROR_REASON_BLOCKED_BY_USER",
    )
    # The blocker may still write.
    await api.msg.SendMessage(text_to(a, "from the blocker"), metadata=bearer(tb))
    r = await s.relations.IsFriend(rel.IsFriendRequest(user_id=a), metadata=bearer(tb))
    assert r.blocked_by_me and not r.is_friend
    listed = await s.relations.ListBlacklist(rel.ListBlacklistRequest(), metadata=bearer(tb))
    assert [u.user.user_id for u in listed.users] == [a] and listed.page.total == 1
    await expect_error(
        s.relations.AddBlacklist(rel.AddBlacklistRequest(user_id=b), metadata=bearer(tb)),
        C.INVALID_ARGUMENT,
        "ERROR_REASON_SELF_TARGET",
    )

    await s.relations.RemoveBlacklist(rel.RemoveBlacklistRequest(user_id=a), metadata=bearer(tb))
    removed = await next_event(b_dev, "blacklist_removed")
    assert removed.notification.blacklist_removed.blocked_user_id == a
    await api.msg.SendMessage(text_to(b, "again"), metadata=bearer(ta))
    listed = await s.relations.ListBlacklist(rel.ListBlacklistRequest(), metadata=bearer(tb))
    assert list(listed.users) == []
    assert kinds(await notifications(api, tb, b)) == ["blacklist_added", "blacklist_removed"]
    await a_dev.close()
    await b_dev.close()


async def test_profile_change_notifies_friends_only(api: Api) -> None:
    s = Social(api)
    a, b, c = await users(api, 3)
    await befriend(s, a, b)
    b_dev = await device(api, b[0])
    await api.users.UpdateProfile(
        user_pb2.UpdateProfileRequest(nickname="Alice Liddell"), metadata=bearer(a[1])
    )
    changed = await next_event(b_dev, "profile_changed")
    assert changed.notification.profile_changed.user.user_id == a[0]
    assert changed.notification.profile_changed.user.nickname == "Alice Liddell"
    assert "profile_changed" not in kinds(await notifications(api, c[1], c[0]))
    assert "profile_changed" not in kinds(await notifications(api, a[1], a[0]))
    await b_dev.close()


async def test_notifications_recovered_by_sync_after_offline(api: Api) -> None:
    s = Social(api)
    a, b, c = await users(api, 3)
    # b is offline for all of it.
    await befriend(s, a, b)
    await s.relations.ApplyFriend(
        rel.ApplyFriendRequest(to_user_id=b[0], message="from c"), metadata=bearer(c[1])
    )
    await s.relations.AddBlacklist(rel.AddBlacklistRequest(user_id=c[0]), metadata=bearer(b[1]))
    await api.users.UpdateProfile(
        user_pb2.UpdateProfileRequest(avatar_url="https://x/a.png"), metadata=bearer(a[1])
    )
    b_dev = await device(api, b[0])
    got = await notifications(api, b[1], b[0])
    assert kinds(got) == [
        "friend_applied",
        "friend_added",
        "friend_applied",
        "blacklist_added",
        "profile_changed",
    ]
    assert [m.seq for m in got] == list(range(1, 6))
    assert all(not m.counts_unread for m in got)
    # Nothing was pushed for the past.
    await asyncio.sleep(0.2)
    assert [f for f in b_dev.drain() if f.HasField("notification")] == []
    await b_dev.close()


async def test_friends_only_messaging(fresh_server: ServerProcess) -> None:
    fresh_server.env["PARLEY_MESSAGES__FRIENDS_ONLY"] = "true"
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    try:
        s = Social(api)
        a, b = await users(api, 2)
        await expect_error(
            api.msg.SendMessage(text_to(b[0]), metadata=bearer(a[1])),
            C.PERMISSION_DENIED,
            "ERROR_REASON_NOT_FRIENDS",
        )
        # Notes to oneself need no friend.
        await api.msg.SendMessage(text_to(a[0], "note"), metadata=bearer(a[1]))
        await befriend(s, a, b)
        ack = await api.msg.SendMessage(text_to(b[0]), metadata=bearer(a[1]))
        assert ack.ack.seq == 1
        await s.relations.DeleteFriend(rel.DeleteFriendRequest(user_id=a[0]), metadata=bearer(b[1]))
        try:
            await api.msg.SendMessage(text_to(b[0], "gone"), metadata=bearer(a[1]))
        except grpc.aio.AioRpcError as e:
            assert error_reason(e) == "ERROR_REASON_NOT_FRIENDS"
        else:
            raise AssertionError("a non-friend could send")
    finally:
        await api.close()


async def test_relations_survive_restart(fresh_server: ServerProcess, tmp_path: Path) -> None:
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    s = Social(api)
    a, b = await users(api, 2)
    await befriend(s, a, b)
    await s.relations.AddBlacklist(rel.AddBlacklistRequest(user_id=a[0]), metadata=bearer(b[1]))
    await api.close()
    fresh_server.stop()
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    try:
        r = await Social(api).relations.IsFriend(
            rel.IsFriendRequest(user_id=a[0]), metadata=bearer(b[1])
        )
        assert r.is_friend and r.blocked_by_me
        await expect_error(
            api.msg.SendMessage(text_to(b[0]), metadata=bearer(a[1])),
            C.PERMISSION_DENIED,
            "ERROR_REASON_BLOCKED_BY_USER",
        )
    finally:
        await api.close()
