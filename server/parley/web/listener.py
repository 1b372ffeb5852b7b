"""The web listener: Connect and gRPC-Web (HTTP/1.1, and HTTP/2 cleartext or
over TLS with ALPN) on its own port, in the server's process and event loop.

Hypercorn serves it: of the ASGI servers it is the one that speaks HTTP/2
as well as HTTP/1.1 on one port (uvicorn has no HTTP/2), which is what
browsers use over TLS. A port of its own keeps the gRPC port grpcio's (the
C core's HTTP/2 and its flow control, untouched), and lets an operator
expose the browser path, its CORS and its limits apart from the native one.

TLS uses the `tls` settings of the gRPC port: the same files, checked by
parley.tls, and read again when they change (looked at on each handshake),
so a renewal reaches both ports."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
from typing import Any

from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Config, Sockets
from hypercorn.utils import wrap_app

from parley.config import Settings
from parley.config.settings import TlsSettings
from parley.tls import TlsConfigError, is_loopback, load
from parley.web.cors import ASGIApp
from parley.web.streams import OpenStreams

log = logging.getLogger("parley.web")
_HYPERCORN_LOG = logging.getLogger("parley.web.http")
_HYPERCORN_LOG.setLevel(logging.WARNING)
_LAST_WORDS_SECONDS = 1.0


def _stamp(cfg: TlsSettings) -> tuple[tuple[int, int, int], ...]:
    out = []
    for path in (cfg.cert_file, cfg.key_file, cfg.client_ca_file):
        if path:
            try:
                st = os.stat(path)
                out.append((st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                out.append((-1, -1, -1))
    return tuple(out)


class WebCertificates:
    """The listener's SSL context, swapped for a new one when the files change."""

    def __init__(self, cfg: TlsSettings) -> None:
        self.cfg = cfg
        self._stamp = _stamp(cfg)
        self.current = self._context()
        # Connections start on the first context; the callback moves each to the current one.
        self.listening = self.current
        self.listening.sni_callback = self._on_hello
        self.reloads = 0

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2  # HTTP/2 requires 1.2 or later
        ctx.options |= ssl.OP_NO_COMPRESSION
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        ctx.load_cert_chain(self.cfg.cert_file, self.cfg.key_file)
        if self.cfg.client_ca_file:
            ctx.load_verify_locations(self.cfg.client_ca_file)
            ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    def _on_hello(self, sock: ssl.SSLObject, server_name: str | None, _: Any) -> None:
        stamp = _stamp(self.cfg)
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                load(self.cfg)  # the key must be the certificate's, as on the gRPC port
                fresh = self._context()
            except (TlsConfigError, ssl.SSLError, OSError) as e:
                log.error("web tls certificate not reloaded, serving the previous one: %s", e)
            else:
                fresh.sni_callback = self._on_hello
                self.current = fresh
                self.reloads += 1
                log.info("web tls certificate reloaded")
        if sock.context is not self.current:
            sock.context = self.current


class WebListener:
    def __init__(self, app: ASGIApp, settings: Settings, streams: OpenStreams) -> None:
        self.settings = settings
        self.streams = streams
        self.config = Config()
        self.config.bind = [settings.web.listen]
        # Past the grace period the streams still open are ended (stop), and
        # get this long to write their status before hypercorn cuts them.
        self.config.graceful_timeout = settings.grace_seconds + _LAST_WORDS_SECONDS
        self.config.accesslog = None
        # Its errors in Parley's log (format, level); its "Running on" line is announce()'s.
        self.config.errorlog = _HYPERCORN_LOG
        self.config.include_server_header = False
        self.certificates: WebCertificates | None = None
        self.scheme = "http"
        cfg = settings.tls
        if cfg.cert_file and cfg.key_file:
            try:
                load(cfg)
                self.certificates = WebCertificates(cfg)
            except TlsConfigError as e:
                raise SystemExit(f"cannot start TLS on web.listen: {e}") from None
            self.scheme = "https"
        elif not is_loopback(settings.web.listen.rsplit(":", 1)[0]):
            log.warning(
                "web listener on %s without TLS: browsers refuse most of it and tokens cross "
                "the network in cleartext; set tls.cert_file and tls.key_file (docs/web.md)",
                settings.web.listen,
            )
        self.app = app
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.port = 0
        # scheme://host:port once listening (the base of signed file URLs).
        self.url = ""

    async def start(self) -> int:
        """Binds the port (an address in use fails the start) and serves."""
        try:
            # Cleartext: hypercorn binds `bind` as its insecure sockets.
            sockets = Config.create_sockets(self.config)
        except OSError as e:
            raise SystemExit(f"cannot listen on web.listen {self.settings.web.listen}: {e}") from e
        sock = sockets.insecure_sockets[0]
        # Listening now, not when the serving task gets to it: a client told
        # the port (the announce) is queued, not refused.
        sock.listen(self.config.backlog)
        self.port = sock.getsockname()[1]
        if self.certificates is not None:
            certs = self.certificates
            self.config.certfile, self.config.keyfile = self.settings.tls.cert_file, "-"
            self.config.create_ssl_context = lambda: certs.listening  # type: ignore[method-assign]
            sockets = Sockets([sock], [], [])
        served = wrap_app(self.app, self.config.wsgi_max_body_size, "asgi")  # type: ignore[arg-type]
        self._task = asyncio.create_task(
            worker_serve(served, self.config, sockets=sockets, shutdown_trigger=self._stop.wait)
        )
        return self.port

    async def stop(self) -> None:
        """No new connections; open calls get the grace period, as on the gRPC
        port, then the streams still open end with UNAVAILABLE."""
        self._stop.set()
        if self._task is None:
            return
        done, _ = await asyncio.wait({self._task}, timeout=self.settings.grace_seconds)
        if not done:
            self.streams.close_all()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
