"""Cross-node push: a Pusher that delivers to the streams of this node and
publishes to the nodes that hold the other recipients (core NATS: a push
that misses is recovered by sync, so it needs no durability)."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg

from parley.bus.codec import PushEvent
from parley.bus.subjects import push_subject
from parley.gateway.v1 import gateway_pb2
from parley.realtime.registry import Registry
from parley.storage.interfaces import PresenceStore

log = logging.getLogger(__name__)


def session_key(node_id: str, session: Any) -> str:
    """How a stream is named across nodes (to exclude it from a push)."""
    if session is None:
        return ""
    return f"{node_id}/{session.user_id}/{session.device_id}"


class NatsPushRouter:
    def __init__(
        self, nc: Client, prefix: str, node_id: str, registry: Registry, presence: PresenceStore
    ) -> None:
        self._nc = nc
        self._prefix = prefix
        self.node_id = node_id
        self._registry = registry
        # Where users are: kept by parley.realtime.presence.
        self._presence = presence
        self._tasks: set[asyncio.Task[Any]] = set()
        self.received = 0

    async def start(self) -> None:
        await self._nc.subscribe(push_subject(self._prefix, self.node_id), cb=self._on_push)

    def push(
        self, user_ids: Iterable[str], frame: gateway_pb2.ServerFrame, exclude: object | None = None
    ) -> int:
        users = list(user_ids)
        n = self._registry.push(users, frame, exclude)
        self._spawn(
            self._remote(users, frame.SerializeToString(), session_key(self.node_id, exclude))
        )
        return n

    async def _remote(self, users: list[str], data: bytes, exclude: str) -> None:
        routes = await self._presence.nodes_of(users)
        per_node: dict[str, list[str]] = defaultdict(list)
        for u, nodes in routes.items():
            for node in nodes:
                if node != self.node_id:
                    per_node[node].append(u)
        for node, node_users in per_node.items():
            await self._nc.publish(
                push_subject(self._prefix, node), PushEvent(node_users, data, exclude).encode()
            )

    async def _on_push(self, msg: Msg) -> None:
        try:
            event = PushEvent.decode(msg.data)
        except Exception:
            log.warning("undecodable push event", exc_info=True)
            return
        self.received += 1
        self._registry.push_data(event.user_ids, event.frame, self._excluded(event.exclude))

    def _excluded(self, key: str) -> object | None:
        if not key:
            return None
        node, _, rest = key.partition("/")
        user_id, _, device_id = rest.partition("/")
        if node != self.node_id:
            return None
        for s in self._registry.sessions_of(user_id):
            if s.device_id == device_id:
                return s
        return None

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("remote push failed: %s", task.exception())
