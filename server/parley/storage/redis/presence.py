"""Presence and routing on Redis: which gateway nodes hold streams of a user,
and on which platforms.

route:{user} is a hash node_id -> the platforms of the user's streams on that
node ("1,5"); node:{id} is a heartbeat key with a TTL that the node refreshes.
A node that dies stops refreshing, and its routes stop counting when the
heartbeat expires, without anyone cleaning them. A node whose heartbeat key
was gone when it beat (expired while it was cut off, or Redis lost its data)
sets all its routes again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from redis.asyncio import Redis


def _platforms(value: str) -> list[int]:
    return [int(p) for p in value.split(",") if p.isdigit()]


class RedisPresenceStore:
    def __init__(self, redis: Redis, prefix: str = "parley:") -> None:
        self._r = redis
        self._p = prefix

    def _route(self, user_id: str) -> str:
        return f"{self._p}route:{user_id}"

    def _node(self, node_id: str) -> str:
        return f"{self._p}node:{node_id}"

    async def heartbeat(self, node_id: str, ttl_seconds: float) -> bool:
        # SET ... GET (Redis 6.2): the old value tells whether the key was there.
        old = await self._r.set(self._node(node_id), "1", px=int(ttl_seconds * 1000), get=True)
        return old is not None

    async def node_gone(self, node_id: str) -> None:
        await self._r.delete(self._node(node_id))

    async def set_routes(self, node_id: str, routes: Mapping[str, Sequence[int]]) -> None:
        if not routes:
            return
        pipe = self._r.pipeline(transaction=False)
        for user_id, platforms in routes.items():
            if platforms:
                value = ",".join(str(p) for p in sorted(platforms))
                pipe.hset(self._route(user_id), node_id, value)
            else:
                pipe.hdel(self._route(user_id), node_id)
        await pipe.execute()

    async def nodes_of(self, user_ids: Sequence[str]) -> dict[str, set[str]]:
        """Live nodes holding a stream of each user (users with none are left out)."""
        if not user_ids:
            return {}
        pipe = self._r.pipeline(transaction=False)
        for u in user_ids:
            pipe.hkeys(self._route(u))
        routes: list[list[str]] = await pipe.execute()
        live = await self._live({n for r in routes for n in r})
        out: dict[str, set[str]] = {}
        for u, r in zip(user_ids, routes, strict=True):
            on = live.intersection(r)
            if on:
                out[u] = on
        return out

    async def routes_of(self, user_ids: Sequence[str]) -> dict[str, dict[str, list[int]]]:
        if not user_ids:
            return {}
        pipe = self._r.pipeline(transaction=False)
        for u in user_ids:
            pipe.hgetall(self._route(u))
        routes: list[dict[str, str]] = await pipe.execute()
        live = await self._live({n for r in routes for n in r})
        out: dict[str, dict[str, list[int]]] = {}
        for u, r in zip(user_ids, routes, strict=True):
            on = {n: _platforms(v) for n, v in r.items() if n in live}
            if on:
                out[u] = on
        return out

    async def _live(self, nodes: set[str]) -> set[str]:
        if not nodes:
            return set()
        names = sorted(nodes)
        alive = await self._r.mget([self._node(n) for n in names])
        return {n for n, a in zip(names, alive, strict=True) if a is not None}
