"""Who is online, as the API reports it.

Embedded: this node's registry. Cluster: a user's streams may sit on any
gateway, so each node keeps its users' routes (node -> platforms) in the
presence store, refreshed by a heartbeat, and a status merges this node's
registry with the other live nodes' routes. A user's first stream on a node,
or their last, is told to the peers, whose streams watching that user get
the merged status."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from parley.common.v1 import common_pb2
from parley.domain.peers import (
    COUNT_PLATFORM_STREAMS,
    COUNT_STREAMS,
    COUNT_USERS,
    NO_PEERS,
    PRESENCE_CHANGED,
    Peers,
)
from parley.realtime.registry import Registry
from parley.storage.interfaces import PresenceStore
from parley.user.v1 import user_pb2

log = logging.getLogger(__name__)


class Presence:
    def __init__(
        self,
        registry: Registry,
        node_id: str,
        store: PresenceStore | None = None,
        heartbeat_seconds: float = 5.0,
        peers: Peers = NO_PEERS,
    ) -> None:
        self.registry = registry
        self.node_id = node_id
        self.store = store
        self.peers = peers
        self._heartbeat = heartbeat_seconds
        # Users whose routes must be written, and those of them whose
        # first or last stream on this node opened or closed.
        self._dirty: set[str] = set()
        self._changed: set[str] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        if store is not None:
            # Watchers get the merged status, from the flusher (a registry
            # built with notify_presence=False).
            registry.on_streams(self._streams_changed)
            registry.on_presence(self.presence_changed)
        peers.on(PRESENCE_CHANGED, self._peer_changed)
        peers.on(COUNT_STREAMS, lambda _: len(self.registry))
        peers.on(COUNT_USERS, lambda _: self.registry.online_users())
        peers.on(COUNT_PLATFORM_STREAMS, lambda d: self._local_by_platform().get(d["platform"], 0))

    # -- life cycle (cluster) ---------------------------------------------

    async def start(self) -> None:
        if self.store is None:
            return
        await self.store.heartbeat(self.node_id, self._ttl)
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._flush_loop(), name="presence-flush"),
            loop.create_task(self._beat_loop(), name="presence-heartbeat"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if self.store is not None:
            try:
                await self.store.node_gone(self.node_id)
            except Exception:
                log.debug("node_gone failed", exc_info=True)

    @property
    def _ttl(self) -> float:
        return self._heartbeat * 3

    # -- queries ------------------------------------------------------------

    async def statuses(self, user_ids: Sequence[str]) -> list[user_pb2.OnlineStatus]:
        local = [self.registry.status(u) for u in user_ids]
        if self.store is None or not user_ids:
            return local
        routes = await self.store.routes_of(list(dict.fromkeys(user_ids)))
        for status in local:
            elsewhere = {
                p
                for node, platforms in routes.get(status.user_id, {}).items()
                if node != self.node_id
                for p in platforms
            }
            if elsewhere - set(status.platforms):
                status.online = True
                merged = sorted(elsewhere.union(status.platforms))
                del status.platforms[:]
                status.platforms.extend(merged)  # type: ignore[arg-type]
        return local

    async def offline(self, user_ids: Sequence[str]) -> list[str]:
        """The users with no stream on any node."""
        here = [u for u in user_ids if not self.registry.is_online(u)]
        if self.store is None or not here:
            return here
        online = await self.store.nodes_of(here)
        return [u for u in here if u not in online]

    async def counts(self) -> tuple[int, int]:
        """(users with a stream, open streams) on every node. A user with
        streams on two nodes counts on each (an exact count would need every
        node's user list)."""
        users = self.registry.online_users() + await self.peers.ask(COUNT_USERS, {})
        streams = len(self.registry) + await self.peers.ask(COUNT_STREAMS, {})
        return users, streams

    def _local_by_platform(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for s in self.registry.sessions():
            out[s.platform] = out.get(s.platform, 0) + 1
        return out

    async def streams_by_platform(self) -> list[tuple[int, int]]:
        """(platform, open streams) on every node, platforms with none left
        out; in cluster mode each platform is one question to the peers."""
        platforms = [p for p in common_pb2.Platform.values() if p]
        elsewhere = await asyncio.gather(
            *(self.peers.ask(COUNT_PLATFORM_STREAMS, {"platform": p}) for p in platforms)
        )
        here = self._local_by_platform()
        totals = [(p, here.get(p, 0) + n) for p, n in zip(platforms, elsewhere, strict=True)]
        return [(p, n) for p, n in totals if n]

    async def elsewhere(self, user_id: str) -> bool:
        """Whether another live node holds a stream of the user."""
        if self.store is None:
            return False
        nodes = (await self.store.nodes_of([user_id])).get(user_id, set())
        return bool(nodes - {self.node_id})

    # -- changes ------------------------------------------------------------

    def presence_changed(self, user_id: str, online: bool) -> None:
        """Registry hook: the user's first stream on this node opened, or the last closed."""
        if self.store is not None:
            self._changed.add(user_id)
            self._mark(user_id)

    def _streams_changed(self, user_id: str) -> None:
        self._mark(user_id)

    def _mark(self, user_id: str) -> None:
        self._dirty.add(user_id)
        self._wake.set()

    async def _flush_loop(self) -> None:
        assert self.store is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            dirty, self._dirty = self._dirty, set()
            changed, self._changed = self._changed, set()
            # Each user's routes as they are now: writes are idempotent, so
            # their order does not matter and bursts coalesce.
            routes = {u: [s.platform for s in self.registry.sessions_of(u)] for u in sorted(dirty)}
            try:
                await self.store.set_routes(self.node_id, routes)
            except Exception:
                log.warning("writing presence routes failed; retrying", exc_info=True)
                self._dirty |= dirty
                self._changed |= changed
                await asyncio.sleep(1.0)
                self._wake.set()
                continue
            for u in sorted(changed):
                if u in self._dirty:
                    # A stream of u opened or closed during the write: the
                    # store is already behind this node's registry, so telling
                    # now would let a watcher hear a status another gateway
                    # does not yet give. The next pass writes it, then tells.
                    self._changed.add(u)
                    continue
                self.peers.tell(PRESENCE_CHANGED, {"user_id": u})
                await self._notify(u)

    async def _beat_loop(self) -> None:
        assert self.store is not None
        while True:
            await asyncio.sleep(self._heartbeat)
            try:
                known = await self.store.heartbeat(self.node_id, self._ttl)
            except Exception:
                log.warning("presence heartbeat failed", exc_info=True)
                continue
            if not known:
                # Our routes expired or the store lost them: set them again.
                users = {s.user_id for s in self.registry.sessions()}
                log.warning("presence heartbeat found no record of this node: re-registering")
                for u in users:
                    self._mark(u)

    async def _peer_changed(self, data: dict[str, Any]) -> None:
        await self._notify(str(data["user_id"]))

    async def _notify(self, user_id: str) -> None:
        if not self.registry.has_watchers(user_id):
            return
        try:
            status = (await self.statuses([user_id]))[0]
        except Exception:
            log.warning("presence lookup failed", exc_info=True)
            status = self.registry.status(user_id)
        self.registry.notify_watchers(user_id, status)
