"""Listeners: async callbacks the app registers, called in event order.

Subclass `ParleyListener`, override the callbacks you need and register it
with `ParleyClient.add_listener`. Callbacks run one at a time on the client's
event loop, after the change is in the local store; an exception in one is
logged and does not stop the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from parley_sdk.models import (
    ChatMessage,
    ConnectionState,
    Conversation,
    FriendEvent,
    GroupEvent,
    MessageChange,
    PresenceEvent,
    Receipt,
    TypingEvent,
)

log = logging.getLogger("parley_sdk.listeners")


class ParleyListener:
    """Base class of listeners; every callback does nothing by default."""

    async def on_connection_state(self, state: ConnectionState, detail: str) -> None:
        """The realtime stream changed state (`detail` says why, for failures)."""

    async def on_kicked(self, reason: str, by_platform: int) -> None:
        """Another login took this device's slot, or the user was logged out.
        The client stops reconnecting."""

    async def on_sync_started(self) -> None:
        """A (re)connect sync began."""

    async def on_sync_finished(self) -> None:
        """A (re)connect sync ended: the local store holds everything the server had."""

    async def on_new_message(self, message: ChatMessage) -> None:
        """A message appeared: received, or sent by this device (then still SENDING).

        Called once per message, never for duplicates. Control events (receipts,
        edits, revokes, deletes) do not come here.
        """

    async def on_message_updated(self, message: ChatMessage, change: MessageChange) -> None:
        """A message changed: sent, failed, edited, revoked or deleted."""

    async def on_receipt(self, receipt: Receipt) -> None:
        """Someone read or received a conversation up to a seq."""

    async def on_typing(self, event: TypingEvent) -> None:
        """Someone started or stopped typing."""

    async def on_conversation_changed(self, conversations: list[Conversation]) -> None:
        """Conversations were added or changed (new message, unread count, settings)."""

    async def on_total_unread_changed(self, total: int) -> None:
        """The total unread count (over conversations that are not NOT_RECEIVE) changed."""

    async def on_friend_event(self, event: FriendEvent) -> None:
        """Friends, applications, blacklist or a friend's profile changed."""

    async def on_group_event(self, event: GroupEvent) -> None:
        """A group or its members changed."""

    async def on_presence(self, event: PresenceEvent) -> None:
        """A watched user went online or offline."""


Call = Callable[[ParleyListener], Awaitable[None]]


class Dispatcher:
    """Delivers events to listeners in order, from one task."""

    def __init__(self) -> None:
        self._listeners: list[ParleyListener] = []
        self._queue: asyncio.Queue[Call | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def add(self, listener: ParleyListener) -> None:
        """Registers a listener."""
        if listener not in self._listeners:
            self._listeners.append(listener)

    def remove(self, listener: ParleyListener) -> None:
        """Unregisters a listener."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def start(self) -> None:
        """Starts delivering."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name="parley-listeners"
            )

    def emit(self, call: Call) -> None:
        """Queues one event for every listener."""
        self._idle.clear()
        self._queue.put_nowait(call)

    async def wait_idle(self) -> None:
        """Waits until every queued event was delivered."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            call = await self._queue.get()
            if call is None:
                self._idle.set()
                return
            for listener in list(self._listeners):
                try:
                    await call(listener)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("listener %r failed", listener)
            if self._queue.empty():
                self._idle.set()

    async def stop(self) -> None:
        """Delivers what is queued, then stops."""
        if self._task is None:
            return
        self._queue.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.shield(self._task), 10.0)
        except TimeoutError:
            self._task.cancel()
        self._task = None
