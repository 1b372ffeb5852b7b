"""The web listener as the server starts it: the served services through the
gRPC server's handlers and interceptors, and the files of signed URLs
(/files/...), behind CORS, on `web.listen`."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from parley.config import Settings
from parley.domain.files import Files
from parley.observability.logs import announce
from parley.web.adapter import HandlerTable, WebApplication, endpoints
from parley.web.cors import ASGIApp, Cors
from parley.web.files import SignedFiles
from parley.web.listener import WebListener
from parley.web.static import StaticConsole
from parley.web.streams import OpenStreams


async def web_listener(
    settings: Settings,
    services: Sequence[str],
    handlers: HandlerTable,
    interceptors: Sequence[grpc.aio.ServerInterceptor],
    files: Files | None = None,
) -> WebListener | None:
    """Started when `web.enabled`; None otherwise. With `files`, it serves
    their signed URLs too."""
    if not settings.web.enabled:
        return None
    limits = settings.limits
    # The gRPC port's receive limit, so an over-size request is refused alike.
    streams = OpenStreams()
    app = WebApplication(
        endpoints(services, handlers, interceptors, streams),
        max(limits.max_transport_bytes, limits.max_frame_bytes),
    )
    served: ASGIApp = app if files is None else SignedFiles(app, files)
    served = Cors(served, settings.web.cors_allowed_origins)
    if settings.web.console_path:
        served = StaticConsole(served, settings.web.console_path, settings.web.console_dir)
    listener = WebListener(served, settings, streams)
    port = await listener.start()
    host = settings.web.listen.rsplit(":", 1)[0]
    listener.url = f"{listener.scheme}://{host}:{port}"
    announce(f"web (Connect, gRPC-Web) on {listener.url}")
    if settings.web.console_path:
        path = "/" + settings.web.console_path.strip("/")
        announce(f"console on {listener.scheme}://{host}:{port}{path}/")
    return listener
