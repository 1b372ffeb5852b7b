"""The conversation list: local reads, and the user's settings of a
conversation (pinned, receive option, draft), which the server syncs to the
user's other devices."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from parley.conversation.v1 import conversation_pb2
from parley_sdk.apply import Apply, apply_server_conversations, total_unread
from parley_sdk.errors import ParleyError
from parley_sdk.models import Conversation, ReceiveOption, SessionType
from parley_sdk.rpc import Rpc
from parley_sdk.store import Store, Tx

log = logging.getLogger("parley_sdk")


class Conversations:
    """The user's conversations and their settings."""

    def __init__(self, store: Store, rpc: Rpc, apply: Apply, me: Callable[[], str]) -> None:
        self._store = store
        self._rpc = rpc
        self._apply = apply
        self._me = me

    async def list(self, include_notifications: bool = True) -> list[Conversation]:
        """Conversations (local): pinned first, then by latest activity."""

        def read(tx: Tx) -> list[Conversation]:
            out = []
            for c in tx.conversations():
                if not include_notifications and c.session_type == SessionType.NOTIFICATION:
                    continue
                c.latest_message = tx.latest_message(c.conversation_id)
                out.append(c)
            return out

        return await self._store.run(read)

    async def get(self, conversation_id: str) -> Conversation | None:
        """One conversation (local)."""

        def read(tx: Tx) -> Conversation | None:
            c = tx.conversation(conversation_id)
            if c is not None:
                c.latest_message = tx.latest_message(conversation_id)
            return c

        return await self._store.run(read)

    async def total_unread(self) -> int:
        """Total unread over conversations that are not NOT_RECEIVE (local)."""
        return await self._store.run(total_unread)

    async def refresh(self, conversation_ids: Sequence[str]) -> None:
        """Reloads conversations' settings and state from the server."""
        try:
            resp = await self._rpc.get_conversations(
                conversation_pb2.GetConversationsRequest(conversation_ids=list(conversation_ids))
            )
        except ParleyError as e:
            log.info("conversation refresh failed: %s", e)
            return
        items = list(resp.conversations)
        me = self._me()
        await self._apply(lambda tx: apply_server_conversations(tx, items, me))

    async def set(
        self,
        conversation_id: str,
        *,
        pinned: bool | None = None,
        receive_option: int | None = None,
        draft: str | None = None,
        extension: str | None = None,
    ) -> Conversation:
        """Changes the user's settings of a conversation (synced to other devices)."""
        req = conversation_pb2.SetConversationRequest(conversation_id=conversation_id)
        if pinned is not None:
            req.pinned = pinned
        if receive_option is not None:
            req.receive_option = receive_option  # type: ignore[assignment]
        if draft is not None:
            req.draft = draft
        if extension is not None:
            req.extension = extension
        resp = await self._rpc.set_conversation(req)
        item = resp.conversation
        me = self._me()
        await self._apply(lambda tx: apply_server_conversations(tx, [item], me))
        conv = await self.get(conversation_id)
        assert conv is not None
        return conv

    async def pin(self, conversation_id: str, pinned: bool = True) -> Conversation:
        """Pins (or unpins) a conversation."""
        return await self.set(conversation_id, pinned=pinned)

    async def mute(self, conversation_id: str, muted: bool = True) -> Conversation:
        """Do-not-disturb on (NO_NOTIFY) or off (NORMAL)."""
        option = ReceiveOption.NO_NOTIFY if muted else ReceiveOption.NORMAL
        return await self.set(conversation_id, receive_option=option)

    async def set_draft(self, conversation_id: str, draft: str) -> Conversation:
        """Saves (or clears, with "") the draft of a conversation."""
        return await self.set(conversation_id, draft=draft)
