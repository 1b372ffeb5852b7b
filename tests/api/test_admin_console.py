"""AdminService for the console over real gRPC: what node answers, and an operator reads a
conversation by id or by its two users, newest first, with revoked and
deleted messages shown as such, pages back by seq, and revokes as admin."""

from __future__ import annotations

import time
from pathlib import Path

import grpc

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.ids import single_conversation_id
from parley.msg.v1 import message_pb2, msg_pb2, msg_pb2_grpc
from tests.api.test_admin import expect, text_message
from tests.harness import Api, bearer, new_user_id

MS = message_pb2.MessageStatus
ROOT = Path(__file__).resolve().parents[2]


async def test_reads_a_conversation_as_stored_and_revokes_as_admin(api: Api) -> None:
    alice, bob = new_user_id("mod"), new_user_id("mod")
    await api.register(alice, bob)
    msg = msg_pb2_grpc.MsgServiceStub(api.channel)
    admin = admin_pb2_grpc.AdminServiceStub(api.channel)
    as_alice = bearer(await api.token(alice))
    seqs = []
    for i in range(4):
        sent = await msg.SendMessage(text_message(bob, f"hello {i}"), metadata=as_alice)
        seqs.append(sent.ack.seq)
    cid = single_conversation_id(alice, bob)
    as_admin = bearer(api.admin_token)
    await msg.RevokeMessage(
        msg_pb2.RevokeMessageRequest(conversation_id=cid, seq=seqs[1]), metadata=as_admin
    )
    await msg.DeleteMessages(
        msg_pb2.DeleteMessagesRequest(
            conversation_id=cid, seqs=[seqs[2]], scope=msg_pb2.DeleteScope.DELETE_SCOPE_FOR_EVERYONE
        ),
        metadata=as_alice,
    )

    by_pair = await admin.ListConversationMessages(
        admin_pb2.ListConversationMessagesRequest(user_ids=[bob, alice]), metadata=as_admin
    )
    assert by_pair.conversation_id == cid
    stored = [m for m in by_pair.messages if m.seq in seqs]
    assert [m.seq for m in stored] == seqs[::-1]
    status = {m.seq: m.status for m in stored}
    assert status[seqs[0]] == MS.MESSAGE_STATUS_NORMAL
    assert status[seqs[1]] == MS.MESSAGE_STATUS_REVOKED
    assert status[seqs[2]] == MS.MESSAGE_STATUS_DELETED
    texts = {m.seq: m.content.text.text for m in stored}
    assert texts[seqs[0]] == "hello 0" and texts[seqs[3]] == "hello 3"
    assert not texts[seqs[1]] and not texts[seqs[2]]  # content cleared
    assert by_pair.max_seq == by_pair.messages[0].seq

    # Paging back by seq, by conversation id.
    older = await admin.ListConversationMessages(
        admin_pb2.ListConversationMessagesRequest(conversation_id=cid, before_seq=seqs[2], limit=1),
        metadata=as_admin,
    )
    assert [m.seq for m in older.messages] == [seqs[1]]


async def test_bad_lookups_are_refused_with_a_reason(api: Api) -> None:
    admin = admin_pb2_grpc.AdminServiceStub(api.channel)
    as_admin = bearer(api.admin_token)
    user = new_user_id("mod")
    for request in (
        admin_pb2.ListConversationMessagesRequest(),
        admin_pb2.ListConversationMessagesRequest(user_ids=[user]),
        admin_pb2.ListConversationMessagesRequest(user_ids=[user, user]),
        admin_pb2.ListConversationMessagesRequest(user_ids=[user, "bad_id"]),
        admin_pb2.ListConversationMessagesRequest(conversation_id="nonsense"),
        admin_pb2.ListConversationMessagesRequest(conversation_id="n_" + user, before_seq=-1),
    ):
        await expect(
            admin.ListConversationMessages(request, metadata=as_admin),
            grpc.StatusCode.INVALID_ARGUMENT,
            "ERROR_REASON_INVALID_ARGUMENT",
        )
    # A conversation nobody wrote in reads as empty.
    empty = await admin.ListConversationMessages(
        admin_pb2.ListConversationMessagesRequest(conversation_id="n_" + user), metadata=as_admin
    )
    assert empty.max_seq == 0 and not empty.messages


async def test_server_info_of_an_embedded_node(api: Api) -> None:
    admin = admin_pb2_grpc.AdminServiceStub(api.channel)
    before = int(time.time() * 1000)
    info = await admin.GetServerInfo(
        admin_pb2.GetServerInfoRequest(), metadata=bearer(api.admin_token)
    )
    assert info.version == (ROOT / "VERSION").read_text().strip()
    assert (info.mode, info.node_id, info.role) == ("embedded", "node-1", "")
    assert not info.peer_node_ids
    assert 0 < info.start_time_ms <= before
