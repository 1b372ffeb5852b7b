"""The server's life cycle: start (the services from parley.wiring, the gRPC
server with its interceptors and servicers, health, metrics), signals and
shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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
from parley.api.files import FileServicer
from parley.api.gateway import GatewayUnary
from parley.api.groups import GroupServicer
from parley.api.messages import MsgServicer
from parley.api.policy import PolicyInterceptor, check_covers
from parley.api.reflection import add_reflection
from parley.api.relations import RelationServicer
from parley.api.users import UserServicer
from parley.api.validation import Validator
from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.config import Settings
from parley.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from parley.domain.moderation import Moderation
from parley.domain.node_info import NodeInfo
from parley.file.v1 import file_pb2, file_pb2_grpc
from parley.gateway.v1 import gateway_pb2
from parley.group.v1 import group_pb2, group_pb2_grpc
from parley.keys import resolve_secrets
from parley.msg.v1 import msg_pb2, msg_pb2_grpc
from parley.observability.exporter import MetricsServer
from parley.observability.logs import announce
from parley.observability.metrics import REGISTRY, RuntimeCollector
from parley.observability.requests import RequestInterceptor
from parley.relation.v1 import relation_pb2, relation_pb2_grpc
from parley.storage.sql import open_sql
from parley.tls import add_port
from parley.user.v1 import user_pb2, user_pb2_grpc
from parley.web.adapter import HandlerTable
from parley.web.listener import WebListener
from parley.web.serve import web_listener
from parley.wiring import Core, build_core

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
    file_pb2.DESCRIPTOR.services_by_name["FileService"].full_name,
)


def _runtime_figures(core: Core) -> dict[str, float]:
    return {
        "parley_streams_open": len(core.registry),
        "parley_online_users": core.registry.online_users(),
        "parley_presence_watched_users": core.registry.watched_users(),
        "parley_hook_queue_depth": core.hooks.queue_depth(),
        "parley_commit_batches": core.commit.batches,
        "parley_commit_writes": core.commit.items,
        "parley_frames_in": core.gateway.frames_in,
    }


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
    web: WebListener | None = None

    async def stop(self) -> None:
        # Every service (not only "") reports NOT_SERVING while draining.
        await self.health.enter_graceful_shutdown()
        await self.core.gateway.shutdown()
        # Both ports drain at once, each within the grace period.
        stops = [self.server.stop(self.core.settings.grace_seconds)]
        if self.web is not None:
            stops.append(self.web.stop())
        await asyncio.gather(*stops)
        if self.metrics is not None:
            await self.metrics.stop()
        if self.collector is not None:
            REGISTRY.unregister(self.collector)
        await self.core.stop(self.core.settings.grace_seconds)


def _health_status(servicer: health_aio.HealthServicer) -> Callable[[], Awaitable[str]]:
    """The server's overall status as grpc.health.v1 answers it to probes."""

    async def status() -> str:
        request = health_pb2.HealthCheckRequest(service="")
        # Check reads its status map only; the context is for unknown services.
        answer: Any = await servicer.Check(request, None)  # type: ignore[arg-type,func-returns-value]
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status))

    return status


def _workers(core: Core) -> Callable[[], set[str]]:
    cluster = core.backends.cluster
    if cluster is None or cluster.workers is None:
        return set
    return cluster.workers.live


def _add_servicers(
    server: HandlerTable,
    core: Core,
    validator: Validator,
    health: health_aio.HealthServicer,
) -> FileServicer:
    authn = Authn(core.idempotency)
    gw = GatewayUnary(authn, core.gateway)
    # The streams write frames serialized once per push; the unary calls go
    # through the interceptors like every other service's.
    gw_handlers = {
        "Connect": grpc.stream_stream_rpc_method_handler(
            core.gateway.connect,
            request_deserializer=safe_decoder(gateway_pb2.ClientFrame.FromString, validator),
            response_serializer=_passthrough,
        ),
        "Subscribe": grpc.unary_stream_rpc_method_handler(
            core.gateway.subscribe,
            request_deserializer=safe_decoder(gateway_pb2.SubscribeRequest.FromString, validator),
            response_serializer=_passthrough,
        ),
        "Heartbeat": grpc.unary_unary_rpc_method_handler(
            gw.Heartbeat,
            request_deserializer=gateway_pb2.HeartbeatRequest.FromString,
            response_serializer=gateway_pb2.HeartbeatResponse.SerializeToString,
        ),
        "SendTyping": grpc.unary_unary_rpc_method_handler(
            gw.SendTyping,
            request_deserializer=gateway_pb2.SendTypingRequest.FromString,
            response_serializer=gateway_pb2.SendTypingResponse.SerializeToString,
        ),
    }
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE_NAMES[0], gw_handlers),)
    )
    auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(authn, core.auth), server)
    user_pb2_grpc.add_UserServiceServicer_to_server(
        UserServicer(authn, core.users, core.gateway.devices, core.presence, core.relations), server
    )
    relation_pb2_grpc.add_RelationServiceServicer_to_server(
        RelationServicer(authn, core.relations), server
    )
    group_pb2_grpc.add_GroupServiceServicer_to_server(GroupServicer(authn, core.groups), server)
    msg_pb2_grpc.add_MsgServiceServicer_to_server(
        MsgServicer(authn, core.messages, core.sync, core.read_state, core.edits), server
    )
    conversation_pb2_grpc.add_ConversationServiceServicer_to_server(
        ConversationServicer(authn, core.conversations), server
    )
    admin_pb2_grpc.add_AdminServiceServicer_to_server(
        AdminServicer(
            authn,
            core.admin,
            core.statistics,
            core.presence,
            Moderation(core.backends.seqs, core.backends.messages),
            NodeInfo(core.settings, core.backends.peers, _health_status(health), _workers(core)),
            core.files.store,
            core.groups,
        ),
        server,
    )
    files = FileServicer(authn, core.admission, core.files)
    file_pb2_grpc.add_FileServiceServicer_to_server(files, server)
    return files


async def start_app(settings: Settings) -> App:
    settings = resolve_secrets(settings)
    core = await build_core(settings)
    check_covers(SERVICE_NAMES)
    validator = Validator(settings)
    # Callers are authenticated (policy) before their input is validated.
    interceptors: list[grpc.aio.ServerInterceptor] = [
        RequestInterceptor(),
        PolicyInterceptor(core.admission),
        DecodingInterceptor(validator),
    ]
    server = grpc.aio.server(options=server_options(settings), interceptors=interceptors)
    # One set of handlers: the gRPC port and the web listener serve the same.
    handlers = HandlerTable()
    health_servicer = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, handlers)
    await health_servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    files = _add_servicers(handlers, core, validator, health_servicer)
    handlers.install(server)
    health_name = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
    add_reflection(
        server,
        (*SERVICE_NAMES, health_name),
        # ErrorInfo too: grpcurl then decodes every error's reason instead of raw bytes.
        extra=[health_pb2.DESCRIPTOR, error_details_pb2.DESCRIPTOR],
    )
    try:
        port = add_port(server, settings)
    except RuntimeError as e:  # the address is in use or not this host's
        raise SystemExit(f"cannot listen on {settings.listen}: {e}") from e
    await server.start()
    collector = RuntimeCollector(lambda: _runtime_figures(core))
    REGISTRY.register(collector)
    metrics: MetricsServer | None = None
    if settings.metrics.enabled:
        metrics = MetricsServer(settings.metrics.listen)
        mport = await metrics.start()
        announce(f"metrics on http://{metrics.host}:{mport}/metrics")
    web = await web_listener(
        settings, (*SERVICE_NAMES, health_name), handlers, interceptors, core.files
    )
    # Signed URLs point at the web listener, or at what fronts it; without either, none.
    files.base_url = settings.files.public_url or (web.url if web is not None else "")
    app = App(core, server, health_servicer, port, metrics, collector, web)
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
