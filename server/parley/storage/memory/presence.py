"""PresenceStore for one process (and the reference for the Redis one)."""

from __future__ import annotations

import time
from collections.abc import Sequence


class MemoryPresenceStore:
    def __init__(self) -> None:
        self._routes: dict[str, dict[str, int]] = {}
        self._nodes: dict[str, float] = {}

    async def heartbeat(self, node_id: str, ttl_seconds: float) -> None:
        self._nodes[node_id] = time.monotonic() + ttl_seconds

    async def node_gone(self, node_id: str) -> None:
        self._nodes.pop(node_id, None)

    async def set_online(self, user_id: str, node_id: str) -> None:
        nodes = self._routes.setdefault(user_id, {})
        nodes[node_id] = nodes.get(node_id, 0) + 1

    async def set_offline(self, user_id: str, node_id: str) -> None:
        nodes = self._routes.get(user_id, {})
        left = nodes.get(node_id, 0) - 1
        if left > 0:
            nodes[node_id] = left
        else:
            nodes.pop(node_id, None)
            if not nodes:
                self._routes.pop(user_id, None)

    async def nodes_of(self, user_ids: Sequence[str]) -> dict[str, set[str]]:
        now = time.monotonic()
        out: dict[str, set[str]] = {}
        for u in user_ids:
            on = {n for n in self._routes.get(u, {}) if self._nodes.get(n, 0) > now}
            if on:
                out[u] = on
        return out
