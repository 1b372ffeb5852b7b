"""Cluster mode's engines and bus, wired for one process (docs/cluster.md).

`open_cluster` connects Redis, NATS (creating the stream and its consumers)
and the message store (MongoDB, or the SQL database); a gateway then gets a
`ClusterPipeline` (Redis seq, publish, ack on the log's ack) and a
`NatsPushRouter` (local streams, other nodes over NATS, presence in Redis);
a worker gets the JetStream consumers that persist, settle and push."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.js import JetStreamContext
from redis.asyncio import Redis

from parley.bus.events import NatsPeers
from parley.bus.jetstream import BusConfig, Publisher, connect, ensure_stream
from parley.bus.leases import PartitionLease
from parley.bus.pipeline import ClusterAppender, ClusterPipeline
from parley.bus.push import NatsPushRouter
from parley.bus.worker import Worker
from parley.bus.worker_beat import WorkerBeat, WorkerWatch
from parley.config import Settings
from parley.realtime.registry import Registry
from parley.storage.interfaces import MessageStore
from parley.storage.redis import connect as redis_connect
from parley.storage.redis.presence import RedisPresenceStore
from parley.storage.redis.seqs import RedisSeqs
from parley.storage.redis.tokens import RedisTokenStore
from parley.storage.sql import SqlStores

log = logging.getLogger(__name__)

ROLES = ("gateway", "worker", "all")


def bus_config(settings: Settings) -> BusConfig:
    c = settings.cluster
    return BusConfig(
        url=c.nats_url,
        prefix=c.bus_prefix,
        partitions=c.partitions,
        duplicate_window_seconds=c.duplicate_window_seconds,
        max_age_seconds=c.max_age_seconds,
        replicas=c.replicas,
        batch=c.batch,
        ack_wait_seconds=c.ack_wait_seconds,
        publish_deadline_seconds=c.publish_deadline_seconds,
        skew_margin_seconds=c.skew_margin_seconds,
    )


@dataclass
class ClusterParts:
    settings: Settings
    cfg: BusConfig
    redis: Redis
    nc: Client
    js: JetStreamContext
    publisher: Publisher
    seqs: RedisSeqs
    presence: RedisPresenceStore
    messages: MessageStore
    tokens: RedisTokenStore | None
    mongo: Any = None
    router: NatsPushRouter | None = None
    peers: NatsPeers | None = None
    pipeline: ClusterPipeline | None = None
    worker: Worker | None = None
    # Gateways hear the workers' heartbeats; workers send them.
    workers: WorkerWatch | None = None
    beat: WorkerBeat | None = None

    async def start_gateway(self, registry: Registry) -> None:
        s = self.settings
        appender = ClusterAppender(self.publisher, self.seqs, self.cfg)
        self.pipeline = ClusterPipeline(appender, s.node_id)
        self.router = NatsPushRouter(self.nc, self.cfg.prefix, s.node_id, registry, self.presence)
        await self.router.start()
        self.peers = NatsPeers(self.nc, self.cfg.prefix, s.node_id, s.cluster.heartbeat_seconds)
        self.workers = WorkerWatch(self.nc, self.cfg.prefix, s.cluster.heartbeat_seconds)
        await self.workers.start()

    def start_worker(self) -> None:
        # The lease outlives ack_wait: a dead holder's batch is redelivered
        # before another worker takes the partition over.
        ttl_ms = int(max(self.cfg.ack_wait_seconds * 1.5, 3.0) * 1000)
        lease = PartitionLease(
            self.redis,
            self.settings.cluster.redis_prefix,
            self.settings.node_id,
            ttl_ms,
            self.cfg.partitions,
        )
        self.worker = Worker(
            self.nc, self.js, self.cfg, self.messages, self.seqs, self.presence, lease=lease
        )
        self.worker.start()
        s = self.settings
        self.beat = WorkerBeat(self.nc, self.cfg.prefix, s.node_id, s.cluster.heartbeat_seconds)
        self.beat.start()

    async def stop(self, grace: float) -> None:
        if self.pipeline is not None:
            await self.pipeline.drain(grace)
        if self.peers is not None:
            await self.peers.stop()
        if self.worker is not None:
            await self.worker.stop()
        for part in (self.beat, self.workers):
            if part is not None:
                await part.stop()
        # Everything was published (the pipeline drained): close, not drain
        # (a drain waits for the pull subscriptions for up to 30 s).
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.nc.close(), 5)
        with contextlib.suppress(Exception):
            await self.redis.aclose()
        if self.mongo is not None:
            with contextlib.suppress(Exception):
                await self.mongo.close()


async def _ensure_stream(js: JetStreamContext, cfg: BusConfig) -> None:
    # Several processes may start at once: creating the same stream races.
    for attempt in range(5):
        try:
            await ensure_stream(js, cfg)
            return
        except Exception:
            if attempt == 4:
                raise
            log.info("stream setup raced; retrying", exc_info=True)
            await asyncio.sleep(0.2 * (attempt + 1))


async def open_cluster(settings: Settings, stores: SqlStores) -> ClusterParts:
    c = settings.cluster
    if settings.role not in ROLES:
        raise SystemExit(f"role must be one of {', '.join(ROLES)}, not {settings.role!r}")
    if not settings.storage.database_url:
        raise SystemExit("cluster mode needs storage.database_url (PARLEY_STORAGE__DATABASE_URL)")
    cfg = bus_config(settings)
    redis = redis_connect(c.redis_url)
    await redis.ping()
    nc = await connect(c.nats_url, f"parley-{settings.node_id}")
    js = nc.jetstream()
    await _ensure_stream(js, cfg)
    mongo: Any = None
    messages: MessageStore = stores.messages
    if c.mongo_url:
        from parley.storage.mongo.messages import open_mongo_messages

        mongo, messages = await open_mongo_messages(c.mongo_url, stores.conversations)
    publisher = Publisher(js, cfg)

    async def floor(conversation_id: str) -> int:
        # A missing counter starts above everything the stores and the log hold.
        stored = await messages.max_seq(conversation_id)
        return max(stored, await publisher.last_seq(conversation_id))

    seqs = RedisSeqs(
        redis, floor, c.redis_prefix, fence_ms=cfg.late_ms, load_visible=messages.max_seq
    )
    return ClusterParts(
        settings=settings,
        cfg=cfg,
        redis=redis,
        nc=nc,
        js=js,
        publisher=publisher,
        seqs=seqs,
        presence=RedisPresenceStore(redis, c.redis_prefix),
        messages=messages,
        tokens=RedisTokenStore(redis, c.redis_prefix) if c.tokens_in_redis else None,
        mongo=mongo,
    )
