"""An operator's view of a conversation: its messages as stored, revoked and
deleted ones included (status kept, content cleared), for review before a
revoke. Nobody's hidden or cleared range applies: that is a user's view."""

from __future__ import annotations

from collections.abc import Sequence

from parley.errors import invalid
from parley.ids import check_user_id, parse_conversation_id, single_conversation_id
from parley.log.pipeline import SeqService
from parley.msg.v1 import message_pb2
from parley.storage.interfaces import MessageStore

MS = message_pb2.MessageStatus
DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def stored_message(conversation_id: str, seq: int, body: bytes, status: int) -> message_pb2.Message:
    msg = message_pb2.Message.FromString(body)
    msg.status = status  # type: ignore[assignment]
    if status in (MS.MESSAGE_STATUS_REVOKED, MS.MESSAGE_STATUS_DELETED):
        msg.ClearField("content")
    return msg


class Moderation:
    def __init__(self, seqs: SeqService, messages: MessageStore) -> None:
        self.seqs = seqs
        self.messages = messages

    @staticmethod
    def conversation_of(conversation_id: str, user_ids: Sequence[str]) -> str:
        if conversation_id:
            return parse_conversation_id(conversation_id).conversation_id
        if len(user_ids) != 2 or user_ids[0] == user_ids[1]:
            raise invalid("name a conversation_id, or two different user_ids")
        for u in user_ids:
            check_user_id(u)
        return single_conversation_id(user_ids[0], user_ids[1])

    async def newest_first(
        self, conversation_id: str, before_seq: int, limit: int
    ) -> tuple[int, list[message_pb2.Message]]:
        if before_seq < 0 or limit < 0:
            raise invalid("before_seq and limit cannot be negative")
        top = await self.seqs.visible_max(conversation_id)
        hi = min(top, before_seq - 1) if before_seq else top
        lo = max(1, hi - min(limit or DEFAULT_LIMIT, MAX_LIMIT) + 1)
        if hi < 1:
            return top, []
        rows = {m.seq: m for m in await self.messages.get_range(conversation_id, lo, hi)}
        out = []
        for seq in range(hi, lo - 1, -1):
            row = rows.get(seq)
            out.append(
                stored_message(conversation_id, seq, row.body, row.status)
                if row
                else message_pb2.Message(conversation_id=conversation_id, seq=seq, placeholder=True)
            )
        return top, out
