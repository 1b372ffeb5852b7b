"""Builds the server: storage, domain services, realtime gateway, gRPC."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
from google.rpc import error_details_pb2
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.api.admin import AdminServicer
from parley.api.auth import AuthServicer
from parley.api.base import Authn
from parley.api.conversations import ConversationServicer
from parley.api.decoding import DecodingInterceptor, safe_decoder
from parley.api.groups import GroupServicer
from parley.api.messages import MsgServicer
from parley.api.policy import PolicyInterceptor, check_covers
from parley.api.reflection import add_reflection
from parley.api.relations import RelationServicer
from parley.api.users import UserServicer
from parley.api.validation import Validator
from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.clock import now_ms
from parley.config import Settings
from parley.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from parley.domain.access import Access
from parley.domain.admin import Admin
from parley.domain.conversations import Conversations
from parley.domain.edits import Edits
from parley.domain.groups import Groups, SendRules
from parley.domain.messages import Messages
from parley.domain.read_state import ReadState
from parley.domain.relations import Relations
from parley.domain.stats import Statistics, StatsRecorder
from parley.domain.sync import Sync
from parley.domain.tokens import TokenService, new_secret
from parley.domain.users import Users
from parley.gateway.v1 import gateway_pb2
from parley.group.v1 import group_pb2, group_pb2_grpc
from parley.hooks import Hooks, OfflinePush, SendHooks
from parley.hooks.presence import presence_hook
from parley.log.commit import CommitQueue
from parley.log.conversation_log import ConversationLog
from parley.log.pipeline import MessagePipeline, SeqService
from parley.log.push import Pusher
from parley.log.seqs import SeqAllocator
from parley.log.versions import HybridVersionClock, VersionClock
from parley.msg.v1 import msg_pb2, msg_pb2_grpc
from parley.observability.exporter import MetricsServer
from parley.observability.logs import announce
from parley.observability.metrics import REGISTRY, RuntimeCollector
from parley.observability.requests import RequestInterceptor
from parley.realtime.gateway import Gateway
from parley.realtime.presence import Presence
from parley.realtime.registry import Registry
from parley.relation.v1 import relation_pb2, relation_pb2_grpc
from parley.storage.interfaces import MessageStore, TokenStore
from parley.storage.sql import SqlStores, open_sql
from parley.storage.sql.engine import sqlite_url
from parley.storage.sql.groups import SqlGroupStore
from parley.storage.sql.push import SqlPushStore
from parley.storage.sql.relations import SqlRelationStore
from parley.storage.sql.stats import SqlStatsStore
from parley.tls import add_port
from parley.user.v1 import user_pb2, user_pb2_grpc

if TYPE_CHECKING:
    from parley.cluster import ClusterParts

log = logging.getLogger("parley")

SERVICE_NAMES = (
    gateway_pb2.DESCRIPTOR.services_by_name["GatewayService"].full_name,
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name,
    user_pb2.DESCRIPTOR.services_by_name["UserService"].full_name,
    relation_pb2.DESCRIPTOR.services_by_name["RelationService"].full_name,
    group_pb2.DESCRIPTOR.services_by_name["GroupService"].full_name,
    msg_pb2.DESCRIPTOR.services_by_name["MsgService"].full_name,
    conversation_pb2.DESCRIPTOR.services_by_name["ConversationService"].full_name,
    admin_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
)


def _stored_secret(path: Path) -> tuple[str, bool]:
    """Reads the secret at `path`, creating it (mode 0600) on first start."""
    if path.exists():
        return path.read_text().strip(), False
    secret = new_secret()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return secret, True


def resolve_secrets(settings: Settings) -> Settings:
    """Embedded mode generates and keeps its secrets in the data directory;
    cluster mode refuses to start without them."""
    admin = settings.secret_value()
    key = os.environ.get("PARLEY_TOKEN_SECRET", "") or settings.auth.token_secret
    if settings.mode != "embedded":
        if not admin or not key:
            raise SystemExit("cluster mode needs PARLEY_ADMIN_SECRET and PARLEY_TOKEN_SECRET")
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if not admin:
            path = settings.data_dir / "admin_secret"
            admin, created = _stored_secret(path)
            announce(f"admin secret {'created' if created else 'read'} at {path}")
        if not key:
            key, _ = _stored_secret(settings.data_dir / "token_key")
    auth = settings.auth.model_copy(update={"admin_secret": admin, "token_secret": key})
    hooks = settings.hooks
    if hooks.url and not hooks.secret:
        if settings.mode != "embedded":
            raise SystemExit("cluster mode with hooks needs PARLEY_HOOKS__SECRET")
        path = settings.data_dir / "hook_secret"
        secret, created = _stored_secret(path)
        announce(f"hook secret {'created' if created else 'read'} at {path}")
        hooks = hooks.model_copy(update={"secret": secret})
    return settings.model_copy(update={"auth": auth, "hooks": hooks})


@dataclass
class Core:
    """Every domain service of one process."""

    settings: Settings
    stores: SqlStores
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
    authn: Authn
    relations: Relations
    groups: Groups
    background: list[asyncio.Task[Any]] = field(default_factory=list)
    hooks: Hooks | None = None
    admin: Admin | None = None
    statistics: Statistics | None = None
    # Cluster mode: engines, bus, push router, worker (parley.cluster).
    cluster: ClusterParts | None = None


async def build_core(settings: Settings) -> Core:
    """The services of a gRPC node: embedded, or a cluster gateway (role
    "gateway", or "all" which also runs the workers)."""
    url = settings.storage.database_url or sqlite_url(settings.data_dir)
    stores = await open_sql(url, settings.storage.sqlite_synchronous)
    cluster: ClusterParts | None = None
    message_store: MessageStore = stores.messages
    token_store: TokenStore = stores.tokens
    if settings.mode == "cluster":
        from parley.cluster import open_cluster

        cluster = await open_cluster(settings, stores)
        message_store = cluster.messages
        if cluster.tokens is not None:
            token_store = cluster.tokens
    # Embedded: every write; cluster: state-only writes (read and delivery
    # marks, settings), which go straight to the stores.
    commit = CommitQueue(
        message_store, settings.messages.commit_delay_ms, settings.messages.commit_max_batch
    )
    commit.start()
    tokens = TokenService(token_store, settings.auth.token_secret)
    await tokens.load()
    users = Users(stores.users, settings.caches.known_users)
    await users.load()
    registry = Registry(
        settings.auth.multi_login_policy, settings.limits.presence_watches_per_stream
    )
    access = Access()
    versions = VersionClock(await stores.conversations.max_version())
    if cluster is not None:
        versions = HybridVersionClock(versions.value, cluster.cfg.version_lag_ms)
    commit.versions = versions
    seqs: SeqService
    pusher: Pusher = registry
    pipeline: MessagePipeline | None = None
    if cluster is not None:
        await cluster.start_gateway(registry)
        assert cluster.pipeline is not None and cluster.router is not None
        seqs, pusher, pipeline = cluster.seqs, cluster.router, cluster.pipeline
        if settings.role == "all":
            cluster.start_worker()
    else:
        seqs = SeqAllocator(stores.messages.max_seq, settings.messages.seq_cache_conversations)
    log_ = ConversationLog(seqs, commit, stores.conversations, access, pusher, versions, pipeline)
    messages = Messages(settings, log_, users)
    if cluster is not None:
        # Older than half the log's duplicate window: maybe past it.
        messages.find_stored = message_store.find_by_client_ids
        messages.old_resend_ms = int(cluster.cfg.duplicate_window_seconds * 500)
    relations = Relations(
        settings, SqlRelationStore(stores.engine), users, log_, settings.caches.relation_users
    )
    groups = Groups(settings, SqlGroupStore(stores.engine), users, log_)
    access.groups = groups
    access.peers = relations
    messages.policy = SendRules(access, groups)
    sync = Sync(access, seqs, message_store, stores.conversations)
    read_state = ReadState(access, log_, sync, settings.caches.delivery_cursors)
    edits = Edits(settings, log_, access, message_store)
    conversations = Conversations(log_, access, sync)
    presence = Presence(
        registry,
        settings.node_id,
        cluster.presence if cluster is not None else None,
        settings.cluster.heartbeat_seconds,
    )
    gateway = Gateway(settings, tokens, users, registry, messages, read_state, versions, presence)
    gateway.start()
    core = Core(
        settings=settings,
        stores=stores,
        commit=commit,
        tokens=tokens,
        users=users,
        registry=registry,
        access=access,
        log=log_,
        messages=messages,
        sync=sync,
        read_state=read_state,
        edits=edits,
        conversations=conversations,
        gateway=gateway,
        presence=presence,
        authn=Authn(tokens, users),
        relations=relations,
        groups=groups,
        cluster=cluster,
    )
    await _attach_operations(core)
    if cluster is not None and cluster.peers is not None:
        peers = cluster.peers
        for service in (tokens, users, relations, groups, gateway, presence):
            service.join(peers)
        await peers.start()
        # Changes told between the loads above and the subscription.
        await peers.resync()
    await presence.start()
    # Routes in the presence store (cluster), next to the webhook presence hook.
    hook = registry.on_presence

    def presence_changed(user_id: str, online: bool) -> None:
        presence.presence_changed(user_id, online)
        if hook is not None:
            hook(user_id, online)

    registry.on_presence = presence_changed
    if settings.messages.retention_days > 0:
        core.background.append(asyncio.get_running_loop().create_task(_retention(core)))
    return core


async def _attach_operations(core: Core) -> None:
    """Statistics recording, webhooks and the operator services."""
    settings, registry = core.settings, core.registry
    recorder = StatsRecorder(core.commit, remembered=settings.caches.active_users)
    core.log.observer = recorder
    registry.on_connect = lambda session: recorder.connected(session.user_id)
    hooks = Hooks(settings.hooks, settings.node_id)
    push_store = SqlPushStore(core.stores.engine)
    push = OfflinePush(hooks, core.presence.offline, push_store, core.users.store)
    send_hooks = SendHooks(hooks, push, settings.limits.max_content_bytes)
    if send_hooks.enabled:
        core.messages.hooks = send_hooks
    registry.on_presence = presence_hook(hooks, core.presence)
    core.relations.hooks = hooks
    core.groups.hooks = hooks
    core.edits.hooks = hooks
    core.hooks = hooks
    core.admin = Admin(
        settings, core.users, registry, core.gateway, core.log, push if push.enabled else None
    )
    core.statistics = Statistics(SqlStatsStore(core.stores.engine), core.users.store)
    await hooks.start()


def _runtime_figures(core: Core) -> dict[str, float]:
    return {
        "parley_streams_open": len(core.registry),
        "parley_online_users": core.registry.online_users(),
        "parley_presence_watched_users": core.registry.watched_users(),
        "parley_hook_queue_depth": core.hooks.queue_depth() if core.hooks else 0,
        "parley_commit_batches": core.commit.batches,
        "parley_commit_writes": core.commit.items,
        "parley_frames_in": core.gateway.frames_in,
    }


async def _retention(core: Core) -> None:
    days = core.settings.messages.retention_days
    while True:
        cutoff = now_ms() - days * 86_400_000
        try:
            store = core.cluster.messages if core.cluster else core.stores.messages
            n = await store.delete_older_than(cutoff)
            if n:
                log.info("retention: deleted %d messages older than %d days", n, days)
        except Exception:
            log.exception("retention job failed")
        await asyncio.sleep(core.settings.messages.retention_interval_seconds)


def _passthrough(data: bytes) -> bytes:
    # Frames are serialized once per push and shared by every recipient stream.
    return data


def server_options(settings: Settings) -> list[tuple[str, Any]]:
    limits = settings.limits
    return [
        ("grpc.so_reuseport", 0),
        # Above max_frame_bytes, so the validation can answer FRAME_TOO_LARGE.
        (
            "grpc.max_receive_message_length",
            max(limits.max_transport_bytes, limits.max_frame_bytes),
        ),
        ("grpc.max_send_message_length", 16 * 1024 * 1024),
        ("grpc.keepalive_time_ms", 30_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
        ("grpc.http2.max_pings_without_data", 0),
    ]


@dataclass
class App:
    core: Core
    server: grpc.aio.Server
    health: health_aio.HealthServicer
    port: int
    metrics: MetricsServer | None = None
    collector: RuntimeCollector | None = None

    async def stop(self) -> None:
        # Every service (not only "") reports NOT_SERVING while draining.
        await self.health.enter_graceful_shutdown()
        await self.core.gateway.shutdown()
        await self.server.stop(self.core.settings.grace_seconds)
        for task in self.core.background:
            task.cancel()
        if self.core.hooks is not None:
            await self.core.hooks.stop(self.core.settings.grace_seconds)
        await self.core.commit.stop()
        await self.core.presence.stop()
        if self.core.cluster is not None:
            await self.core.cluster.stop(self.core.settings.grace_seconds)
        if self.metrics is not None:
            await self.metrics.stop()
        if self.collector is not None:
            REGISTRY.unregister(self.collector)
        await self.core.stores.close()


async def start_app(settings: Settings) -> App:
    settings = resolve_secrets(settings)
    # Callers are authenticated (policy) before their input is validated.
    policy = PolicyInterceptor()
    validator = Validator(settings)
    server = grpc.aio.server(
        options=server_options(settings),
        interceptors=[RequestInterceptor(), policy, DecodingInterceptor(validator)],
    )
    health_servicer = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    await health_servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    core = await build_core(settings)
    check_covers(SERVICE_NAMES)
    policy.bind(core.authn)
    gw_handler = grpc.stream_stream_rpc_method_handler(
        core.gateway.connect,
        request_deserializer=safe_decoder(gateway_pb2.ClientFrame.FromString, validator),
        response_serializer=_passthrough,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE_NAMES[0], {"Connect": gw_handler}),)
    )
    auth_pb2_grpc.add_AuthServiceServicer_to_server(
        AuthServicer(settings, core.authn, core.gateway), server
    )
    user_pb2_grpc.add_UserServiceServicer_to_server(
        UserServicer(core.authn, core.users, core.registry, core.presence, core.relations), server
    )
    relation_pb2_grpc.add_RelationServiceServicer_to_server(
        RelationServicer(core.authn, core.relations), server
    )
    group_pb2_grpc.add_GroupServiceServicer_to_server(
        GroupServicer(core.authn, core.groups), server
    )
    msg_pb2_grpc.add_MsgServiceServicer_to_server(
        MsgServicer(core.authn, core.messages, core.sync, core.read_state, core.edits), server
    )
    conversation_pb2_grpc.add_ConversationServiceServicer_to_server(
        ConversationServicer(core.authn, core.conversations), server
    )
    assert core.admin is not None and core.statistics is not None
    admin_pb2_grpc.add_AdminServiceServicer_to_server(
        AdminServicer(core.authn, core.admin, core.statistics, core.presence), server
    )
    add_reflection(
        server,
        (*SERVICE_NAMES, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name),
        # ErrorInfo too: grpcurl then decodes every error's reason instead of raw bytes.
        extra=[health_pb2.DESCRIPTOR, error_details_pb2.DESCRIPTOR],
    )
    try:
        port = add_port(server, settings)
    except RuntimeError as e:  # the address is in use or not this host's
        raise SystemExit(f"cannot listen on {settings.listen}: {e}") from e
    await server.start()
    app = App(core, server, health_servicer, port)
    app.collector = RuntimeCollector(lambda: _runtime_figures(core))
    REGISTRY.register(app.collector)
    if settings.metrics.enabled:
        app.metrics = MetricsServer(settings.metrics.listen)
        mport = await app.metrics.start()
        announce(f"metrics on http://{app.metrics.host}:{mport}/metrics")
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return app


async def start_worker(settings: Settings) -> ClusterParts:
    """Cluster role "worker": the JetStream consumers only (no gRPC port)."""
    settings = resolve_secrets(settings)
    from parley.cluster import open_cluster

    stores = await open_sql(settings.storage.database_url, settings.storage.sqlite_synchronous)
    cluster = await open_cluster(settings, stores)
    cluster.start_worker()
    return cluster


async def _until_signal() -> None:
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    announce("shutting down")


def tune_gc() -> None:
    """Full collections of a large heap paused the loop for 95-250 ms and set
    the p99 (bench profile): what start-up allocated is frozen out of them,
    and collections run less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


async def serve(
    settings: Settings, on_listening: Callable[[Settings, int], None] | None = None
) -> None:
    if settings.mode == "cluster" and settings.role == "worker":
        cluster = await start_worker(settings)
        announce(f"worker {settings.node_id} ready (mode cluster)")
        await _until_signal()
        await cluster.stop(settings.grace_seconds)
        return
    app = await start_app(settings)
    tune_gc()
    host = settings.listen.rsplit(":", 1)[0]
    role = f", role {settings.role}" if settings.mode == "cluster" else ""
    announce(
        f"listening on {host}:{app.port} (mode {settings.mode}{role}, data {settings.data_dir})"
    )
    if on_listening is not None:
        on_listening(settings, app.port)
    await _until_signal()
    await app.stop()
