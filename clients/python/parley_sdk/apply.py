"""Applying server state to the local store, inside one transaction.

These functions run on the store's thread (see `Store.run`). They change the
tables and collect `Effects`: the listener calls to make once the transaction
has committed, so listeners only ever see committed state, each change once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from parley.conversation.v1 import conversation_pb2
from parley.msg.v1 import message_pb2
from parley_sdk.convert import message_from_proto
from parley_sdk.listeners import Call, ParleyListener
from parley_sdk.models import (
    ChatMessage,
    Conversation,
    MessageChange,
    Receipt,
    ReceiptKind,
    SendStatus,
    SessionType,
)
from parley_sdk.store import Tx


def conversation_for(conversation_id: str, me: str) -> Conversation:
    """A new, empty conversation derived from its id."""
    if conversation_id.startswith("si_"):
        users = conversation_id[3:].split("_")
        peer = next((u for u in users if u != me), me)
        return Conversation(conversation_id, SessionType.SINGLE, peer_user_id=peer)
    if conversation_id.startswith("sg_"):
        return Conversation(conversation_id, SessionType.GROUP, group_id=conversation_id[3:])
    return Conversation(conversation_id, SessionType.NOTIFICATION)


@dataclass
class Effects:
    """What a transaction changed, to publish after it commits."""

    calls: list[Call] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    total_unread: int | None = None
    #: Final synced seq of every conversation whose synced seq the transaction set.
    synced: dict[str, int] = field(default_factory=dict)
    #: Conversations where messages from others were applied: seq to report delivered.
    delivered: dict[str, int] = field(default_factory=dict)
    #: Conversations whose settings changed elsewhere (refresh from the server).
    refresh_conversations: set[str] = field(default_factory=set)
    #: Groups whose information or members should be refreshed from the server.
    refresh_groups: set[str] = field(default_factory=set)
    #: Seqs applied per conversation (pulled or pushed records consumed).
    applied: dict[str, int] = field(default_factory=dict)

    def emit(self, call: Call) -> None:
        """Queues a listener call."""
        self.calls.append(call)

    def new_message(self, msg: ChatMessage) -> None:
        """Queues on_new_message."""

        async def call(listener: ParleyListener) -> None:
            await listener.on_new_message(msg)

        self.calls.append(call)

    def message_updated(self, msg: ChatMessage, change: MessageChange) -> None:
        """Queues on_message_updated."""

        async def call(listener: ParleyListener) -> None:
            await listener.on_message_updated(msg, change)

        self.calls.append(call)

    def receipt(self, receipt: Receipt) -> None:
        """Queues on_receipt."""

        async def call(listener: ParleyListener) -> None:
            await listener.on_receipt(receipt)

        self.calls.append(call)


#: Runs a store function under the sync lock and publishes its effects
#: (`Syncer.run_locked`): what every feature that changes the store is given.
Apply = Callable[[Callable[[Tx], Effects]], Awaitable[Effects]]


class ConvCache:
    """Conversations loaded (or created) in one transaction, saved at the end."""

    def __init__(self, tx: Tx, me: str) -> None:
        self.tx = tx
        self.me = me
        self._convs: dict[str, Conversation] = {}
        self._touched: set[str] = set()
        self._synced_before: dict[str, int] = {}

    def get(self, conversation_id: str) -> Conversation:
        """The conversation, created empty when unknown."""
        conv = self._convs.get(conversation_id)
        if conv is None:
            conv = self.tx.conversation(conversation_id) or conversation_for(
                conversation_id, self.me
            )
            self._convs[conversation_id] = conv
            self._synced_before[conversation_id] = conv.synced_seq
        return conv

    def known(self, conversation_id: str) -> bool:
        """Whether the conversation exists locally."""
        return conversation_id in self._convs or self.tx.conversation(conversation_id) is not None

    def touch(self, conversation_id: str) -> Conversation:
        """Marks a conversation changed (its counts are recomputed at the end)."""
        self._touched.add(conversation_id)
        return self.get(conversation_id)

    def raise_floor(self, conv: Conversation, min_seq: int) -> bool:
        """Moves a conversation's min seq up: older history is gone for this user."""
        if min_seq <= conv.min_seq:
            return False
        conv.min_seq = min_seq
        self.tx.delete_below(conv.conversation_id, min_seq)
        conv.synced_seq = max(conv.synced_seq, min_seq - 1)
        conv.max_seq = max(conv.max_seq, min_seq - 1)
        conv.has_read_seq = max(conv.has_read_seq, min_seq - 1)
        self._touched.add(conv.conversation_id)
        return True

    def finish(self, fx: Effects) -> None:
        """Recomputes counts of touched conversations, saves them and fills `fx`."""
        for cid in sorted(self._touched):
            conv = self._convs[cid]
            after = max(conv.has_read_seq, conv.min_seq - 1)
            conv.unread_count, conv.has_unread_mention = self.tx.count_unread(cid, after, self.me)
            conv.max_seq = max(conv.max_seq, conv.synced_seq)
            self.tx.save_conversation(conv)
            conv.latest_message = self.tx.latest_message(cid)
            fx.conversations.append(conv)
        for cid, conv in self._convs.items():
            if conv.synced_seq != self._synced_before[cid]:
                fx.synced[cid] = conv.synced_seq
        if self._touched:
            fx.total_unread = total_unread(self.tx)


def total_unread(tx: Tx) -> int:
    """Unread messages over conversations that are not NOT_RECEIVE."""
    row = tx.conn.execute(
        "SELECT COALESCE(SUM(unread_count), 0) FROM conversations WHERE receive_option != 3"
    ).fetchone()
    return int(row[0])


def apply_messages(
    tx: Tx, runs: dict[str, list[message_pb2.Message]], me: str
) -> tuple[Effects, dict[str, list[message_pb2.Message]]]:
    """Applies runs of consecutive seqs (from pulls or pushes) in seq order.

    Returns the effects and the records that could not be applied (not
    consecutive with the stored synced seq), to put back in the buffer.
    """
    from parley_sdk.events import apply_event

    fx = Effects()
    convs = ConvCache(tx, me)
    left: dict[str, list[message_pb2.Message]] = {}
    for cid, run in runs.items():
        conv = convs.touch(cid)
        for i, m in enumerate(sorted(run, key=lambda x: x.seq)):
            if m.seq <= conv.synced_seq:
                continue
            if m.seq != conv.synced_seq + 1:
                left[cid] = list(run[i:])
                break
            conv.synced_seq = m.seq
            fx.applied[cid] = m.seq
            if m.placeholder or m.seq < conv.min_seq or tx.is_tombstone(cid, m.seq):
                continue
            if m.HasField("notification"):
                apply_event(tx, convs, conv, m, fx)
            else:
                _apply_user_message(tx, conv, m, me, fx)
    convs.finish(fx)
    return fx, left


def _apply_user_message(
    tx: Tx, conv: Conversation, m: message_pb2.Message, me: str, fx: Effects
) -> None:
    new = message_from_proto(m)
    existing = tx.message_by_client_id(m.sender_id, m.client_msg_id)
    occupant = tx.message_at(m.conversation_id, m.seq)
    if occupant is not None and (existing is None or occupant.local_id != existing.local_id):
        tx.delete_message(occupant.local_id)
    if existing is not None:
        new.local_id = existing.local_id
        tx.save_message(new)
        if existing.send_status != SendStatus.SENT:
            fx.message_updated(new, MessageChange.SENT)
    else:
        tx.save_message(new)
        fx.new_message(new)
    conv.update_time_ms = max(conv.update_time_ms, m.server_time_ms)
    if m.sender_id != me and conv.session_type != SessionType.NOTIFICATION:
        fx.delivered[conv.conversation_id] = m.seq


def apply_server_seqs(tx: Tx, seqs: Sequence[message_pb2.ConversationSeq], me: str) -> Effects:
    """Takes in the server's seq state (GetSeqs): max/min/read seqs and receipts."""
    fx = Effects()
    convs = ConvCache(tx, me)
    for s in seqs:
        conv = convs.touch(s.conversation_id)
        conv.max_seq = max(conv.max_seq, s.max_seq)
        convs.raise_floor(conv, s.min_seq)
        conv.has_read_seq = max(conv.has_read_seq, s.has_read_seq)
        if s.peer_has_read_seq > conv.peer_has_read_seq:
            conv.peer_has_read_seq = s.peer_has_read_seq
            fx.receipt(
                Receipt(
                    conv.conversation_id, conv.peer_user_id, ReceiptKind.READ, s.peer_has_read_seq
                )
            )
        if s.peer_delivered_seq > conv.peer_delivered_seq:
            conv.peer_delivered_seq = s.peer_delivered_seq
            fx.receipt(
                Receipt(
                    conv.conversation_id,
                    conv.peer_user_id,
                    ReceiptKind.DELIVERED,
                    s.peer_delivered_seq,
                )
            )
    convs.finish(fx)
    return fx


def apply_server_conversations(
    tx: Tx, items: Iterable[conversation_pb2.Conversation], me: str
) -> Effects:
    """Takes in conversations from ListConversations/GetConversations/SetConversation."""
    fx = Effects()
    convs = ConvCache(tx, me)
    for c in items:
        conv = convs.touch(c.conversation_id)
        conv.session_type = int(c.session_type) or conv.session_type
        conv.peer_user_id = c.peer_user_id or conv.peer_user_id
        conv.group_id = c.group_id or conv.group_id
        conv.max_seq = max(conv.max_seq, c.max_seq)
        convs.raise_floor(conv, c.min_seq)
        conv.has_read_seq = max(conv.has_read_seq, c.has_read_seq)
        conv.pinned = c.pinned
        conv.receive_option = int(c.receive_option) or 1
        conv.draft = c.draft
        conv.draft_time_ms = c.draft_time_ms
        conv.extension = c.extension
        conv.version = max(conv.version, c.version)
        conv.update_time_ms = max(conv.update_time_ms, c.update_time_ms)
    convs.finish(fx)
    return fx


def set_read(tx: Tx, conversation_id: str, seq: int, me: str, pending: bool) -> Effects:
    """Moves the has-read seq up to `seq`.

    A local mark (`pending`) is capped at the newest known seq and remembered
    for the server (flushed when online); a seq the server reported is taken
    as it is.
    """
    fx = Effects()
    convs = ConvCache(tx, me)
    conv = convs.get(conversation_id)
    target = min(seq, max(conv.synced_seq, conv.max_seq)) if pending else seq
    conv.max_seq = max(conv.max_seq, target)
    if target > conv.has_read_seq:
        conv.has_read_seq = target
        convs.touch(conversation_id)
    convs.finish(fx)
    if pending and target > 0:
        tx.set_pending_read(conversation_id, target)
    return fx


def insert_outgoing(tx: Tx, msg: ChatMessage, me: str) -> Effects:
    """Stores a message being sent (local-first) and shows it."""
    fx = Effects()
    convs = ConvCache(tx, me)
    conv = convs.touch(msg.conversation_id)
    tx.save_message(msg)
    conv.update_time_ms = max(conv.update_time_ms, msg.send_time_ms)
    fx.new_message(msg)
    convs.finish(fx)
    return fx


def apply_ack(
    tx: Tx, me: str, client_msg_id: str, ack: message_pb2.SendAck
) -> tuple[Effects, ChatMessage | None]:
    """Marks a message sent with the server's seq and id (once)."""
    fx = Effects()
    msg = tx.message_by_client_id(me, client_msg_id)
    if msg is None:
        return fx, None
    if msg.send_status == SendStatus.SENT and msg.seq:
        return fx, msg
    occupant = tx.message_at(msg.conversation_id, ack.seq)
    if occupant is not None and occupant.local_id != msg.local_id:
        tx.delete_message(occupant.local_id)
    msg.seq = ack.seq
    msg.server_msg_id = ack.server_msg_id
    msg.server_time_ms = ack.server_time_ms
    msg.send_status = SendStatus.SENT
    msg.error = ""
    if ack.HasField("replaced_content"):
        msg.content = ack.replaced_content
    tx.save_message(msg)
    fx.message_updated(msg, MessageChange.SENT)
    convs = ConvCache(tx, me)
    conv = convs.touch(msg.conversation_id)
    conv.update_time_ms = max(conv.update_time_ms, ack.server_time_ms)
    convs.finish(fx)
    return fx, msg


def set_send_status(
    tx: Tx, me: str, client_msg_id: str, status: SendStatus, error: str
) -> tuple[Effects, ChatMessage | None]:
    """Moves an unsent message to SENDING or FAILED."""
    fx = Effects()
    msg = tx.message_by_client_id(me, client_msg_id)
    if msg is None or msg.send_status == SendStatus.SENT or msg.send_status == status:
        return fx, msg
    msg.send_status = status
    msg.error = error
    tx.save_message(msg)
    change = MessageChange.FAILED if status == SendStatus.FAILED else MessageChange.SENDING
    fx.message_updated(msg, change)
    convs = ConvCache(tx, me)
    convs.touch(msg.conversation_id)
    convs.finish(fx)
    return fx, msg


def apply_delivered(tx: Tx, me: str, conversation_id: str, user_id: str, seq: int) -> Effects:
    """The peer's devices received a conversation up to `seq`."""
    fx = Effects()
    convs = ConvCache(tx, me)
    conv = convs.get(conversation_id)
    if seq > conv.peer_delivered_seq:
        conv.peer_delivered_seq = seq
        convs.touch(conversation_id)
        fx.receipt(Receipt(conversation_id, user_id, ReceiptKind.DELIVERED, seq))
    convs.finish(fx)
    return fx


def apply_floor(tx: Tx, me: str, conversation_id: str, min_seq: int) -> Effects:
    """The conversation was cleared up to `min_seq` (exclusive)."""
    fx = Effects()
    convs = ConvCache(tx, me)
    convs.raise_floor(convs.get(conversation_id), min_seq)
    convs.finish(fx)
    return fx
