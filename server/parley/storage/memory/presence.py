"""PresenceStore for one process (and the reference for the Redis one)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence


class MemoryPresenceStore:
    def __init__(self) -> None:
        # user -> node -> platforms
        self._routes: dict[str, dict[str, list[int]]] = {}
        self._nodes: dict[str, float] = {}

    async def heartbeat(self, node_id: str, ttl_seconds: float) -> bool:
        now = time.monotonic()
        known = self._nodes.get(node_id, 0) > now
        self._nodes[node_id] = now + ttl_seconds
        return known

    async def node_gone(self, node_id: str) -> None:
        self._nodes.pop(node_id, None)
        # Its routes too: a user it held would otherwise keep an entry for good.
        for user_id in [u for u, nodes in self._routes.items() if node_id in nodes]:
            nodes = self._routes[user_id]
            del nodes[node_id]
            if not nodes:
                del self._routes[user_id]

    async def set_routes(self, node_id: str, routes: Mapping[str, Sequence[int]]) -> None:
        for user_id, platforms in routes.items():
            nodes = self._routes.setdefault(user_id, {})
            if platforms:
                nodes[node_id] = sorted(platforms)
            else:
                nodes.pop(node_id, None)
                if not nodes:
                    del self._routes[user_id]

    async def nodes_of(self, user_ids: Sequence[str]) -> dict[str, set[str]]:
        return {u: set(nodes) for u, nodes in (await self.routes_of(user_ids)).items()}

    async def routes_of(self, user_ids: Sequence[str]) -> dict[str, dict[str, list[int]]]:
        now = time.monotonic()
        out: dict[str, dict[str, list[int]]] = {}
        for u in user_ids:
            nodes = self._routes.get(u, {})
            live = {n: list(p) for n, p in nodes.items() if self._nodes.get(n, 0) > now}
            if live:
                out[u] = live
        return out
