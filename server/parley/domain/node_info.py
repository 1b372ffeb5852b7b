"""What the answering node is, for operators: version, mode, role, and the
other gateways and the workers it hears from (cluster mode)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.metadata import version

from parley.admin.v1 import admin_pb2
from parley.clock import now_ms
from parley.config import Settings
from parley.domain.peers import Peers


async def _unknown() -> str:
    return "UNKNOWN"


class NodeInfo:
    def __init__(
        self,
        settings: Settings,
        peers: Peers,
        health: Callable[[], Awaitable[str]] = _unknown,
        workers: Callable[[], set[str]] = set,
    ) -> None:
        self.settings = settings
        self.peers = peers
        # The grpc.health.v1 status the node serves (app.py reads its servicer).
        self.health = health
        # Cluster mode: the workers heard from (parley.bus.worker_beat).
        self.workers = workers
        self.started_ms = now_ms()
        self.version = version("parley")

    async def describe(self) -> admin_pb2.GetServerInfoResponse:
        cluster = self.settings.mode == "cluster"
        return admin_pb2.GetServerInfoResponse(
            version=self.version,
            mode=self.settings.mode,
            node_id=self.settings.node_id,
            role=self.settings.role if cluster else "",
            peer_node_ids=sorted(self.peers.live_peers()),
            start_time_ms=self.started_ms,
            health_status=await self.health(),
            worker_node_ids=sorted(self.workers()),
        )
