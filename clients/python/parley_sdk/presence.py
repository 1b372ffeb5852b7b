"""Typing indicators and presence: frames on the stream, nothing stored."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from parley.gateway.v1 import gateway_pb2
from parley_sdk.errors import NotConnectedError, from_error_frame
from parley_sdk.models import PresenceEvent
from parley_sdk.network import Connection


class Presence:
    """Tells others the user is typing; watches others' presence."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def typing(self, conversation_id: str, typing: bool = True) -> None:
        """Tells the other side the user is (or stopped) typing; a no-op offline."""
        frame = gateway_pb2.ClientFrame()
        frame.typing.conversation_id = conversation_id
        frame.typing.typing = typing
        with contextlib.suppress(NotConnectedError):
            await self._conn.post(frame)

    async def subscribe(
        self, user_ids: Sequence[str], unsubscribe: Sequence[str] = ()
    ) -> list[PresenceEvent]:
        """Watches users' presence (changes come to `on_presence`); returns their current state."""
        frame = gateway_pb2.ClientFrame()
        frame.subscribe_presence.subscribe_user_ids.extend(user_ids)
        frame.subscribe_presence.unsubscribe_user_ids.extend(unsubscribe)
        answer = await self._conn.request(frame)
        if answer.HasField("error"):
            e = answer.error
            raise from_error_frame(e.code, e.reason, e.message)
        return [
            PresenceEvent(s.user_id, s.online, tuple(int(p) for p in s.platforms))
            for s in answer.presence_snapshot.statuses
        ]
