"""Webhooks against a real HTTP receiver: before-send verdicts, after-send,
presence, offline push and signatures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from parley.common.v1 import common_pb2
from parley.conversation.v1 import conversation_pb2
from parley.group.v1 import group_pb2, group_pb2_grpc
from parley.hooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from parley.msg.v1 import message_pb2, msg_pb2
from parley.relation.v1 import relation_pb2, relation_pb2_grpc
from parley.user.v1 import user_pb2
from tests.harness import ST, Api, Device, P, bearer, error_reason, new_user_id
from tests.hooks.conftest import SECRET, start_server, stop_server
from tests.hooks.receiver import HookReceiver, delivery_id

RO = common_pb2.ReceiveOption


def verdict(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc["event"] == "before.friend.apply" and "spam" in doc["message"]:
        return {"action": "deny", "message": "no spam, please"}
    if doc["event"] == "before.group.create" and doc["name"] == "forbidden-group":
        return {"action": "deny", "message": "pick another name"}
    text = doc.get("content", {}).get("text", {}).get("text", "")
    if "forbidden" in text:
        return {"action": "deny", "message": "contains forbidden words"}
    if "replace-me" in text:
        return {"action": "replace", "content": {"text": {"text": "[redacted]"}}}
    return None


@pytest.fixture(scope="module")
async def hooked(
    receiver: HookReceiver, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Api]:
    receiver.answer = verdict
    proc, api = await start_server(
        tmp_path_factory.mktemp("hooked") / "data",
        {"PARLEY_HOOKS__URL": receiver.url, "PARLEY_HOOKS__SECRET": SECRET},
    )
    yield api
    await stop_server(proc, api)


async def users(api: Api, n: int) -> list[tuple[str, str]]:
    ids = [new_user_id("h") for _ in range(n)]
    await api.register(*ids)
    return [(u, await api.token(u)) for u in ids]


async def device(api: Api, user: str) -> Device:
    d = Device(api.address, await api.token(user, P.PLATFORM_IOS), P.PLATFORM_IOS, f"{user}-d")
    await d.open()
    return d


def single(recv: str, text: str, silent: bool = False) -> message_pb2.OutgoingMessage:
    om = message_pb2.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex,
        session_type=ST.SESSION_TYPE_SINGLE,
        recv_id=recv,
        silent=silent,
    )
    om.content.text.text = text
    return om


async def send(api: Api, token: str, om: message_pb2.OutgoingMessage) -> message_pb2.SendAck:
    resp = await api.msg.SendMessage(msg_pb2.SendMessageRequest(message=om), metadata=bearer(token))
    return resp.ack


async def test_before_send_deny_reaches_the_sender(hooked: Api, receiver: HookReceiver) -> None:
    (alice, ta), (bob, _) = await users(hooked, 2)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await send(hooked, ta, single(bob, "some forbidden words"))
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_reason(info.value) == "ERROR_REASON_DENIED_BY_HOOK"
    assert info.value.details() == "contains forbidden words"

    call = await receiver.wait_for("before.message.send", lambda d: d["sender_id"] == alice)
    assert call.doc["recv_id"] == bob
    assert call.doc["session_type"] == "SESSION_TYPE_SINGLE"
    assert call.doc["sender_platform"] == "PLATFORM_IOS"
    assert call.doc["content"] == {"text": {"text": "some forbidden words"}}

    # On the stream the same verdict is an error frame; nothing was stored.
    d = await device(hooked, alice)
    try:
        frame = await d.send_text(bob, "forbidden again")
        assert frame.WhichOneof("body") == "error"
        assert frame.error.reason == common_pb2.ERROR_REASON_DENIED_BY_HOOK
        assert frame.error.message == "contains forbidden words"
        ok = await d.send_text(bob, "hello")
        assert ok.send_ack.ack.seq == 1
    finally:
        await d.close()


async def test_before_send_replace(hooked: Api, receiver: HookReceiver) -> None:
    (alice, _), (bob, _) = await users(hooked, 2)
    da, db = await device(hooked, alice), await device(hooked, bob)
    try:
        frame = await da.send_text(bob, "please replace-me")
        ack = frame.send_ack.ack
        assert ack.replaced_content.text.text == "[redacted]"
        pushed = await db.next_frame("message")
        assert pushed.message.message.content.text.text == "[redacted]"
        after = await receiver.wait_for(
            "after.message.send", lambda d: d["message"]["server_msg_id"] == ack.server_msg_id
        )
        assert after.doc["message"]["content"] == {"text": {"text": "[redacted]"}}
        # A resend gets the same ack, replacement included.
        again = await da.send_text(bob, "please replace-me", ack.client_msg_id)
        assert again.send_ack.ack.duplicate
        assert again.send_ack.ack.replaced_content.text.text == "[redacted]"
    finally:
        await da.close()
        await db.close()


async def test_presence_and_offline_push(hooked: Api, receiver: HookReceiver) -> None:
    (alice, ta), (bob, tb), (carol, _), (dave, tdave) = await users(hooked, 4)
    dc = await device(hooked, carol)
    try:
        online = await receiver.wait_for("user.online", lambda d: d["user_id"] == carol)
        assert online.doc["platforms"] == ["PLATFORM_IOS"]

        to_bob = await send(hooked, ta, single(bob, "are you there, bob?"))
        to_carol = await send(hooked, ta, single(carol, "hi carol"))
        push = await receiver.wait_for(
            "push.offline", lambda d: d["pushes"][0]["server_msg_id"] == to_bob.server_msg_id
        )
        entry = push.doc["pushes"][0]
        assert entry["user_id"] == bob
        assert entry["conversation_id"] == to_bob.conversation_id
        assert entry["sender_id"] == alice
        assert entry["sender_nickname"] == alice
        assert entry["summary"] == "are you there, bob?"
        assert entry["session_type"] == "SESSION_TYPE_SINGLE"
        assert entry["seq"] == to_bob.seq
        assert entry["receive_option"] == "RECEIVE_OPTION_NORMAL"
        assert len(push.doc["pushes"]) == 1

        # Silent, muted conversation, muted user: stored, no push.
        silent = await send(hooked, ta, single(bob, "shh", silent=True))
        await hooked.conversations.SetConversation(
            conversation_pb2.SetConversationRequest(
                conversation_id=to_bob.conversation_id, receive_option=RO.RECEIVE_OPTION_NO_NOTIFY
            ),
            metadata=bearer(tb),
        )
        muted_conv = await send(hooked, ta, single(bob, "muted conversation"))
        await hooked.users.SetGlobalReceiveOption(
            user_pb2.SetGlobalReceiveOptionRequest(option=RO.RECEIVE_OPTION_NOT_RECEIVE),
            metadata=bearer(tdave),
        )
        muted_user = await send(hooked, ta, single(dave, "muted user"))
        last = await send(hooked, ta, single(carol, "last one"))
        for ack in (to_carol, silent, muted_conv, muted_user, last):
            await receiver.wait_for(
                "after.message.send",
                lambda d, a=ack: d["message"]["server_msg_id"] == a.server_msg_id,
            )
        await asyncio.sleep(0.5)  # push.offline calls run beside after-send calls
        pushed_ids = {
            e["server_msg_id"] for c in receiver.of("push.offline") for e in c.doc["pushes"]
        }
        assert to_bob.server_msg_id in pushed_ids
        for ack in (to_carol, silent, muted_conv, muted_user, last):
            assert ack.server_msg_id not in pushed_ids

        after = receiver.of(
            "after.message.send", lambda d: d["message"]["server_msg_id"] == silent.server_msg_id
        )[0]
        assert after.doc["silent"] is True
        assert after.doc["message"]["sender_id"] == alice
        assert after.doc["message"]["seq"] == str(silent.seq)  # proto3 JSON: int64 as string
    finally:
        await dc.close()
    await receiver.wait_for("user.offline", lambda d: d["user_id"] == carol)


async def test_group_send_hooks_and_offline_push(hooked: Api, receiver: HookReceiver) -> None:
    (alice, ta), (bob, _), (carol, _), (dave, tdave) = await users(hooked, 4)
    await hooked.users.SetGlobalReceiveOption(
        user_pb2.SetGlobalReceiveOptionRequest(option=RO.RECEIVE_OPTION_NO_NOTIFY),
        metadata=bearer(tdave),
    )
    groups = group_pb2_grpc.GroupServiceStub(hooked.channel)
    created = await groups.CreateGroup(
        group_pb2.CreateGroupRequest(name="hooks", member_user_ids=[bob, carol, dave]),
        metadata=bearer(ta),
    )
    gid = created.group.group_id
    dc = await device(hooked, carol)
    try:
        om = message_pb2.OutgoingMessage(
            client_msg_id=uuid.uuid4().hex, session_type=ST.SESSION_TYPE_GROUP, group_id=gid
        )
        om.content.text.text = "group hello"
        ack = await send(hooked, ta, om)
        before = await receiver.wait_for(
            "before.message.send", lambda d: d["client_msg_id"] == om.client_msg_id
        )
        assert before.doc["group_id"] == gid
        assert before.doc["sender_id"] == alice
        assert before.doc["session_type"] == "SESSION_TYPE_GROUP"
        push = await receiver.wait_for(
            "push.offline", lambda d: d["pushes"][0]["server_msg_id"] == ack.server_msg_id
        )
        # carol is online, dave muted everything, alice sent it.
        assert [e["user_id"] for e in push.doc["pushes"]] == [bob]
        assert push.doc["pushes"][0]["group_id"] == gid

        om2 = message_pb2.OutgoingMessage(
            client_msg_id=uuid.uuid4().hex, session_type=ST.SESSION_TYPE_GROUP, group_id=gid
        )
        om2.content.text.text = "forbidden in groups too"
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await send(hooked, ta, om2)
        assert error_reason(info.value) == "ERROR_REASON_DENIED_BY_HOOK"
    finally:
        await dc.close()


async def test_every_call_is_signed(hooked: Api, receiver: HookReceiver) -> None:
    (_, ta), (bob, _) = await users(hooked, 2)
    ack = await send(hooked, ta, single(bob, "signed?"))
    await receiver.wait_for(
        "after.message.send", lambda d: d["message"]["server_msg_id"] == ack.server_msg_id
    )
    assert receiver.calls
    for call in receiver.calls:
        assert call.signed, call.headers
        assert call.doc["event"] == call.event
        assert call.headers["Content-Type"] == "application/json"
        ts = call.headers[TIMESTAMP_HEADER]
        sig = call.headers[SIGNATURE_HEADER]
        assert sig.startswith("sha256=")
        assert not verify("wrong-secret", ts, call.body, sig)
        assert not verify(SECRET, ts, call.body + b" ", sig)
    deliveries = [delivery_id(c) for c in receiver.calls]
    assert len(set(deliveries)) == len(deliveries)


async def test_friend_and_group_change_hooks(hooked: Api, receiver: HookReceiver) -> None:
    (alice, ta), (bob, tb) = await users(hooked, 2)
    relations = relation_pb2_grpc.RelationServiceStub(hooked.channel)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await relations.ApplyFriend(
            relation_pb2.ApplyFriendRequest(to_user_id=bob, message="buy spam"),
            metadata=bearer(ta),
        )
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_reason(info.value) == "ERROR_REASON_DENIED_BY_HOOK"
    assert info.value.details() == "no spam, please"
    listed = await relations.ListFriendApplications(
        relation_pb2.ListFriendApplicationsRequest(), metadata=bearer(tb)
    )
    assert not listed.applications

    await relations.ApplyFriend(
        relation_pb2.ApplyFriendRequest(to_user_id=bob, message="hi"), metadata=bearer(ta)
    )
    after = await receiver.wait_for("after.friend.apply", lambda d: d["from_user_id"] == alice)
    assert after.doc["to_user_id"] == bob and after.doc["message"] == "hi"
    await relations.RespondFriendApplication(
        relation_pb2.RespondFriendApplicationRequest(from_user_id=alice, accept=True),
        metadata=bearer(tb),
    )
    responded = await receiver.wait_for("after.friend.respond", lambda d: d["to_user_id"] == bob)
    assert responded.doc["accept"] is True
    assert receiver.of("before.friend.respond", lambda d: d["to_user_id"] == bob)

    groups = group_pb2_grpc.GroupServiceStub(hooked.channel)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await groups.CreateGroup(
            group_pb2.CreateGroupRequest(name="forbidden-group", member_user_ids=[bob]),
            metadata=bearer(ta),
        )
    assert error_reason(info.value) == "ERROR_REASON_DENIED_BY_HOOK"
    created = await groups.CreateGroup(
        group_pb2.CreateGroupRequest(name="fine", member_user_ids=[bob]), metadata=bearer(ta)
    )
    gid = created.group.group_id
    done = await receiver.wait_for("after.group.create", lambda d: d.get("group_id") == gid)
    assert done.doc["owner_user_id"] == alice and done.doc["member_user_ids"] == [bob]
    await groups.QuitGroup(group_pb2.QuitGroupRequest(group_id=gid), metadata=bearer(tb))
    quit_ = await receiver.wait_for("after.group.quit", lambda d: d["group_id"] == gid)
    assert quit_.doc["user_id"] == bob


async def test_moderation_hooks_say_who_removed_a_message(
    hooked: Api, receiver: HookReceiver
) -> None:
    """after.message.revoke and after.message.delete name the remover and in
    what capacity: the sender, a group owner or admin, or an admin token."""
    (alice, ta), (bob, _) = await users(hooked, 2)
    sent = await hooked.msg.SendMessage(
        msg_pb2.SendMessageRequest(message=single(bob, "take me down")), metadata=bearer(ta)
    )
    cid, seq = sent.ack.conversation_id, sent.ack.seq
    await hooked.msg.RevokeMessage(
        msg_pb2.RevokeMessageRequest(conversation_id=cid, seq=seq),
        metadata=bearer(hooked.admin_token),
    )
    revoked = await receiver.wait_for("after.message.revoke", lambda d: d["conversation_id"] == cid)
    assert {k: revoked.doc[k] for k in ("seq", "sender_id", "revoker_user_id", "revoked_as")} == {
        "seq": seq,
        "sender_id": alice,
        "revoker_user_id": "admin",
        "revoked_as": "MESSAGE_ACTOR_ADMIN",
    }
    again = await hooked.msg.SendMessage(
        msg_pb2.SendMessageRequest(message=single(bob, "mine to delete")), metadata=bearer(ta)
    )
    await hooked.msg.DeleteMessages(
        msg_pb2.DeleteMessagesRequest(
            conversation_id=cid,
            seqs=[again.ack.seq],
            scope=msg_pb2.DeleteScope.DELETE_SCOPE_FOR_EVERYONE,
        ),
        metadata=bearer(ta),
    )
    deleted = await receiver.wait_for("after.message.delete", lambda d: d["conversation_id"] == cid)
    assert deleted.doc["seqs"] == [again.ack.seq] and deleted.doc["sender_ids"] == [alice]
    assert deleted.doc["deleter_user_id"] == alice
    assert deleted.doc["deleted_as"] == "MESSAGE_ACTOR_SENDER"
    assert deleted.doc["event_seq"] > again.ack.seq
