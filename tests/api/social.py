"""Shared helpers of the relation and group tests: stubs, users, devices,
group sends, expected errors and notification pulls."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Sequence
from typing import Any

import grpc
import pytest

from parley.gateway.v1 import gateway_pb2
from parley.group.v1 import group_pb2, group_pb2_grpc
from parley.msg.v1 import message_pb2, msg_pb2
from parley.relation.v1 import relation_pb2_grpc
from tests.harness import ST, Api, Device, P, bearer, error_reason, new_user_id, pull_all


class Social:
    """Relation and group stubs on the Api's channel."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.relations = relation_pb2_grpc.RelationServiceStub(api.channel)
        self.groups = group_pb2_grpc.GroupServiceStub(api.channel)


async def users(api: Api, n: int, prefix: str = "u") -> list[tuple[str, str]]:
    """n new users with a token each."""
    ids = [new_user_id(prefix) for _ in range(n)]
    await api.register(*ids)
    return [(u, await api.token(u)) for u in ids]


User = tuple[str, str]


async def create(
    s: Social, owner: User, members: Sequence[User], admins: Sequence[User] = (), **kw: Any
) -> group_pb2.GroupInfo:
    """A group of `owner` with `members` (and `admins` among them)."""
    resp = await s.groups.CreateGroup(
        group_pb2.CreateGroupRequest(
            name=kw.pop("name", "team"),
            member_user_ids=[m[0] for m in members],
            admin_user_ids=[a[0] for a in admins],
            **kw,
        ),
        metadata=bearer(owner[1]),
    )
    return resp.group


async def device(api: Api, user: str, name: str = "", platform: int = P.PLATFORM_IOS) -> Device:
    d = Device(api.address, await api.token(user, platform), platform, name or f"{user}-dev")
    await d.open()
    return d


async def expect_error(call: Awaitable[Any], code: grpc.StatusCode, reason: str) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    assert info.value.code() == code, info.value
    assert error_reason(info.value) == reason, info.value


def group_message(
    group_id: str,
    text: str,
    mentions: Sequence[str] = (),
    mention_all: bool = False,
    need_read_receipt: bool = False,
) -> message_pb2.OutgoingMessage:
    om = message_pb2.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex,
        session_type=ST.SESSION_TYPE_GROUP,
        group_id=group_id,
        need_read_receipt=need_read_receipt,
    )
    om.content.text.text = text
    om.mentions.user_ids.extend(mentions)
    om.mentions.all = mention_all
    return om


async def send_group(
    api: Api, token: str, group_id: str, text: str, **kw: Any
) -> message_pb2.SendAck:
    resp = await api.msg.SendMessage(
        msg_pb2.SendMessageRequest(message=group_message(group_id, text, **kw)),
        metadata=bearer(token),
    )
    return resp.ack


async def device_send_group(d: Device, group_id: str, text: str) -> gateway_pb2.ServerFrame:
    frame = gateway_pb2.ClientFrame()
    frame.send.message.CopyFrom(group_message(group_id, text))
    return await d.request(frame)


async def seq_state(api: Api, token: str, conversation_id: str) -> message_pb2.ConversationSeq:
    resp = await api.msg.GetSeqs(
        msg_pb2.GetSeqsRequest(conversation_ids=[conversation_id]), metadata=bearer(token)
    )
    assert len(resp.seqs) == 1, resp
    return resp.seqs[0]


async def events(api: Api, token: str, conversation_id: str) -> list[message_pb2.Message]:
    """Every stored event (notification) of a conversation the caller may read."""
    top = (await seq_state(api, token, conversation_id)).max_seq
    msgs = await pull_all(api, token, conversation_id, top)
    return [m for m in msgs if m.HasField("notification")]


def kinds(msgs: Sequence[message_pb2.Message]) -> list[str]:
    return [str(m.notification.WhichOneof("event")) for m in msgs]


async def notifications(api: Api, token: str, user_id: str) -> list[message_pb2.Message]:
    """The user's notification conversation (`n_<user>`), pulled by seq."""
    resp = await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))
    state = {s.conversation_id: s for s in resp.seqs}.get(f"n_{user_id}")
    if state is None:
        return []
    return await pull_all(api, token, f"n_{user_id}", state.max_seq)


async def next_event(d: Device, kind: str, timeout: float = 10.0) -> message_pb2.Message:
    """The next pushed notification of the given event kind (others skipped)."""
    while True:
        frame = await d.next_frame("notification", timeout)
        msg = frame.notification.message
        if msg.notification.WhichOneof("event") == kind:
            return msg


def revoke(api: Api, token: str, cid: str, seq: int) -> Awaitable[msg_pb2.RevokeMessageResponse]:
    return api.msg.RevokeMessage(
        msg_pb2.RevokeMessageRequest(conversation_id=cid, seq=seq), metadata=bearer(token)
    )


def edit(
    api: Api, token: str, cid: str, seq: int, text: str
) -> Awaitable[msg_pb2.EditMessageResponse]:
    req = msg_pb2.EditMessageRequest(conversation_id=cid, seq=seq)
    req.content.text.text = text
    return api.msg.EditMessage(req, metadata=bearer(token))


def delete(
    api: Api, token: str, cid: str, seqs: Sequence[int], scope: int
) -> Awaitable[msg_pb2.DeleteMessagesResponse]:
    return api.msg.DeleteMessages(
        msg_pb2.DeleteMessagesRequest(conversation_id=cid, seqs=seqs, scope=scope),  # type: ignore[arg-type]
        metadata=bearer(token),
    )
