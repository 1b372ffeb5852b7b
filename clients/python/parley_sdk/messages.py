"""Messages: local reads and search, local-first sends, and the changes a
user makes to sent messages (revoke, edit, delete, clear)."""

from __future__ import annotations

import bisect
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from parley.common.v1 import common_pb2
from parley.msg.v1 import content_pb2, message_pb2, msg_pb2
from parley_sdk.apply import Apply, ConvCache, Effects, apply_floor, insert_outgoing
from parley_sdk.content import text_content
from parley_sdk.events import delete_local, edit_local, revoke_local
from parley_sdk.ids import send_target
from parley_sdk.models import ChatMessage, MessageChange, SendStatus
from parley_sdk.outbox import Outbox
from parley_sdk.rpc import Rpc
from parley_sdk.store import Store, Tx

#: `Syncer.wait_for_seq`: whether a conversation's synced seq reached a seq in time.
WaitForSeq = Callable[[str, int, float], Awaitable[bool]]


def number_of(controls: Sequence[int], seq: int) -> int:
    """A seq counted as a person counts a conversation: among its messages and
    visible events, without the control events (receipts, edits, revokes...)
    at or below it, whose seqs would make the numbers skip. `controls` is
    ascending. A message keeps its number as later records arrive and when
    messages are deleted (their numbers stay as gaps)."""
    return seq - bisect.bisect_right(controls, seq)


def seq_of(controls: Sequence[int], number: int) -> int:
    """The seq whose `number_of` is `number` (the first such seq)."""
    seq = number
    for control in controls:
        if control > seq:
            break
        seq += 1
    return seq


def _now_ms() -> int:
    return int(time.time() * 1000)


class Messages:
    """The messages of the user's conversations."""

    def __init__(
        self,
        store: Store,
        rpc: Rpc,
        apply: Apply,
        outbox: Outbox,
        wait_for_seq: WaitForSeq,
        require_user: Callable[[], Awaitable[str]],
        me: Callable[[], str],
    ) -> None:
        self._store = store
        self._rpc = rpc
        self._apply = apply
        self._outbox = outbox
        self._wait_for_seq = wait_for_seq
        self._require_user = require_user
        self._me = me

    # -- reads --------------------------------------------------------------

    async def history(
        self,
        conversation_id: str,
        *,
        before_seq: int | None = None,
        limit: int = 50,
        include_events: bool = True,
    ) -> list[ChatMessage]:
        """The latest messages of a conversation (older than `before_seq` when
        given), oldest first; messages being sent come last (local)."""
        return await self._store.run(
            lambda tx: tx.history(conversation_id, before_seq, limit, include_events)
        )

    async def get(self, conversation_id: str, seq: int) -> ChatMessage | None:
        """The message at a seq (local)."""
        return await self._store.run(lambda tx: tx.message_at(conversation_id, seq))

    async def by_client_id(self, client_msg_id: str, sender_id: str = "") -> ChatMessage | None:
        """A message by its client id (the user's own by default; local)."""
        sender = sender_id or self._me()
        return await self._store.run(lambda tx: tx.message_by_client_id(sender, client_msg_id))

    async def search(
        self,
        keyword: str,
        *,
        conversation_id: str | None = None,
        sender_id: str | None = None,
        limit: int = 50,
    ) -> list[ChatMessage]:
        """Full-text search over the local messages, newest first (every word must match)."""
        return await self._store.run(
            lambda tx: tx.search(keyword, conversation_id, sender_id, limit)
        )

    async def numbers(self, conversation_id: str, seqs: Sequence[int]) -> dict[int, int]:
        """The number a person sees for each seq (see `number_of`; local)."""
        controls = await self._store.run(lambda tx: tx.control_seqs(conversation_id))
        return {s: number_of(controls, s) for s in seqs if s > 0}

    async def seq_of_number(self, conversation_id: str, number: int) -> int:
        """The seq a number of `numbers` stands for (local)."""
        controls = await self._store.run(lambda tx: tx.control_seqs(conversation_id))
        return seq_of(controls, number)

    async def search_remote(
        self, keyword: str, conversation_id: str = "", limit: int = 50
    ) -> list[message_pb2.Message]:
        """Server-side search over every visible message."""
        resp = await self._rpc.search(
            msg_pb2.SearchMessagesRequest(
                keyword=keyword,
                conversation_id=conversation_id,
                page=common_pb2.PageRequest(page_size=limit),
            )
        )
        return list(resp.messages)

    # -- sending ------------------------------------------------------------

    async def send(
        self,
        conversation_id: str,
        content: content_pb2.Content,
        *,
        mention_user_ids: Sequence[str] = (),
        mention_all: bool = False,
        extensions: dict[str, str] | None = None,
        need_read_receipt: bool = False,
        silent: bool = False,
        client_msg_id: str | None = None,
    ) -> ChatMessage:
        """Sends a message local-first.

        The message is stored as SENDING and reported by `on_new_message` at
        once; it becomes SENT (with the server's seq and id) when acknowledged,
        or FAILED (see `error`) when the server refuses it or stays unreachable
        for `send_timeout` seconds. Returns the message in its final state.
        """
        me = await self._require_user()
        session_type, recv_id, group_id = send_target(conversation_id, me)
        msg = ChatMessage(
            conversation_id=conversation_id,
            client_msg_id=client_msg_id or uuid.uuid4().hex,
            sender_id=me,
            session_type=session_type,
            recv_id=recv_id,
            group_id=group_id,
            content=content,
            send_status=SendStatus.SENDING,
            send_time_ms=_now_ms(),
            counts_unread=True,
            need_read_receipt=need_read_receipt,
            mention_user_ids=list(mention_user_ids),
            mention_all=mention_all,
            extensions=dict(extensions or {}),
        )
        await self._apply(lambda tx: insert_outgoing(tx, msg, me))
        return await self._outbox.transmit(msg, silent)

    async def send_text(self, conversation_id: str, text: str, **kwargs: Any) -> ChatMessage:
        """Sends a text message (see `send`)."""
        return await self.send(conversation_id, text_content(text), **kwargs)

    async def resend(self, message: ChatMessage | str) -> ChatMessage:
        """Sends a FAILED message again with the same client id (the server
        stores it at most once)."""
        me = await self._require_user()
        cmid = message if isinstance(message, str) else message.client_msg_id
        current = await self._store.run(lambda tx: tx.message_by_client_id(me, cmid))
        if current is None:
            raise ValueError(f"no message {cmid!r} of this user")
        if current.send_status == SendStatus.SENT:
            return current
        await self._outbox.set_status(cmid, SendStatus.SENDING, "")
        return await self._outbox.transmit(current, False)

    async def delete_local(self, message: ChatMessage) -> None:
        """Removes an unsent (FAILED) message from the local store."""
        if message.send_status == SendStatus.SENT:
            raise ValueError("use delete_messages for sent messages")

        def work(tx: Tx) -> Effects:
            fx = Effects()
            current = tx.message_by_client_id(message.sender_id, message.client_msg_id)
            if current is not None:
                tx.delete_message(current.local_id)
                fx.message_updated(current, MessageChange.DELETED)
            return fx

        await self._apply(work)

    # -- changes ------------------------------------------------------------

    async def revoke(self, conversation_id: str, seq: int) -> ChatMessage | None:
        """Revokes a message; returns it as stored afterwards."""
        resp = await self._rpc.revoke(
            msg_pb2.RevokeMessageRequest(conversation_id=conversation_id, seq=seq)
        )
        if not await self._wait_for_seq(conversation_id, resp.event_seq, 5.0):

            def work(tx: Tx) -> Effects:
                fx = Effects()
                target = tx.message_at(conversation_id, seq)
                if target is not None and revoke_local(tx, target):
                    fx.message_updated(target, MessageChange.REVOKED)
                return fx

            await self._apply(work)
        return await self.get(conversation_id, seq)

    async def edit(
        self, conversation_id: str, seq: int, content: content_pb2.Content | str
    ) -> ChatMessage | None:
        """Replaces a message's content (text or any content); returns it as stored."""
        if isinstance(content, str):
            content = text_content(content)
        resp = await self._rpc.edit(
            msg_pb2.EditMessageRequest(conversation_id=conversation_id, seq=seq, content=content)
        )
        if not await self._wait_for_seq(conversation_id, resp.event_seq, 5.0):
            ed = message_pb2.Message().notification.message_edited
            ed.conversation_id = conversation_id
            ed.seq = seq
            ed.content.CopyFrom(content)
            ed.edit_version = resp.edit_version

            def work(tx: Tx) -> Effects:
                fx = Effects()
                target = tx.message_at(conversation_id, seq)
                if target is not None and edit_local(tx, target, ed):
                    fx.message_updated(target, MessageChange.EDITED)
                return fx

            await self._apply(work)
        return await self.get(conversation_id, seq)

    async def delete(
        self, conversation_id: str, seqs: Sequence[int], for_everyone: bool = False
    ) -> None:
        """Deletes messages for this user (all their devices) or for everyone."""
        scope = (
            msg_pb2.DeleteScope.DELETE_SCOPE_FOR_EVERYONE
            if for_everyone
            else msg_pb2.DeleteScope.DELETE_SCOPE_FOR_ME
        )
        await self._rpc.delete(
            msg_pb2.DeleteMessagesRequest(
                conversation_id=conversation_id, seqs=list(seqs), scope=scope
            )
        )
        wanted = list(seqs)
        me = self._me()

        def work(tx: Tx) -> Effects:
            fx = Effects()
            for gone in delete_local(tx, conversation_id, wanted):
                fx.message_updated(gone, MessageChange.DELETED)
            convs = ConvCache(tx, me)
            convs.touch(conversation_id)
            convs.finish(fx)
            return fx

        await self._apply(work)

    async def clear(self, conversation_id: str) -> None:
        """Clears a conversation's history for this user (all their devices)."""
        resp = await self._rpc.clear(
            msg_pb2.ClearConversationRequest(conversation_id=conversation_id)
        )
        me = self._me()
        await self._apply(lambda tx: apply_floor(tx, me, conversation_id, resp.min_seq))
