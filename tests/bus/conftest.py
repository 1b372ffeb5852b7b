"""The cluster pipeline on the real engines: NATS JetStream, Redis, MongoDB
(messages) and PostgreSQL (conversation state)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from redis.asyncio import Redis

from parley.bus.codec import PushEvent
from parley.bus.jetstream import BusConfig, Publisher, connect, ensure_stream
from parley.bus.subjects import push_subject
from parley.bus.worker import Worker
from parley.storage.mongo.messages import MongoMessageStore
from parley.storage.redis.presence import RedisPresenceStore
from parley.storage.redis.seqs import RedisSeqs
from parley.storage.sql.conversations import SqlConversationStore
from tests.engines import Engines, reachable


@pytest.fixture(scope="session")
async def nats_client(service_env: dict[str, str]) -> AsyncIterator[Client]:
    nc: Client | None = None

    async def open_() -> None:
        nonlocal nc
        nc = await connect(service_env["PARLEY_TEST_NATS_URL"], "parley-tests")

    await reachable("nats", open_())
    assert nc is not None
    yield nc
    await nc.close()


@dataclass
class Bus:
    cfg: BusConfig
    nc: Client
    js: JetStreamContext
    publisher: Publisher
    store: MongoMessageStore
    conversations: SqlConversationStore
    seqs: RedisSeqs
    presence: RedisPresenceStore
    workers: list[Worker]

    def worker(self, **kw: Any) -> Worker:
        w = Worker(self.nc, self.js, self.cfg, self.store, self.seqs, self.presence, **kw)
        self.workers.append(w)
        return w

    async def pushes_to(
        self, user_id: str, node: str = "node-x"
    ) -> tuple[asyncio.Queue[PushEvent], Subscription]:
        """The push events the workers send `user_id`, routed to a live
        `node` (the caller unsubscribes)."""
        got: asyncio.Queue[PushEvent] = asyncio.Queue()

        async def on_push(msg: Msg) -> None:
            got.put_nowait(PushEvent.decode(msg.data))

        await self.presence.heartbeat(node, 30)
        await self.presence.set_routes(node, {user_id: [1]})
        sub = await self.nc.subscribe(push_subject(self.cfg.prefix, node), cb=on_push)
        return got, sub


@pytest.fixture
async def bus(
    nats_client: Client, redis_client: Redis, mongo_db: Any, sql_engines: Engines
) -> AsyncIterator[Bus]:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    cfg = BusConfig(
        prefix=prefix,
        partitions=2,
        batch=64,
        ack_wait_seconds=1.0,
        publish_deadline_seconds=0.3,
        skew_margin_seconds=0.2,
        duplicate_window_seconds=60,
    )
    js = nats_client.jetstream()
    await ensure_stream(js, cfg)
    conversations = SqlConversationStore(await sql_engines.get("postgres"))
    # A database of its own: the shared test database holds what earlier
    # suites stored, and a (conversation, seq) stored there twice by another
    # store's test makes the unique index fail to build.
    db = mongo_db.client[f"parley_{prefix}"]
    store = MongoMessageStore(db, conversations)
    await store.ensure_indexes()
    publisher = Publisher(js, cfg)

    async def floor(cid: str) -> int:
        return max(await store.max_seq(cid), await publisher.last_seq(cid))

    seqs = RedisSeqs(redis_client, floor, f"{prefix}:", fence_ms=500, load_visible=store.max_seq)
    b = Bus(
        cfg,
        nats_client,
        js,
        publisher,
        store,
        conversations,
        seqs,
        RedisPresenceStore(redis_client, f"{prefix}:"),
        [],
    )
    yield b
    for w in b.workers:
        await w.stop()
    await js.delete_stream(cfg.stream)
    await mongo_db.client.drop_database(db.name)
    keys = [k async for k in redis_client.scan_iter(f"{prefix}:*")]
    if keys:
        await redis_client.delete(*keys)
