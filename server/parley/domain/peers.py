"""The other gateway nodes of a cluster, as the domain sees them.

Some state is cached in every node: revoked tokens and logout floors, blocked
accounts, friend and blacklist sets, group members; and a user's streams may
sit on any node. A node that changes such state writes the store, updates its
own cache, and tells its peers, which apply the change to their caches and
streams. Embedded mode has no peers (`NO_PEERS`). Kinds are dotted names,
data a JSON object; `parley.bus.events` carries them in cluster mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

# A token was revoked: {"jti"}.
TOKEN_REVOKED = "token.revoked"
# Tokens of (user, platform) issued up to `floor` stop working: {"user_id", "platform", "floor"}.
TOKEN_FLOOR = "token.floor"
# An account was blocked or unblocked: {"user_id", "blocked"}.
USER_BLOCKED = "user.blocked"
# Close a user's streams (a count is answered): {"user_id", "platform", "reason"}.
STREAMS_CLOSE = "streams.close"
# A stream authenticated on another node: {"user_id", "device_id", "platform", "jti", "connect_ms"}.
SESSION_OPENED = "session.opened"
# The friend or blacklist sets of these owners changed: {"user_ids"}.
RELATIONS_CHANGED = "relations.changed"
# A group's members, roles or settings changed: {"group_id"}.
GROUP_CHANGED = "group.changed"
# A user's first stream opened on a node, or the last closed: {"user_id"}.
PRESENCE_CHANGED = "presence.changed"
# A device's stream, wherever it is, saw a heartbeat (answered: 1 when held):
# {"user_id", "device_id"}.
SESSION_TOUCH = "session.touch"
# A device's stream watches (and stops watching) users' presence (answered: 1
# when held): {"user_id", "device_id", "subscribe", "unsubscribe"}.
PRESENCE_WATCH = "presence.watch"
# How many streams, and users with a stream, a node holds (answered): {}.
COUNT_STREAMS = "count.streams"
COUNT_USERS = "count.users"
# How many streams of one platform a node holds (answered): {"platform"}.
COUNT_PLATFORM_STREAMS = "count.platform_streams"

# What a peer does with a change; it may answer a count (see `Peers.ask`).
Handler = Callable[[dict[str, Any]], Awaitable[int | None] | int | None]
# Called when this node may have missed changes (it lost its link to the
# peers for a while): reload the caches from the stores.
Resync = Callable[[], Awaitable[None]]


class Peers(Protocol):
    def tell(self, kind: str, data: dict[str, Any]) -> None:
        """Every other node applies the change, soon (not awaited)."""

    async def ask(self, kind: str, data: dict[str, Any]) -> int:
        """Like `tell`, then waits (bounded) for the live peers' answers and
        returns the sum of their counts."""

    def on(self, kind: str, handler: Handler) -> None:
        """Registers what this node does when a peer tells `kind`."""

    def on_resync(self, resync: Resync) -> None: ...

    def live_peers(self) -> set[str]:
        """The other nodes heard from lately."""
        ...


class NoPeers:
    """Embedded mode: one node, nobody to tell."""

    def tell(self, kind: str, data: dict[str, Any]) -> None:
        pass

    async def ask(self, kind: str, data: dict[str, Any]) -> int:
        return 0

    def on(self, kind: str, handler: Handler) -> None:
        pass

    def on_resync(self, resync: Resync) -> None:
        pass

    def live_peers(self) -> set[str]:
        return set()


NO_PEERS: Peers = NoPeers()
