"""The composition root: the one place that chooses the backends by mode
(embedded or cluster) and builds every service of a gRPC node, each given
its collaborators when it is constructed.

The order is the dependency order: the stream registry first (the pusher of
embedded mode and the cluster's push router need it), then the backends,
the log, the webhooks, relations and groups (which append to the log),
Access over them, and the services that admit by Access. There is no cycle
to close afterwards: the log is told the members of every event by its
caller, so it needs no Access. The registry's listeners (statistics,
presence routes, the presence webhook) subscribe to it, each on its own, so
their order does not matter."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parley.clock import now_ms
from parley.config import Settings
from parley.domain.access import Access
from parley.domain.admin import Admin
from parley.domain.auth import Admission, Auth
from parley.domain.conversations import Conversations
from parley.domain.edits import Edits
from parley.domain.files import Files
from parley.domain.files.lease import BlobLease, ProcessLease
from parley.domain.groups import Groups, SendRules
from parley.domain.idempotency import Idempotency
from parley.domain.messages import FindStored, Messages
from parley.domain.peers import NO_PEERS, Peers
from parley.domain.ports import NO_NOTICE_PUSH
from parley.domain.read_state import ReadState
from parley.domain.relations import Relations
from parley.domain.stats import Statistics, StatsRecorder
from parley.domain.sync import Sync
from parley.domain.tokens import TokenService
from parley.domain.users import Users
from parley.hooks import Hooks, OfflinePush, SendHooks
from parley.hooks.presence import presence_hook
from parley.log.commit import CommitQueue
from parley.log.conversation_log import ConversationLog
from parley.log.pipeline import MessagePipeline, SeqService
from parley.log.push import Pusher
from parley.log.seqs import SeqAllocator
from parley.log.versions import HybridVersionClock, VersionClock
from parley.realtime.gateway import Gateway
from parley.realtime.presence import Presence
from parley.realtime.registry import Registry
from parley.storage.files.local import LocalBlobStore
from parley.storage.files.staging import Staging
from parley.storage.interfaces import (
    BlobStore,
    IdempotencyStore,
    MessageStore,
    PendingStore,
    PresenceStore,
    TokenStore,
)
from parley.storage.sql import SqlStores, open_sql
from parley.storage.sql.engine import sqlite_url
from parley.storage.sql.files import SqlFileStore
from parley.storage.sql.groups import SqlGroupStore
from parley.storage.sql.idempotency import SqlIdempotencyStore
from parley.storage.sql.push import SqlPushStore
from parley.storage.sql.relations import SqlRelationStore
from parley.storage.sql.stats import SqlStatsStore

if TYPE_CHECKING:
    from parley.cluster import ClusterParts

log = logging.getLogger("parley")


@dataclass(frozen=True)
class Backends:
    """What the mode decides: where messages and tokens live, who gives seqs
    and pushes, how appends become durable, who the peers are."""

    messages: MessageStore
    tokens: TokenStore
    seqs: SeqService
    pusher: Pusher
    versions: VersionClock
    # Embedded: the log's local pipeline (seq, group commit, push).
    pipeline: MessagePipeline | None = None
    presence: PresenceStore | None = None
    peers: Peers = NO_PEERS
    # Cluster: resends older than the log's duplicate window are looked up.
    find_stored: FindStored | None = None
    old_resend_ms: int = 0
    cluster: ClusterParts | None = None


async def open_backends(settings: Settings, stores: SqlStores, registry: Registry) -> Backends:
    versions = VersionClock(await stores.conversations.max_version())
    if settings.mode != "cluster":
        seqs = SeqAllocator(stores.messages.max_seq, settings.messages.seq_cache_conversations)
        return Backends(stores.messages, stores.tokens, seqs, registry, versions)
    from parley.cluster import open_cluster

    cluster = await open_cluster(settings, stores)
    await cluster.start_gateway(registry)
    assert cluster.pipeline is not None and cluster.router is not None
    if settings.role == "all":
        cluster.start_worker()
    return Backends(
        messages=cluster.messages,
        tokens=cluster.tokens if cluster.tokens is not None else stores.tokens,
        seqs=cluster.seqs,
        pusher=cluster.router,
        versions=HybridVersionClock(versions.value, cluster.cfg.version_lag_ms),
        pipeline=cluster.pipeline,
        presence=cluster.presence,
        peers=cluster.peers if cluster.peers is not None else NO_PEERS,
        find_stored=cluster.messages.find_by_client_ids,
        # Older than half the log's duplicate window: maybe past it.
        old_resend_ms=int(cluster.cfg.duplicate_window_seconds * 500),
        cluster=cluster,
    )


@dataclass
class Core:
    """Every service of one gRPC node."""

    settings: Settings
    stores: SqlStores
    backends: Backends
    commit: CommitQueue
    tokens: TokenService
    users: Users
    registry: Registry
    access: Access
    log: ConversationLog
    messages: Messages
    sync: Sync
    read_state: ReadState
    edits: Edits
    conversations: Conversations
    gateway: Gateway
    presence: Presence
    admission: Admission
    auth: Auth
    relations: Relations
    groups: Groups
    hooks: Hooks
    admin: Admin
    statistics: Statistics
    idempotency: Idempotency
    files: Files
    background: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def cluster(self) -> ClusterParts | None:
        return self.backends.cluster

    async def stop(self, grace_seconds: float) -> None:
        """Stops what build_core started, once no call is served any more:
        pending webhooks and writes are given `grace_seconds`, then the stores close."""
        await self.gateway.shutdown()
        for task in self.background:
            task.cancel()
        await self.idempotency.drain(grace_seconds)
        await self.hooks.stop(grace_seconds)
        await self.commit.stop()
        await self.files.blobs.close()
        await self.presence.stop()
        if self.cluster is not None:
            await self.cluster.stop(grace_seconds)
        await self.stores.close()


async def build_core(settings: Settings) -> Core:
    """The services of a gRPC node: embedded, or a cluster gateway (role
    "gateway", or "all" which also runs the workers)."""
    url = settings.storage.database_url or sqlite_url(settings.data_dir)
    stores = await open_sql(url, settings.storage.sqlite_synchronous)
    caches, limits = settings.caches, settings.limits
    # Cluster: watchers get the merged status from Presence, not the registry.
    registry = Registry(
        settings.auth.multi_login_policy,
        limits.presence_watches_per_stream,
        notify_presence=settings.mode != "cluster",
    )
    b = await open_backends(settings, stores, registry)
    # Embedded: every write; cluster: state-only writes (read and delivery
    # marks, settings), which go straight to the stores.
    commit = CommitQueue(
        b.messages,
        settings.messages.commit_delay_ms,
        settings.messages.commit_max_batch,
        b.versions,
    )
    commit.start()
    tokens = TokenService(b.tokens, settings.auth.token_secret, b.peers)
    await tokens.load()
    users = Users(stores.users, caches.known_users, b.peers)
    await users.load()
    recorder = StatsRecorder(commit, remembered=caches.active_users)
    registry.on_connect(lambda session: recorder.connected(session.user_id))
    log_ = ConversationLog(
        b.seqs, commit, stores.conversations, b.pusher, b.versions, b.pipeline, recorder
    )
    presence = Presence(
        registry, settings.node_id, b.presence, settings.cluster.heartbeat_seconds, b.peers
    )
    hooks = Hooks(settings.hooks, settings.node_id)
    on_presence = presence_hook(hooks, presence)
    if on_presence is not None:
        registry.on_presence(on_presence)
    push = OfflinePush(hooks, presence.offline, SqlPushStore(stores.engine), users.store)
    relations = Relations(
        settings,
        SqlRelationStore(stores.engine),
        users,
        log_,
        caches.relation_users,
        hooks,
        b.peers,
    )
    groups = Groups(settings, SqlGroupStore(stores.engine), users, log_, hooks, b.peers)
    access = Access(groups, relations)
    files = await open_files(settings, stores, b, access, hooks)
    messages = Messages(
        settings,
        log_,
        users,
        SendRules(access, groups.views),
        SendHooks(hooks, push, limits.max_content_bytes),
        b.find_stored,
        b.old_resend_ms,
        files.readers,
    )
    sync = Sync(access, b.seqs, b.messages, stores.conversations)
    read_state = ReadState(access, log_, sync, caches.delivery_cursors)
    admission = Admission(tokens, users)
    gateway = Gateway(
        settings, tokens, admission, registry, messages, read_state, b.versions, presence, b.peers
    )
    gateway.start()
    auth = Auth(settings, tokens, users, gateway)
    core = Core(
        settings=settings,
        stores=stores,
        backends=b,
        commit=commit,
        tokens=tokens,
        users=users,
        registry=registry,
        access=access,
        log=log_,
        messages=messages,
        sync=sync,
        read_state=read_state,
        edits=Edits(settings, log_, access, b.messages, hooks),
        conversations=Conversations(log_, access, sync),
        gateway=gateway,
        presence=presence,
        admission=admission,
        auth=auth,
        relations=relations,
        groups=groups,
        hooks=hooks,
        admin=Admin(settings, users, gateway, auth, log_, push if push.enabled else NO_NOTICE_PUSH),
        statistics=Statistics(SqlStatsStore(stores.engine), users.store),
        idempotency=Idempotency(
            await _idempotency_store(stores, b),
            settings.idempotency.retention_seconds,
            settings.idempotency.lease_seconds,
            settings.idempotency.wait_seconds,
        ),
        files=files,
    )
    await hooks.start()
    if b.cluster is not None and b.cluster.peers is not None:
        await b.cluster.peers.start()
        # Changes told between the loads above and the subscription.
        await b.cluster.peers.resync()
    await presence.start()
    if settings.files.gc_interval_seconds > 0:
        collect = files.collector.loop(settings.files.gc_interval_seconds)
        core.background.append(asyncio.get_running_loop().create_task(collect))
    if settings.messages.retention_days > 0:
        core.background.append(asyncio.get_running_loop().create_task(_retention(core)))
    core.background.append(asyncio.get_running_loop().create_task(_purge_keys(core)))
    return core


async def _idempotency_store(stores: SqlStores, b: Backends) -> IdempotencyStore:
    """Where every gateway sees the keys: the cluster's MongoDB when it has
    one (the store chosen for write-heavy, expiring data), else the SQL
    database (SQLite embedded; shared PostgreSQL or MySQL in cluster mode)."""
    if b.cluster is not None and b.cluster.mongo is not None:
        from parley.storage.mongo.idempotency import MongoIdempotencyStore

        store = MongoIdempotencyStore(b.cluster.mongo.get_default_database(default="parley"))
        await store.ensure_indexes()
        return store
    return SqlIdempotencyStore(stores.engine)


async def _purge_keys(core: Core) -> None:
    while True:
        try:
            n = await core.idempotency.purge()
            if n:
                log.info("idempotency: purged %d expired keys", n)
        except Exception:
            log.exception("idempotency key purge failed")
        await asyncio.sleep(core.settings.idempotency.purge_interval_seconds)


async def open_files(
    settings: Settings, stores: SqlStores, b: Backends, access: Access, hooks: Hooks
) -> Files:
    """Bytes in a local directory (embedded default) or S3, and pending
    uploads beside them (this node's disk, or the bucket, where any node
    resumes them); records beside the other SQL tables. The blob lease spans
    the cluster when there is one."""
    fs = settings.files
    root = Path(fs.dir) if fs.dir else Path(settings.data_dir) / "files"
    staging = Staging(root)
    blobs: BlobStore
    pending: PendingStore = staging
    if fs.backend == "s3":
        from parley.storage.files.s3 import S3BlobStore
        from parley.storage.files.s3_pending import S3Pending

        s3 = S3BlobStore(
            fs.s3_endpoint, fs.s3_bucket, fs.s3_region, fs.s3_access_key, fs.s3_secret_key
        )
        await s3.ensure_bucket()
        blobs = s3
        pending = S3Pending(s3, staging, fs.s3_part_bytes)
    elif fs.backend == "local":
        blobs = LocalBlobStore(root)
    else:
        raise SystemExit(f"files.backend must be local or s3, not {fs.backend!r}")
    lease: BlobLease = ProcessLease()
    if b.cluster is not None:
        from parley.storage.redis.lease import RedisLease

        lease = RedisLease(b.cluster.redis, settings.cluster.redis_prefix + "files:blob-lease")
    return Files(
        fs,
        settings.auth.token_secret,
        SqlFileStore(stores.engine),
        blobs,
        staging,
        pending,
        lease,
        access,
        b.messages,
        stores.conversations,
        hooks,
    )


async def _retention(core: Core) -> None:
    days = core.settings.messages.retention_days
    while True:
        cutoff = now_ms() - days * 86_400_000
        try:
            n = await core.backends.messages.delete_older_than(cutoff)
            if n:
                log.info("retention: deleted %d messages older than %d days", n, days)
        except Exception:
            log.exception("retention job failed")
        await asyncio.sleep(core.settings.messages.retention_interval_seconds)
