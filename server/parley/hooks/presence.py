"""user.online / user.offline: a user's first stream opened, or their last closed."""

from __future__ import annotations

from collections.abc import Callable

from parley.hooks.client import Hooks
from parley.hooks.payloads import platform_name
from parley.realtime.registry import Registry


def presence_hook(hooks: Hooks, registry: Registry) -> Callable[[str, bool], None] | None:
    """The Registry.on_presence callback, or None when neither event is on."""
    if not (hooks.wants("user.online") or hooks.wants("user.offline")):
        return None

    def on_presence(user_id: str, online: bool) -> None:
        platforms = [platform_name(p) for p in registry.status(user_id).platforms]
        hooks.emit(
            "user.online" if online else "user.offline",
            {"user_id": user_id, "online": online, "platforms": platforms},
        )

    return on_presence
