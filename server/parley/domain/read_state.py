"""Read state and delivery receipts."""

from __future__ import annotations

from collections.abc import Iterable

from parley.bounded import LruDict
from parley.common.v1 import common_pb2
from parley.domain.access import Access
from parley.domain.rules import Action
from parley.domain.sync import Sync
from parley.errors import R, invalid, not_found
from parley.gateway.v1 import gateway_pb2
from parley.ids import ConversationRef
from parley.log.conversation_log import ConversationLog
from parley.msg.v1 import message_pb2, msg_pb2, notification_pb2
from parley.storage.batch import WriteBatch

ST = common_pb2.SessionType


class ReadState:
    def __init__(
        self, access: Access, log: ConversationLog, sync: Sync, cursors: int = 200_000
    ) -> None:
        self.access = access
        self.log = log
        self.sync = sync
        # Highest delivered seq already reported, so repeated acks cost nothing.
        # One forgotten costs a redundant write: the stored cursor only rises.
        self._delivered: LruDict[tuple[str, str], int] = LruDict(cursors, "delivery_cursors")

    async def mark_read(
        self, user_id: str, conversation_id: str, seq: int, exclude: object | None = None
    ) -> tuple[int, int]:
        """Returns (has_read_seq, unread_count) after the call."""
        if seq < 0:
            raise invalid("has_read_seq is negative", R.ERROR_REASON_SEQ_OUT_OF_RANGE)
        ref = (await self.access.admit(Action.MARK_READ, conversation_id, user_id)).ref
        uc = await self.log.conversations.get_user_conversation(user_id, conversation_id)
        if uc is None:
            raise not_found(R.ERROR_REASON_CONVERSATION_NOT_FOUND, "conversation not found")
        top = await self.log.seqs.visible_max(conversation_id)
        target = min(seq, top)
        if target > uc.has_read_seq:
            batch = WriteBatch()
            batch.read_marks[(user_id, conversation_id)] = (target, self.log.versions.next())
            if ref.session_type == ST.SESSION_TYPE_SINGLE:
                # The receipt is a seq'd event, so the peer recovers it by sync.
                note = notification_pb2.Notification(op_user_id=user_id)
                note.read_receipt.conversation_id = conversation_id
                note.read_receipt.reader_user_id = user_id
                note.read_receipt.has_read_seq = target
                members = await self.access.recipients(ref)
                await self.log.append_event(ref, note, extra=batch, members=members)
            else:
                await self.log.commit.submit(batch)
            uc.has_read_seq = target
        unread = await self.sync.messages.count_unread(
            conversation_id, user_id, max(uc.has_read_seq, uc.min_seq - 1), top
        )
        if target > 0:
            frame = gateway_pb2.ServerFrame()
            frame.read_state.conversation_id = conversation_id
            frame.read_state.has_read_seq = uc.has_read_seq
            frame.read_state.unread_count = unread
            self.log.pusher.push([user_id], frame, exclude)
        return uc.has_read_seq, unread

    async def ack_delivery(self, user_id: str, conversation_id: str, seq: int) -> None:
        if seq < 1:
            raise invalid("delivered_seq must be >= 1", R.ERROR_REASON_SEQ_OUT_OF_RANGE)
        ref = (await self.access.admit(Action.ACK_DELIVERY, conversation_id, user_id)).ref
        key = (user_id, conversation_id)
        if seq <= self._delivered.get(key, 0):
            return
        top = await self.log.seqs.visible_max(conversation_id)
        seq = min(seq, top)
        if seq <= self._delivered.get(key, 0):
            return
        self._delivered[key] = seq
        batch = WriteBatch()
        batch.delivered_marks[key] = seq
        # Receipts are advisory: coalesced into the next group commit, not awaited.
        self.log.commit.submit_nowait(batch, wait=False)
        if ref.session_type == ST.SESSION_TYPE_SINGLE:
            frame = gateway_pb2.ServerFrame()
            frame.delivery_receipt.conversation_id = conversation_id
            frame.delivery_receipt.user_id = user_id
            frame.delivery_receipt.delivered_seq = seq
            self.log.pusher.push([ref.peer_of(user_id)], frame)

    async def group_receipts(
        self, user_id: str, ref: ConversationRef, seqs: Iterable[int]
    ) -> list[msg_pb2.MessageReceipt]:
        """Read and delivery counts from the members' read state (read
        diffusion: no per-message receipt rows)."""
        states = await self.log.conversations.member_states(ref.conversation_id)
        # Former members keep their rows (to read their history): count members only.
        members = set(await self.access.recipients(ref))
        states = [st for st in states if st.user_id in members]
        out = []
        for seq in seqs:
            row = await self.sync.messages.get_one(ref.conversation_id, seq)
            receipt = msg_pb2.MessageReceipt(seq=seq)
            if row is not None:
                msg = message_pb2.Message.FromString(row.body)
                for st in states:
                    if st.user_id == msg.sender_id or seq < st.min_seq:
                        continue
                    if st.has_read_seq >= seq:
                        receipt.read_count += 1
                        if msg.need_read_receipt and len(receipt.reader_user_ids) < 100:
                            receipt.reader_user_ids.append(st.user_id)
                    else:
                        receipt.unread_count += 1
                    if max(st.delivered_seq, st.has_read_seq) >= seq:
                        receipt.delivered_count += 1
            out.append(receipt)
        return out
