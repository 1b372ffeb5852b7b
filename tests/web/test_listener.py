"""The web listener's life on a real `parley serve`: off unless enabled, TLS
from the gRPC port's certificate settings (and CORS off by default), and a
graceful stop with the server."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import struct
import time
from pathlib import Path
from urllib.parse import urlsplit

from grpc_health.v1 import health_pb2

from parley.cli.dev_cert import write_file
from tests.api.test_tls import make_certs, tls_env
from tests.harness import ServerProcess
from tests.web.client import envelope, post, web_url
from tests.web.conftest import WEB_ENV

STATUS = health_pb2.HealthCheckResponse


def test_off_unless_enabled(server: ServerProcess) -> None:
    assert "web (Connect" not in server.log_tail(400)


def test_tls_from_the_grpc_ports_settings(tmp_path: Path) -> None:
    certs = make_certs(tmp_path / "certs")
    env = {k: v for k, v in WEB_ENV.items() if "CORS" not in k}
    proc = ServerProcess(data_dir=tmp_path / "data", env={**env, **tls_env(certs)})
    proc.start()
    try:
        url = web_url(proc)
        assert url.startswith("https://")
        reply = post(
            url,
            "/parley.auth.v1.AuthService/GetAdminToken",
            b'{"secret": "%s"}' % proc.admin_secret.encode(),
            {"content-type": "application/json"},
            ca=certs / "cert.pem",
        )
        assert reply.status == 200, reply.body
        # Browsers get HTTP/2 over TLS (ALPN), HTTP/1.1 otherwise.
        context = ssl.create_default_context(cafile=str(certs / "cert.pem"))
        context.set_alpn_protocols(["h2", "http/1.1"])
        parts = urlsplit(url)
        with (
            socket.create_connection((parts.hostname, parts.port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            assert tls.selected_alpn_protocol() == "h2"
        # No cors_allowed_origins: CORS off, a page on another origin is refused.
        preflight = post(
            url,
            "/parley.auth.v1.AuthService/GetAdminToken",
            b"",
            {"origin": "http://localhost:3000", "access-control-request-method": "POST"},
            method="OPTIONS",
            ca=certs / "cert.pem",
        )
        assert preflight.status == 403

        # Renewed files: the next handshake serves them, with or without SNI.
        renewed = make_certs(tmp_path / "renewed")
        write_file(certs / "key.pem", (renewed / "key.pem").read_bytes(), private=True)
        write_file(certs / "cert.pem", (renewed / "cert.pem").read_bytes())
        for name in ("localhost", None):
            assert served_certificate(url, name) == pem_to_der(renewed / "cert.pem")
    finally:
        proc.stop()


def served_certificate(url: str, server_name: str | None) -> bytes:
    parts = urlsplit(url)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((parts.hostname, parts.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=server_name) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return der


def pem_to_der(path: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(path.read_text())


def test_stops_with_the_server(tmp_path: Path) -> None:
    """SIGTERM: an open stream sees NOT_SERVING, ends with UNAVAILABLE after
    the grace period, the listener closes and the server exits cleanly."""
    proc = ServerProcess(data_dir=tmp_path / "data", env={**WEB_ENV, "PARLEY_GRACE_SECONDS": "2"})
    proc.start()
    url = web_url(proc)
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    conn = http.client.HTTPConnection(parts.netloc, timeout=15)
    try:
        conn.request(
            "POST",
            "/grpc.health.v1.Health/Watch",
            body=envelope(health_pb2.HealthCheckRequest().SerializeToString()),
            headers={"content-type": "application/connect+proto", "connect-protocol-version": "1"},
        )
        r = conn.getresponse()

        def next_message() -> tuple[int, bytes]:
            flags, size = struct.unpack(">BI", r.read(5))
            return flags, r.read(size)

        def next_status() -> int:
            flags, data = next_message()
            assert flags == 0, data
            return STATUS.FromString(data).status

        assert next_status() == STATUS.SERVING
        assert proc.proc is not None
        started = time.monotonic()
        proc.proc.terminate()
        assert next_status() == STATUS.NOT_SERVING
        # Still open at the end of the grace period: ended with a status, not cut.
        flags, end = next_message()
        assert flags == 0x02  # Connect's end of stream
        assert json.loads(end)["error"]["code"] == "unavailable"
        rc = proc.proc.wait(30)
        assert rc == 0, proc.log_tail()
        assert time.monotonic() - started < 15
        proc.proc = None
    finally:
        conn.close()
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError:
        pass
    else:
        raise AssertionError("the web port still accepts connections after the server stopped")
    assert "Traceback" not in proc.log_tail(200), proc.log_tail(200)
