"""Presence and routing on Redis: which gateway nodes hold a stream of a user.

route:{user} is a hash node_id -> open stream count on that node; node:{id}
is a heartbeat key with a TTL that the node refreshes. A node that dies stops
refreshing, and its routes stop counting when the heartbeat expires, without
anyone cleaning them (a restarted node with the same id re-registers the
users it really has; stale entries only cost a push the node drops)."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis


class RedisPresenceStore:
    def __init__(self, redis: Redis, prefix: str = "parley:") -> None:
        self._r = redis
        self._p = prefix

    def _route(self, user_id: str) -> str:
        return f"{self._p}route:{user_id}"

    def _node(self, node_id: str) -> str:
        return f"{self._p}node:{node_id}"

    async def heartbeat(self, node_id: str, ttl_seconds: float) -> None:
        await self._r.set(self._node(node_id), "1", px=int(ttl_seconds * 1000))

    async def node_gone(self, node_id: str) -> None:
        await self._r.delete(self._node(node_id))

    async def set_online(self, user_id: str, node_id: str) -> None:
        await self._r.hincrby(self._route(user_id), node_id, 1)  # type: ignore[misc]

    async def set_offline(self, user_id: str, node_id: str) -> None:
        key = self._route(user_id)
        left = await self._r.hincrby(key, node_id, -1)  # type: ignore[misc]
        if int(left) <= 0:
            await self._r.hdel(key, node_id)  # type: ignore[misc]

    async def nodes_of(self, user_ids: Sequence[str]) -> dict[str, set[str]]:
        """Live nodes holding a stream of each user (users with none are left out)."""
        if not user_ids:
            return {}
        pipe = self._r.pipeline(transaction=False)
        for u in user_ids:
            pipe.hkeys(self._route(u))
        routes: list[list[str]] = await pipe.execute()
        nodes = sorted({n for r in routes for n in r})
        if not nodes:
            return {}
        alive = await self._r.mget([self._node(n) for n in nodes])
        live = {n for n, a in zip(nodes, alive, strict=True) if a is not None}
        out: dict[str, set[str]] = {}
        for u, r in zip(user_ids, routes, strict=True):
            on = live.intersection(r)
            if on:
                out[u] = on
        return out
