"""Moderation over real gRPC: group owners and admins revoke and delete their
members' messages by rank, an admin token removes any message, and the events
record who did it in what capacity."""

from __future__ import annotations

import grpc

from parley.msg.v1 import message_pb2, msg_pb2, notification_pb2
from tests.api.social import (
    Social,
    create,
    delete,
    device,
    events,
    expect_error,
    next_event,
    revoke,
    send_group,
    users,
)
from tests.harness import ST, Api, bearer, pull_all

C = grpc.StatusCode
MS = message_pb2.MessageStatus
MA = notification_pb2.MessageActor
FOR_EVERYONE = msg_pb2.DeleteScope.DELETE_SCOPE_FOR_EVERYONE


async def test_group_owner_and_admins_moderate_by_rank(api: Api) -> None:
    """Regression: the owner and group admins got NOT_MESSAGE_SENDER."""
    s = Social(api)
    owner, adm, adm2, m1, m2 = await users(api, 5)
    info = await create(s, owner, [adm, adm2, m1, m2], [adm, adm2])
    gid, cid = info.group_id, info.conversation_id
    m2_dev = await device(api, m2[0])
    by_m1 = await send_group(api, m1[1], gid, "spam")
    by_m1_again = await send_group(api, m1[1], gid, "more spam")
    by_owner = await send_group(api, owner[1], gid, "rules")
    by_adm2 = await send_group(api, adm2[1], gid, "admin talk")

    # A plain member moderates nobody.
    await expect_error(
        revoke(api, m2[1], cid, by_m1.seq), C.PERMISSION_DENIED, "ERROR_REASON_NOT_MESSAGE_SENDER"
    )
    # An admin moderates members.
    await revoke(api, adm[1], cid, by_m1.seq)
    ev = await next_event(m2_dev, "message_revoked")
    rev = ev.notification.message_revoked
    assert (rev.seq, rev.revoker_user_id, rev.revoked_as) == (
        by_m1.seq,
        adm[0],
        MA.MESSAGE_ACTOR_GROUP_ADMIN,
    )
    await delete(api, adm[1], cid, [by_m1_again.seq], FOR_EVERYONE)
    ev = await next_event(m2_dev, "messages_deleted")
    dele = ev.notification.messages_deleted
    assert (list(dele.seqs), dele.deleter_user_id, dele.deleted_as) == (
        [by_m1_again.seq],
        adm[0],
        MA.MESSAGE_ACTOR_GROUP_ADMIN,
    )
    # ... but neither the owner nor another admin.
    for seq in (by_owner.seq, by_adm2.seq):
        for call in (revoke(api, adm[1], cid, seq), delete(api, adm[1], cid, [seq], FOR_EVERYONE)):
            await expect_error(call, C.PERMISSION_DENIED, "ERROR_REASON_GROUP_PERMISSION_DENIED")
    # The owner moderates admins too.
    await revoke(api, owner[1], cid, by_adm2.seq)
    ev = await next_event(m2_dev, "message_revoked")
    assert ev.notification.message_revoked.revoked_as == MA.MESSAGE_ACTOR_GROUP_OWNER
    # A sender revoking their own message says so.
    await revoke(api, owner[1], cid, by_owner.seq)
    ev = await next_event(m2_dev, "message_revoked")
    assert ev.notification.message_revoked.revoked_as == MA.MESSAGE_ACTOR_SENDER

    stored = {m.seq: m for m in await pull_all(api, m2[1], cid, by_adm2.seq)}
    assert stored[by_m1.seq].status == MS.MESSAGE_STATUS_REVOKED
    assert stored[by_m1_again.seq].placeholder  # deleted for everyone: a hole from now on
    assert stored[by_adm2.seq].status == MS.MESSAGE_STATUS_REVOKED
    await m2_dev.close()


async def test_admin_token_removes_any_message(api: Api) -> None:
    """Regression: an admin token got PERMISSION_DENIED ("this call needs a
    user token") and the message stayed."""
    s = Social(api)
    a, b, owner = await users(api, 3)
    om = message_pb2.OutgoingMessage(
        client_msg_id="m-1", session_type=ST.SESSION_TYPE_SINGLE, recv_id=b[0]
    )
    om.content.text.text = "abuse"
    ack = (
        await api.msg.SendMessage(msg_pb2.SendMessageRequest(message=om), metadata=bearer(a[1]))
    ).ack
    b_dev = await device(api, b[0])
    resp = await revoke(api, api.admin_token, ack.conversation_id, ack.seq)
    ev = await next_event(b_dev, "message_revoked")
    assert ev.seq == resp.event_seq
    rev = ev.notification.message_revoked
    assert rev.revoker_user_id == "admin" and rev.revoked_as == MA.MESSAGE_ACTOR_ADMIN
    [stored] = await pull_all(api, b[1], ack.conversation_id, ack.seq)
    assert stored.status == MS.MESSAGE_STATUS_REVOKED and not stored.HasField("content")

    # In any group, whoever sent it, including its owner.
    info = await create(s, owner, [a, b])
    by_owner = await send_group(api, owner[1], info.group_id, "owner's")
    await delete(api, api.admin_token, info.conversation_id, [by_owner.seq], FOR_EVERYONE)
    ev = await next_event(b_dev, "messages_deleted")
    dele = ev.notification.messages_deleted
    assert (dele.deleter_user_id, dele.deleted_as) == ("admin", MA.MESSAGE_ACTOR_ADMIN)
    kinds_seen = [
        m.notification.WhichOneof("event") for m in await events(api, b[1], info.conversation_id)
    ]
    assert kinds_seen[-1] == "messages_deleted"
    # Nothing to remove: a clear status, never INTERNAL.
    await expect_error(
        revoke(api, api.admin_token, info.conversation_id, by_owner.seq + 100),
        C.NOT_FOUND,
        "ERROR_REASON_MESSAGE_NOT_FOUND",
    )
    await expect_error(
        revoke(api, api.admin_token, "sg_no-such-group", 1),
        C.NOT_FOUND,
        "ERROR_REASON_GROUP_NOT_FOUND",
    )
    await b_dev.close()
