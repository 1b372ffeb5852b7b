"""Sync by seq: pull ranges with placeholders, per-conversation seq state."""

from __future__ import annotations

from collections.abc import Sequence

from parley.common.v1 import common_pb2
from parley.domain.access import Access
from parley.domain.rules import Action
from parley.errors import R, invalid
from parley.ids import ConversationRef
from parley.log.pipeline import SeqService
from parley.msg.v1 import message_pb2, msg_pb2
from parley.storage.interfaces import ConversationStore, MessageStore
from parley.storage.records import UserConversation

ST = common_pb2.SessionType
MS = message_pb2.MessageStatus
MAX_PULL = 100
MAX_RANGES = 20


def placeholder(conversation_id: str, seq: int) -> message_pb2.Message:
    return message_pb2.Message(conversation_id=conversation_id, seq=seq, placeholder=True)


def visible_message(
    body: bytes, status: int, hidden: bool, user_id: str
) -> message_pb2.Message | None:
    if hidden or status == MS.MESSAGE_STATUS_DELETED:
        return None
    msg = message_pb2.Message.FromString(body)
    mentions = msg.mentions
    if mentions.all or user_id in mentions.user_ids:
        msg.mentions_me = msg.sender_id != user_id
    return msg


class Sync:
    def __init__(
        self,
        access: Access,
        seqs: SeqService,
        messages: MessageStore,
        conversations: ConversationStore,
    ) -> None:
        self.access = access
        self.seqs = seqs
        self.messages = messages
        self.conversations = conversations

    async def min_seq(self, user_id: str, ref: ConversationRef) -> int:
        uc = await self.conversations.get_user_conversation(user_id, ref.conversation_id)
        return uc.min_seq if uc else 0

    async def pull(
        self, user_id: str, ranges: Sequence[msg_pb2.SeqRange], order: int
    ) -> list[msg_pb2.PulledMessages]:
        if not ranges:
            raise invalid("no ranges given")
        if len(ranges) > MAX_RANGES:
            raise invalid(f"at most {MAX_RANGES} ranges per call")
        out = []
        for r in ranges:
            if r.begin < 1 or r.end < r.begin:
                raise invalid(
                    f"bad seq range [{r.begin}, {r.end}]", R.ERROR_REASON_SEQ_OUT_OF_RANGE
                )
            ref = (await self.access.admit(Action.PULL, r.conversation_id, user_id)).ref
            out.append(await self._pull_one(user_id, ref, r.begin, r.end, order))
        return out

    async def _pull_one(
        self, user_id: str, ref: ConversationRef, begin: int, end: int, order: int
    ) -> msg_pb2.PulledMessages:
        cid = ref.conversation_id
        floor = max(1, await self.min_seq(user_id, ref))
        top = await self.access.visible_top(user_id, cid, await self.seqs.visible_max(cid))
        lo, hi = max(begin, floor), min(end, top)
        result = msg_pb2.PulledMessages(conversation_id=cid)
        desc = order == msg_pb2.PullOrder.PULL_ORDER_DESC
        if lo > hi:
            result.is_end = True
            return result
        if hi - lo + 1 > MAX_PULL:
            if desc:
                lo = hi - MAX_PULL + 1
            else:
                hi = lo + MAX_PULL - 1
        rows = {m.seq: m for m in await self.messages.get_range(cid, lo, hi)}
        hidden = await self.messages.hidden_seqs(user_id, cid, lo, hi)
        seqs = range(hi, lo - 1, -1) if desc else range(lo, hi + 1)
        for seq in seqs:
            row = rows.get(seq)
            msg = visible_message(row.body, row.status, seq in hidden, user_id) if row else None
            result.messages.append(msg if msg is not None else placeholder(cid, seq))
        result.is_end = (lo == floor) if desc else (hi == top)
        return result

    async def seq_state(self, user_id: str, uc: UserConversation) -> message_pb2.ConversationSeq:
        cid = uc.conversation_id
        top = await self.access.visible_top(user_id, cid, await self.seqs.visible_max(cid))
        state = message_pb2.ConversationSeq(
            conversation_id=cid,
            max_seq=top,
            min_seq=uc.min_seq,
            has_read_seq=uc.has_read_seq,
        )
        if uc.session_type == ST.SESSION_TYPE_SINGLE and uc.peer_user_id:
            peer = await self.conversations.get_user_conversation(uc.peer_user_id, cid)
            if peer is not None:
                state.peer_has_read_seq = peer.has_read_seq
                state.peer_delivered_seq = peer.delivered_seq
        state.unread_count = await self.messages.count_unread(
            cid, user_id, max(uc.has_read_seq, uc.min_seq - 1), top
        )
        return state

    async def get_seqs(
        self, user_id: str, conversation_ids: Sequence[str]
    ) -> list[message_pb2.ConversationSeq]:
        if conversation_ids:
            for cid in conversation_ids:
                await self.access.readable(cid, user_id)
            pairs = await self.conversations.get_user_conversations(user_id, conversation_ids)
        else:
            pairs = await self.conversations.list_user_conversations(user_id, 0)
        return [await self.seq_state(user_id, uc) for uc, _ in pairs]
