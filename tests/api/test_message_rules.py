"""What SendMessage refuses, editing and typing refuse too: a blacklist, a
mute and a dismissed group hold for every action that speaks into a
conversation (domain/rules.py), over real gRPC."""

from __future__ import annotations

import asyncio
import uuid

import grpc

from parley.common.v1 import common_pb2
from parley.gateway.v1 import gateway_pb2
from parley.group.v1 import group_pb2 as g
from parley.ids import single_conversation_id
from parley.msg.v1 import message_pb2, msg_pb2, notification_pb2
from parley.relation.v1 import relation_pb2 as rel
from tests.api.social import (
    Social,
    create,
    delete,
    device,
    edit,
    events,
    expect_error,
    next_event,
    revoke,
    send_group,
    users,
)
from tests.harness import ST, Api, Device, ServerProcess, bearer, pull_all

C = grpc.StatusCode
R = common_pb2.ErrorReason
MS = message_pb2.MessageStatus
MA = notification_pb2.MessageActor
FOR_EVERYONE = msg_pb2.DeleteScope.DELETE_SCOPE_FOR_EVERYONE
FOR_ME = msg_pb2.DeleteScope.DELETE_SCOPE_FOR_ME


async def typing(d: Device, cid: str) -> gateway_pb2.ServerFrame:
    """Typing is not answered when relayed: a ping after it proves it was
    handled; an error frame comes back instead when it was refused."""
    frame = gateway_pb2.ClientFrame(request_id=d.next_rid())
    frame.typing.conversation_id = cid
    frame.typing.typing = True
    refused = d._expect(frame.request_id)
    await d.post(frame)
    ping = gateway_pb2.ClientFrame()
    ping.ping.client_time_ms = 1
    await d.request(ping)
    await asyncio.sleep(0.2)
    if refused.done():
        return refused.result()
    d.answers.pop(frame.request_id, None)
    return gateway_pb2.ServerFrame()


def typing_frames(d: Device) -> list[gateway_pb2.ServerFrame]:
    return [f for f in d.drain() if f.HasField("typing")]


async def test_a_blocked_user_cannot_edit_towards_the_blocker(api: Api) -> None:
    """Regression: the blocked user's edit was stored and pushed as MessageEdited."""
    s = Social(api)
    (a, ta), (b, tb) = await users(api, 2)
    om = message_pb2.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex, session_type=ST.SESSION_TYPE_SINGLE, recv_id=b
    )
    om.content.text.text = "before"
    ack = (
        await api.msg.SendMessage(msg_pb2.SendMessageRequest(message=om), metadata=bearer(ta))
    ).ack
    cid = ack.conversation_id
    await s.relations.AddBlacklist(rel.AddBlacklistRequest(user_id=a), metadata=bearer(tb))
    b_dev = await device(api, b)
    await expect_error(
        edit(api, ta, cid, ack.seq, "sneaked in"),
        C.PERMISSION_DENIED,
        "ERROR_REASON_BLOCKED_BY_USER",
    )
    [stored] = await pull_all(api, tb, cid, ack.seq)
    assert stored.content.text.text == "before" and not stored.edited
    # Taking back what they said is still theirs to do.
    await revoke(api, ta, cid, ack.seq)
    ev = await next_event(b_dev, "message_revoked")
    assert ev.notification.message_revoked.revoker_user_id == a
    assert [
        f for f in b_dev.drain() if f.notification.message.notification.HasField("message_edited")
    ] == []
    await b_dev.close()


async def test_a_muted_member_cannot_edit_or_type(api: Api) -> None:
    s = Social(api)
    owner, m, other = await users(api, 3)
    info = await create(s, owner, [m, other])
    gid, cid = info.group_id, info.conversation_id
    mine = await send_group(api, m[1], gid, "said before the mute")
    await s.groups.MuteMember(
        g.MuteMemberRequest(group_id=gid, user_id=m[0], duration_seconds=600),
        metadata=bearer(owner[1]),
    )
    m_dev, other_dev = await device(api, m[0]), await device(api, other[0])
    await expect_error(
        edit(api, m[1], cid, mine.seq, "louder"), C.PERMISSION_DENIED, "ERROR_REASON_MUTED"
    )
    answer = await typing(m_dev, cid)
    assert answer.error.reason == R.ERROR_REASON_MUTED, answer
    assert typing_frames(other_dev) == []
    # A mute stops speaking, not taking back.
    await revoke(api, m[1], cid, mine.seq)
    # The whole group muted: members may not edit, admins and the owner may.
    await s.groups.MuteMember(
        g.MuteMemberRequest(group_id=gid, user_id=m[0], duration_seconds=0),
        metadata=bearer(owner[1]),
    )
    theirs = await send_group(api, other[1], gid, "members talk")
    by_owner = await send_group(api, owner[1], gid, "owner talks")
    await s.groups.MuteGroup(
        g.MuteGroupRequest(group_id=gid, muted=True), metadata=bearer(owner[1])
    )
    await expect_error(
        edit(api, other[1], cid, theirs.seq, "x"), C.PERMISSION_DENIED, "ERROR_REASON_MUTED"
    )
    await edit(api, owner[1], cid, by_owner.seq, "owner still talks")
    for d in (m_dev, other_dev):
        await d.close()


async def test_a_dismissed_group_is_read_only_history(api: Api) -> None:
    """Regression: a member edited their message in a dismissed group."""
    s = Social(api)
    owner, m = await users(api, 2)
    info = await create(s, owner, [m])
    gid, cid = info.group_id, info.conversation_id
    mine = await send_group(api, m[1], gid, "kept as it was")
    other = await send_group(api, m[1], gid, "also kept")
    await s.groups.DismissGroup(g.DismissGroupRequest(group_id=gid), metadata=bearer(owner[1]))
    m_dev = await device(api, m[0])
    dismissed = (C.FAILED_PRECONDITION, "ERROR_REASON_GROUP_DISMISSED")
    for call in (
        edit(api, m[1], cid, mine.seq, "rewritten"),
        revoke(api, m[1], cid, mine.seq),
        delete(api, m[1], cid, [mine.seq], FOR_EVERYONE),
        revoke(api, owner[1], cid, mine.seq),
    ):
        await expect_error(call, *dismissed)
    answer = await typing(m_dev, cid)
    assert answer.error.reason == R.ERROR_REASON_GROUP_DISMISSED, answer
    # Reading it stays: pull, mark read, delete for me.
    top = other.seq
    kept = {x.seq: x for x in await pull_all(api, m[1], cid, top)}
    assert kept[mine.seq].content.text.text == "kept as it was"
    await api.msg.MarkRead(
        msg_pb2.MarkReadRequest(conversation_id=cid, has_read_seq=top), metadata=bearer(m[1])
    )
    await delete(api, m[1], cid, [other.seq], FOR_ME)
    # The operator may still take content down.
    await revoke(api, api.admin_token, cid, mine.seq)
    ev = await next_event(m_dev, "message_revoked")
    assert ev.notification.message_revoked.revoked_as == MA.MESSAGE_ACTOR_ADMIN
    await m_dev.close()


async def test_typing_does_not_cross_a_blacklist(api: Api) -> None:
    """Regression: the blocker's stream received the blocked user's typing."""
    s = Social(api)
    (a, _), (b, tb) = await users(api, 2)
    await s.relations.AddBlacklist(rel.AddBlacklistRequest(user_id=a), metadata=bearer(tb))
    a_dev, b_dev = await device(api, a), await device(api, b)
    cid = single_conversation_id(a, b)
    answer = await typing(a_dev, cid)
    assert answer.error.reason == R.ERROR_REASON_BLOCKED_BY_USER, answer
    assert typing_frames(b_dev) == []
    # The blocker may still send, so may still type.
    assert (await typing(b_dev, cid)).error.reason == 0
    [seen] = typing_frames(a_dev)
    assert seen.typing.user_id == b
    for d in (a_dev, b_dev):
        await d.close()


async def test_window_and_friendship_bind_the_sender_not_moderators(
    fresh_server: ServerProcess,
) -> None:
    """With a zero revoke window, the sender cannot revoke but the group's
    admin still can; in friends-only mode an edit to a former friend is
    refused like a send."""
    fresh_server.env.update(
        {"PARLEY_MESSAGES__REVOKE_WINDOW_SECONDS": "0", "PARLEY_MESSAGES__FRIENDS_ONLY": "true"}
    )
    await asyncio.to_thread(fresh_server.start)
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    s = Social(api)
    owner, m = await users(api, 2)
    info = await create(s, owner, [m])
    mine = await send_group(api, m[1], info.group_id, "too late to take back")
    await asyncio.sleep(0.01)
    await expect_error(
        revoke(api, m[1], info.conversation_id, mine.seq),
        C.FAILED_PRECONDITION,
        "ERROR_REASON_REVOKE_WINDOW_PASSED",
    )
    await revoke(api, owner[1], info.conversation_id, mine.seq)
    # The owner's own message, past the window: removed as the group's owner.
    theirs = await send_group(api, owner[1], info.group_id, "the owner's")
    await asyncio.sleep(0.01)
    await revoke(api, owner[1], info.conversation_id, theirs.seq)
    ev = (await events(api, m[1], info.conversation_id))[-1]
    assert ev.notification.message_revoked.revoked_as == MA.MESSAGE_ACTOR_GROUP_OWNER

    await s.relations.ApplyFriend(
        rel.ApplyFriendRequest(to_user_id=m[0]), metadata=bearer(owner[1])
    )
    await s.relations.RespondFriendApplication(
        rel.RespondFriendApplicationRequest(from_user_id=owner[0], accept=True),
        metadata=bearer(m[1]),
    )
    om = message_pb2.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex, session_type=ST.SESSION_TYPE_SINGLE, recv_id=m[0]
    )
    om.content.text.text = "while friends"
    ack = (
        await api.msg.SendMessage(msg_pb2.SendMessageRequest(message=om), metadata=bearer(owner[1]))
    ).ack
    await s.relations.DeleteFriend(rel.DeleteFriendRequest(user_id=m[0]), metadata=bearer(owner[1]))
    await expect_error(
        edit(api, owner[1], ack.conversation_id, ack.seq, "after the friendship"),
        C.PERMISSION_DENIED,
        "ERROR_REASON_NOT_FRIENDS",
    )
    await api.close()
