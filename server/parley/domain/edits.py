"""Changes to stored messages: revoke, edit, delete, clear. Each is also a
seq'd event, so every device learns of it by the one sync mechanism."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence

from parley.clock import now_ms
from parley.config import Settings
from parley.domain.access import Access
from parley.domain.content import validate_content
from parley.domain.ports import NO_HOOKS, ChangeHooks
from parley.domain.rules import RULES, Action, actor
from parley.domain.tokens import Identity
from parley.errors import R, invalid, not_found, precondition
from parley.ids import ConversationRef, notification_conversation_id, parse_conversation_id
from parley.log.conversation_log import ConversationLog
from parley.log.text import search_text
from parley.msg.v1 import content_pb2, message_pb2, msg_pb2, notification_pb2
from parley.storage.batch import HiddenMark, MessageUpdate, WriteBatch
from parley.storage.interfaces import MessageStore

MS = message_pb2.MessageStatus
MA = notification_pb2.MessageActor


class Edits:
    def __init__(
        self,
        settings: Settings,
        log: ConversationLog,
        access: Access,
        store: MessageStore,
        hooks: ChangeHooks = NO_HOOKS,
    ) -> None:
        self.settings = settings
        self.log = log
        self.access = access
        self.store = store
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        # Webhooks: after.message.revoke / .delete.
        self.hooks = hooks

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock

    async def _load(
        self, action: Action, ident: Identity, conversation_id: str, seqs: Sequence[int]
    ) -> tuple[ConversationRef, list[message_pb2.Message], int]:
        """The user messages at `seqs` that the caller may `action`, after the
        rules table admitted them to the conversation, and the MessageActor
        the caller acts as (a moderator's when any message is not theirs)."""
        access = self.access
        standing = await access.admit(action, conversation_id, ident.user_id, ident.is_admin)
        ref = standing.ref
        uc = None
        if not ident.is_admin:
            uc = await self.log.conversations.get_user_conversation(ident.user_id, conversation_id)
        msgs = []
        acting: int = MA.MESSAGE_ACTOR_SENDER
        window = self.settings.messages.revoke_window_seconds * 1000
        for seq in seqs:
            row = await self.store.get_one(conversation_id, seq)
            if row is None or row.status == MS.MESSAGE_STATUS_DELETED or (uc and seq < uc.min_seq):
                raise not_found(R.ERROR_REASON_MESSAGE_NOT_FOUND, "message not found")
            msg = message_pb2.Message.FromString(row.body)
            if msg.HasField("notification"):
                raise invalid("events cannot be changed")
            sender_seat = None
            if standing.seat is not None and msg.sender_id != ident.user_id:
                sender_seat = await access.groups.seat(ref.group_id, msg.sender_id)
            age = now_ms() - msg.server_time_ms
            in_window = not RULES[action].window or age <= window
            who = actor(
                action,
                ident.user_id,
                ident.is_admin,
                msg.sender_id,
                standing.seat,
                sender_seat,
                in_window,
            )
            if who != MA.MESSAGE_ACTOR_SENDER:
                acting = who
            msgs.append(msg)
        return ref, msgs, acting

    @staticmethod
    def _update(batch: WriteBatch, msg: message_pb2.Message) -> None:
        batch.message_updates.append(
            MessageUpdate(
                msg.conversation_id,
                msg.seq,
                msg.status,
                msg.SerializeToString(),
                search_text(msg.content) if msg.status == MS.MESSAGE_STATUS_NORMAL else "",
            )
        )

    async def revoke(self, ident: Identity, conversation_id: str, seq: int) -> int:
        async with self._lock(conversation_id):
            ref, [msg], acting = await self._load(Action.REVOKE, ident, conversation_id, [seq])
            if msg.status == MS.MESSAGE_STATUS_REVOKED:
                raise precondition(R.ERROR_REASON_MESSAGE_REVOKED, "message already revoked")
            sender = msg.sender_id
            msg.status = MS.MESSAGE_STATUS_REVOKED
            msg.ClearField("content")
            batch = WriteBatch()
            self._update(batch, msg)
            note = notification_pb2.Notification(op_user_id=ident.user_id)
            rev = note.message_revoked
            rev.conversation_id = conversation_id
            rev.seq = seq
            rev.revoker_user_id = ident.user_id
            rev.send_time_ms = msg.send_time_ms
            rev.revoked_as = acting  # type: ignore[assignment]
            event_seq = await self._event(ref, note, batch)
        self.hooks.after(
            "message.revoke",
            {
                "conversation_id": conversation_id,
                "seq": seq,
                "sender_id": sender,
                "revoker_user_id": ident.user_id,
                "revoked_as": MA.Name(acting),
                "event_seq": event_seq,
            },
        )
        return event_seq

    async def edit(
        self, ident: Identity, conversation_id: str, seq: int, content: content_pb2.Content
    ) -> tuple[int, int]:
        validate_content(content, self.settings.limits.max_content_bytes)
        async with self._lock(conversation_id):
            ref, [msg], _ = await self._load(Action.EDIT, ident, conversation_id, [seq])
            if msg.status == MS.MESSAGE_STATUS_REVOKED:
                raise precondition(R.ERROR_REASON_MESSAGE_REVOKED, "message was revoked")
            msg.content.CopyFrom(content)
            msg.edited = True
            msg.edit_version += 1
            batch = WriteBatch()
            self._update(batch, msg)
            note = notification_pb2.Notification(op_user_id=ident.user_id)
            note.message_edited.conversation_id = conversation_id
            note.message_edited.seq = seq
            note.message_edited.content.CopyFrom(content)
            note.message_edited.edit_version = msg.edit_version
            event_seq = await self._event(ref, note, batch)
            return event_seq, msg.edit_version

    async def delete(
        self, ident: Identity, conversation_id: str, seqs: Sequence[int], scope: int
    ) -> None:
        if not seqs or len(seqs) > 100:
            raise invalid("give 1 to 100 seqs")
        if any(s < 1 for s in seqs):
            raise invalid("seqs must be >= 1", R.ERROR_REASON_SEQ_OUT_OF_RANGE)
        unique = sorted(set(seqs))
        if scope == msg_pb2.DeleteScope.DELETE_SCOPE_FOR_ME:
            await self.access.admit(
                Action.DELETE_FOR_ME, conversation_id, ident.user_id, ident.is_admin
            )
            top = await self.log.seqs.visible_max(conversation_id)
            if unique[-1] > top:
                raise invalid("seq above the conversation's max", R.ERROR_REASON_SEQ_OUT_OF_RANGE)
            batch = WriteBatch()
            batch.hidden.extend(HiddenMark(ident.user_id, conversation_id, s) for s in unique)
            await self._own_event(
                ident.user_id, _deleted_note(ident.user_id, conversation_id, unique), batch
            )
            return
        if scope != msg_pb2.DeleteScope.DELETE_SCOPE_FOR_EVERYONE:
            raise invalid("scope must be FOR_ME or FOR_EVERYONE")
        async with self._lock(conversation_id):
            batch = WriteBatch()
            target, msgs, acting = await self._load(
                Action.DELETE_FOR_EVERYONE, ident, conversation_id, unique
            )
            for msg in msgs:
                msg.status = MS.MESSAGE_STATUS_DELETED
                msg.ClearField("content")
                self._update(batch, msg)
            note = _deleted_note(ident.user_id, conversation_id, unique)
            note.messages_deleted.deleter_user_id = ident.user_id
            note.messages_deleted.deleted_as = acting  # type: ignore[assignment]
            event_seq = await self._event(target, note, batch)
        self.hooks.after(
            "message.delete",
            {
                "conversation_id": conversation_id,
                "seqs": unique,
                "sender_ids": sorted({m.sender_id for m in msgs}),
                "deleter_user_id": ident.user_id,
                "deleted_as": MA.Name(acting),
                "event_seq": event_seq,
            },
        )

    async def clear(self, ident: Identity, conversation_id: str) -> int:
        await self.access.admit(Action.CLEAR, conversation_id, ident.user_id, ident.is_admin)
        uc = await self.log.conversations.get_user_conversation(ident.user_id, conversation_id)
        if uc is None:
            raise not_found(R.ERROR_REASON_CONVERSATION_NOT_FOUND, "conversation not found")
        top = await self.log.seqs.visible_max(conversation_id)
        new_min = max(top + 1, uc.min_seq)
        batch = WriteBatch()
        version = self.log.versions.next()
        batch.min_seq_marks[(ident.user_id, conversation_id)] = (new_min, version)
        batch.read_marks[(ident.user_id, conversation_id)] = (top, version)
        note = notification_pb2.Notification(op_user_id=ident.user_id)
        note.conversation_cleared.conversation_id = conversation_id
        note.conversation_cleared.min_seq = new_min
        await self._own_event(ident.user_id, note, batch)
        return new_min

    async def _event(
        self, ref: ConversationRef, note: notification_pb2.Notification, batch: WriteBatch
    ) -> int:
        members = await self.access.recipients(ref)
        return await self.log.append_event(ref, note, extra=batch, members=members)

    async def _own_event(
        self, user_id: str, note: notification_pb2.Notification, batch: WriteBatch
    ) -> int:
        """An event for the user's own devices, in their notification conversation."""
        ref = parse_conversation_id(notification_conversation_id(user_id))
        return await self.log.append_event(ref, note, extra=batch, members=[user_id])


def _deleted_note(
    user_id: str, conversation_id: str, seqs: list[int]
) -> notification_pb2.Notification:
    note = notification_pb2.Notification(op_user_id=user_id)
    note.messages_deleted.conversation_id = conversation_id
    note.messages_deleted.seqs.extend(seqs)
    return note
