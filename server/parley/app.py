"""Builds the server: storage, domain services, realtime gateway, gRPC."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from parley.admin.v1 import admin_pb2
from parley.api.auth import AuthServicer
from parley.api.base import Authn
from parley.api.conversations import ConversationServicer
from parley.api.decoding import DecodingInterceptor, safe_decoder
from parley.api.messages import MsgServicer
from parley.api.users import UserServicer
from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.clock import now_ms
from parley.config import Settings
from parley.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from parley.domain.access import Access
from parley.domain.commit import CommitQueue
from parley.domain.conversation_log import ConversationLog, VersionClock
from parley.domain.conversations import Conversations
from parley.domain.edits import Edits
from parley.domain.messages import Messages
from parley.domain.read_state import ReadState
from parley.domain.seqs import SeqAllocator
from parley.domain.sync import Sync
from parley.domain.tokens import TokenService, new_secret
from parley.domain.users import Users
from parley.gateway.v1 import gateway_pb2
from parley.group.v1 import group_pb2
from parley.msg.v1 import msg_pb2, msg_pb2_grpc
from parley.realtime.gateway import Gateway
from parley.realtime.registry import Registry
from parley.relation.v1 import relation_pb2
from parley.storage.sql import SqlStores, open_sql
from parley.storage.sql.engine import sqlite_url
from parley.user.v1 import user_pb2, user_pb2_grpc

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
            print(f"parley: admin secret {'created' if created else 'read'} at {path}", flush=True)
        if not key:
            key, _ = _stored_secret(settings.data_dir / "token_key")
    auth = settings.auth.model_copy(update={"admin_secret": admin, "token_secret": key})
    return settings.model_copy(update={"auth": auth})


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
    authn: Authn
    background: list[asyncio.Task[Any]] = field(default_factory=list)


async def build_core(settings: Settings) -> Core:
    url = settings.storage.database_url or sqlite_url(settings.data_dir)
    stores = await open_sql(url, settings.storage.sqlite_synchronous)
    commit = CommitQueue(
        stores.messages, settings.messages.commit_delay_ms, settings.messages.commit_max_batch
    )
    commit.start()
    tokens = TokenService(stores.tokens, settings.auth.token_secret)
    await tokens.load()
    users = Users(stores.users)
    await users.load()
    registry = Registry(settings.auth.multi_login_policy)
    access = Access()
    seqs = SeqAllocator(stores.messages.max_seq)
    versions = VersionClock(await stores.conversations.max_version())
    log_ = ConversationLog(seqs, commit, stores.conversations, access, registry, versions)
    messages = Messages(settings, log_, stores.messages, users)
    sync = Sync(access, seqs, stores.messages, stores.conversations)
    read_state = ReadState(access, log_, sync)
    edits = Edits(settings, log_, stores.messages)
    conversations = Conversations(log_, sync)
    gateway = Gateway(settings, tokens, users, registry, messages, read_state, versions)
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
        authn=Authn(tokens, users),
    )
    if settings.messages.retention_days > 0:
        core.background.append(asyncio.get_running_loop().create_task(_retention(core)))
    return core


async def _retention(core: Core) -> None:
    days = core.settings.messages.retention_days
    while True:
        cutoff = now_ms() - days * 86_400_000
        try:
            n = await core.stores.messages.delete_older_than(cutoff)
            if n:
                log.info("retention: deleted %d messages older than %d days", n, days)
        except Exception:
            log.exception("retention job failed")
        await asyncio.sleep(core.settings.messages.retention_interval_seconds)


def _passthrough(data: bytes) -> bytes:
    # Frames are serialized once per push and shared by every recipient stream.
    return data


def server_options(settings: Settings) -> list[tuple[str, Any]]:
    return [
        ("grpc.so_reuseport", 0),
        ("grpc.max_receive_message_length", settings.limits.max_frame_bytes),
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

    async def stop(self) -> None:
        await self.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.core.gateway.shutdown()
        await self.server.stop(self.core.settings.grace_seconds)
        for task in self.core.background:
            task.cancel()
        await self.core.commit.stop()
        await self.core.stores.close()


async def start_app(settings: Settings) -> App:
    settings = resolve_secrets(settings)
    server = grpc.aio.server(options=server_options(settings), interceptors=[DecodingInterceptor()])
    health_servicer = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    await health_servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    core = await build_core(settings)
    gw_handler = grpc.stream_stream_rpc_method_handler(
        core.gateway.connect,
        request_deserializer=safe_decoder(gateway_pb2.ClientFrame.FromString),
        response_serializer=_passthrough,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE_NAMES[0], {"Connect": gw_handler}),)
    )
    auth_pb2_grpc.add_AuthServiceServicer_to_server(
        AuthServicer(settings, core.authn, core.gateway), server
    )
    user_pb2_grpc.add_UserServiceServicer_to_server(
        UserServicer(core.authn, core.users, core.registry), server
    )
    msg_pb2_grpc.add_MsgServiceServicer_to_server(
        MsgServicer(core.authn, core.messages, core.sync, core.read_state, core.edits), server
    )
    conversation_pb2_grpc.add_ConversationServiceServicer_to_server(
        ConversationServicer(core.authn, core.conversations), server
    )
    register_unimplemented(server)
    reflection.enable_server_reflection(
        (
            *SERVICE_NAMES,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ),
        server,
    )
    port = server.add_insecure_port(settings.listen)
    if port == 0:
        raise SystemExit(f"cannot listen on {settings.listen}")
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    return App(core, server, health_servicer, port)


def register_unimplemented(server: grpc.aio.Server) -> None:
    """Areas not implemented yet answer UNIMPLEMENTED (the generated bases do)."""
    from parley.admin.v1 import admin_pb2_grpc
    from parley.group.v1 import group_pb2_grpc
    from parley.relation.v1 import relation_pb2_grpc

    relation_pb2_grpc.add_RelationServiceServicer_to_server(
        relation_pb2_grpc.RelationServiceServicer(), server
    )
    group_pb2_grpc.add_GroupServiceServicer_to_server(group_pb2_grpc.GroupServiceServicer(), server)
    admin_pb2_grpc.add_AdminServiceServicer_to_server(admin_pb2_grpc.AdminServiceServicer(), server)


async def serve(settings: Settings) -> None:
    import signal

    app = await start_app(settings)
    host = settings.listen.rsplit(":", 1)[0]
    print(
        f"parley: listening on {host}:{app.port} (mode {settings.mode}, data {settings.data_dir})",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("parley: shutting down", flush=True)
    await app.stop()
