"""Appending to conversations: seq, durable write (group commit), then push.

Everything that lands in a conversation (user messages and typed events) goes
through `ConversationLog.append`, so seq order, durability and push order are
the same for all of them."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Protocol

from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.gateway.v1 import gateway_pb2
from parley.ids import ConversationRef, new_msg_id
from parley.log.commit import CommitQueue
from parley.log.pipeline import LocalPipeline, MessagePipeline, SeqService
from parley.log.push import Pusher
from parley.log.seqs import SeqAllocator
from parley.log.text import search_text
from parley.log.versions import VersionClock
from parley.msg.v1 import message_pb2, notification_pb2
from parley.storage import records as rec
from parley.storage.batch import WriteBatch
from parley.storage.interfaces import ConversationStore

ST = common_pb2.SessionType
MS = message_pb2.MessageStatus


class AppendObserver(Protocol):
    """Sees every append and its commit (operator statistics and metrics)."""

    def appending(
        self, ref: ConversationRef, msg: message_pb2.Message, batch: WriteBatch, now: int
    ) -> None: ...

    def committed(self, ref: ConversationRef, msg: message_pb2.Message, pushed: int) -> None: ...


_DAY_MS = 86_400_000
_day_cache: list[object] = [-1, ""]


def day_of(ms: int) -> str:
    """UTC day of a timestamp, `YYYY-MM-DD` (cached: called once per message)."""
    day = ms // _DAY_MS
    if _day_cache[0] != day:
        import datetime as dt

        label = dt.datetime.fromtimestamp(day * 86_400, dt.UTC).strftime("%Y-%m-%d")
        _day_cache[0], _day_cache[1] = day, label
    return str(_day_cache[1])


def membership(
    ref: ConversationRef, user_id: str, version: int, at_ms: int, min_seq: int = 0
) -> rec.UserConversation:
    """A user's new membership of a conversation: nothing read, default settings."""
    return rec.UserConversation(
        user_id,
        ref.conversation_id,
        ref.session_type,
        peer_user_id=ref.peer_of(user_id) if ref.session_type == ST.SESSION_TYPE_SINGLE else "",
        group_id=ref.group_id,
        min_seq=min_seq,
        version=version,
        create_time_ms=at_ms,
    )


class ConversationLog:
    def __init__(
        self,
        seqs: SeqService,
        commit: CommitQueue,
        conversations: ConversationStore,
        pusher: Pusher,
        versions: VersionClock,
        pipeline: MessagePipeline | None = None,
        observer: AppendObserver | None = None,
    ) -> None:
        self.seqs = seqs
        if pipeline is None:
            assert isinstance(seqs, SeqAllocator)
            pipeline = LocalPipeline(seqs, commit)
        # How appends get a seq and become durable (log/pipeline.py).
        self.pipeline = pipeline
        self.commit = commit
        self.conversations = conversations
        self.pusher = pusher
        self.versions = versions
        # Statistics and metrics of what is appended.
        self.observer = observer
        # (user, conversation) pairs whose user_conversations row surely exists.
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._known_cap = 500_000

    def _remember(self, key: tuple[str, str]) -> bool:
        """True when the pair was already known."""
        if key in self._known:
            self._known.move_to_end(key)
            return True
        self._known[key] = None
        if len(self._known) > self._known_cap:
            self._known.popitem(last=False)
        return False

    def member_rows(
        self, ref: ConversationRef, user_ids: list[str], at_ms: int
    ) -> list[rec.UserConversation]:
        """Memberships to insert for users new to the conversation."""
        return [
            membership(ref, u, self.versions.next(), at_ms)
            for u in user_ids
            if not self._remember((u, ref.conversation_id))
        ]

    def forget_member(self, user_id: str, conversation_id: str) -> None:
        self._known.pop((user_id, conversation_id), None)

    async def append(
        self,
        ref: ConversationRef,
        msg: message_pb2.Message,
        members: list[str],
        extra: WriteBatch | None = None,
        exclude: object | None = None,
        wait: bool = True,
        dedup: tuple[str, str] | None = None,
    ) -> asyncio.Future[rec.Message | None] | None:
        """Assigns the seq and ids, enqueues the durable write and returns the
        future of its commit. `msg` is completed in place. Once the
        conversation is loaded this does not suspend before enqueueing, so
        appends keep their call order."""
        pipeline = self.pipeline
        seq, token = await pipeline.allocate(ref.conversation_id)
        now = now_ms()
        msg.seq = seq
        msg.conversation_id = ref.conversation_id
        msg.server_time_ms = now
        if not msg.server_msg_id:
            msg.server_msg_id = new_msg_id()
        if not msg.client_msg_id:
            msg.client_msg_id = "srv-" + msg.server_msg_id
        if not msg.send_time_ms:
            msg.send_time_ms = now
        msg.session_type = ref.session_type  # type: ignore[assignment]
        if msg.status == MS.MESSAGE_STATUS_UNSPECIFIED:
            msg.status = MS.MESSAGE_STATUS_NORMAL
        batch = extra if extra is not None else WriteBatch()
        batch.messages.append(
            rec.Message(
                ref.conversation_id,
                seq,
                msg.server_msg_id,
                msg.client_msg_id,
                msg.sender_id,
                ref.session_type,
                msg.status,
                msg.counts_unread,
                now,
                search_text(msg.content) if msg.HasField("content") else "",
                msg.SerializeToString(),
            )
        )
        batch.conversations[ref.conversation_id] = rec.Conversation(
            ref.conversation_id, ref.session_type, seq, self.versions.next(), now
        )
        if ref.session_type != ST.SESSION_TYPE_GROUP:
            batch.user_conversations.extend(self.member_rows(ref, members, now))
        if msg.sender_id:
            batch.activity.add((day_of(now), msg.sender_id))
        observer = self.observer
        if observer is not None:
            observer.appending(ref, msg, batch, now)
        frame = gateway_pb2.ServerFrame()
        if msg.HasField("notification"):
            frame.notification.message.CopyFrom(msg)
        else:
            frame.message.message.CopyFrom(msg)
        conversation_id = ref.conversation_id

        local = pipeline.pushes_locally

        def on_done(ok: bool) -> None:
            # The pipeline settled the seq (embedded) or the workers will.
            if ok:
                pushed = self.pusher.push(members, frame, exclude) if local else 0
                if observer is not None:
                    observer.committed(ref, msg, pushed)
            else:
                for u in members:
                    self.forget_member(u, conversation_id)

        return pipeline.submit(
            msg, token, batch, members, frame, exclude, on_done, wait=wait, dedup=dedup
        )

    async def append_event(
        self,
        ref: ConversationRef,
        notification: notification_pb2.Notification,
        extra: WriteBatch | None = None,
        *,
        members: list[str],
    ) -> int:
        """Stores a typed event in the conversation and pushes it to `members`
        (the domain's access rules know who they are; the log does not).
        Returns its seq."""
        msg = message_pb2.Message(counts_unread=False, group_id=ref.group_id)
        msg.sender_id = notification.op_user_id
        msg.notification.CopyFrom(notification)
        fut = await self.append(ref, msg, members, extra)
        assert fut is not None
        await fut
        return msg.seq
