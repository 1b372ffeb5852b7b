"""A device's stream on whichever gateway holds it. A Subscribe client acts
through unary calls, and in a cluster those may land on any node while its
stream sits on one: a heartbeat or a presence watch is applied here when the
stream is here, else asked of the peers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from parley.domain.peers import NO_PEERS, PRESENCE_WATCH, SESSION_TOUCH, Peers
from parley.errors import R, not_found
from parley.realtime.registry import Registry
from parley.realtime.sessions import Session


class Devices:
    def __init__(self, registry: Registry, peers: Peers = NO_PEERS) -> None:
        self.registry = registry
        self.peers = peers
        peers.on(SESSION_TOUCH, self._touch_here)
        peers.on(PRESENCE_WATCH, self._watch_here)

    def _find(self, user_id: str, device_id: str) -> Session | None:
        for s in self.registry.sessions_of(user_id):
            if s.device_id == device_id and not s.closed:
                return s
        return None

    async def touch(self, user_id: str, device_id: str) -> None:
        """The device's stream saw traffic: its idle timeout starts again."""
        data = {"user_id": user_id, "device_id": device_id}
        if not self._touch_here(data) and not await self.peers.ask(SESSION_TOUCH, data):
            raise _gone()

    async def watch(
        self, user_id: str, device_id: str, subscribe: Sequence[str], unsubscribe: Sequence[str]
    ) -> None:
        """The device's stream gets presence frames of `subscribe`, no more of `unsubscribe`."""
        data = {
            "user_id": user_id,
            "device_id": device_id,
            "subscribe": list(subscribe),
            "unsubscribe": list(unsubscribe),
        }
        if not self._watch_here(data) and not await self.peers.ask(PRESENCE_WATCH, data):
            raise _gone()

    def _touch_here(self, data: dict[str, Any]) -> int:
        s = self._find(str(data["user_id"]), str(data["device_id"]))
        if s is None:
            return 0
        # A half-closed listen-only stream (last_recv = inf) stays exempt.
        s.last_recv = max(s.last_recv, time.monotonic())
        return 1

    def _watch_here(self, data: dict[str, Any]) -> int:
        s = self._find(str(data["user_id"]), str(data["device_id"]))
        if s is None:
            return 0
        self.registry.watch(s, data["subscribe"], data["unsubscribe"])
        return 1


def _gone() -> Exception:
    return not_found(
        R.ERROR_REASON_SESSION_NOT_FOUND,
        "no open stream of this device on any node; subscribe again",
    )
