"""user.online / user.offline: a user's first stream opened, or their last closed
(cluster mode: on any gateway; a gateway that sees the user's first or last
stream of its own stays quiet while another gateway holds one)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from parley.hooks.client import Hooks, Payload
from parley.hooks.payloads import platform_name
from parley.user.v1 import user_pb2


class PresenceView(Protocol):
    """Who is online on any node (parley.realtime.presence.Presence)."""

    async def elsewhere(self, user_id: str) -> bool: ...

    async def statuses(self, user_ids: Sequence[str]) -> list[user_pb2.OnlineStatus]: ...


def presence_hook(hooks: Hooks, presence: PresenceView) -> Callable[[str, bool], None] | None:
    """The Registry.on_presence callback, or None when neither event is on."""
    if not (hooks.wants("user.online") or hooks.wants("user.offline")):
        return None

    def on_presence(user_id: str, online: bool) -> None:
        async def build() -> list[Payload]:
            if await presence.elsewhere(user_id):
                return []
            status = (await presence.statuses([user_id]))[0]
            platforms = [platform_name(p) for p in status.platforms]
            return [{"user_id": user_id, "online": online, "platforms": platforms}]

        hooks.emit("user.online" if online else "user.offline", build)

    return on_presence
