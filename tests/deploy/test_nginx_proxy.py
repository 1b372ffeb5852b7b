"""deploy/nginx/parley.conf works as written: nginx ends TLS and passes gRPC
to a cleartext `parley serve` on loopback, for unary calls and for the
long-lived GatewayService.Connect stream (client -> nginx TLS -> Parley)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.msg.v1 import msg_pb2
from tests.api.test_tls import make_certs, trust
from tests.harness import REPO, Api, Device, P, ServerProcess, bearer, new_user_id

EXAMPLE = REPO / "deploy" / "nginx" / "parley.conf"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        pytest.fail(
            "nginx is not installed: scripts/test-deps.sh installs it (Debian's nginx-light)",
            pytrace=False,
        )
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def substitute(text: str, pattern: str, replacement: str) -> str:
    """Replaces the one directive `pattern` matches; the example must still have it."""
    out, n = re.subn(pattern, replacement, text, flags=re.M)
    assert n == 1, f"{EXAMPLE.name} no longer has one line matching {pattern!r}"
    return out


def local_config(certs: Path, listen_port: int, parley_port: int) -> str:
    """The example with this machine's ports and the test certificate."""
    text = EXAMPLE.read_text()
    text = substitute(
        text, r"^(\s*)listen 443 ssl http2;", rf"\1listen 127.0.0.1:{listen_port} ssl http2;"
    )
    text = substitute(text, r"^(\s*)server_name \S+;", r"\1server_name localhost;")
    text = substitute(
        text, r"^(\s*)ssl_certificate\s+\S+;", rf"\1ssl_certificate {certs / 'cert.pem'};"
    )
    text = substitute(
        text, r"^(\s*)ssl_certificate_key\s+\S+;", rf"\1ssl_certificate_key {certs / 'key.pem'};"
    )
    return substitute(
        text, r"grpc_pass grpc://127\.0\.0\.1:50051;", f"grpc_pass grpc://127.0.0.1:{parley_port};"
    )


@pytest.fixture
def nginx(tmp_path: Path, server: ServerProcess) -> Iterator[tuple[str, Path]]:
    """nginx in the foreground with the example config in front of `server`;
    yields (its address, the directory of the certificate it serves)."""
    binary = nginx_binary()
    certs = make_certs(tmp_path / "tls")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = free_port()
    (prefix / "parley.conf").write_text(local_config(certs, port, server.port))
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root nginx's workers would run as nobody, who cannot enter pytest's 0700 directories.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}worker_processes 1;\nerror_log {prefix / 'error.log'} info;\n"
        f"pid {prefix / 'nginx.pid'};\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log off;\n{temp}\n    include {prefix / 'parley.conf'};\n}}\n"
    )
    proc = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                log = (prefix / "error.log").read_text() if (prefix / "error.log").exists() else ""
                raise AssertionError(f"nginx did not start:\n{out}\n{log}")
            time.sleep(0.05)
        yield f"127.0.0.1:{port}", certs
    finally:
        proc.terminate()
        proc.wait(10)


async def test_unary_and_stream_through_the_example_nginx(
    nginx: tuple[str, Path], server: ServerProcess
) -> None:
    address, certs = nginx
    creds = trust(certs / "cert.pem")
    api = Api(address, server.admin_secret, creds)
    alice, bob = new_user_id("px-a"), new_user_id("px-b")
    devices: list[Device] = []
    try:
        await api.login_admin()
        await api.register(alice, bob)
        a = Device(address, await api.token(alice), P.PLATFORM_IOS, "px-1", creds)
        b = Device(
            address, await api.token(bob, P.PLATFORM_ANDROID), P.PLATFORM_ANDROID, "px-2", creds
        )
        devices += [a, b]
        await a.open()
        await b.open()
        ack = await a.send_text(bob, "through nginx")
        assert ack.send_ack.ack.seq == 1, ack
        pushed = (await b.next_frame("message")).message.message
        assert pushed.content.text.text == "through nginx" and pushed.sender_id == alice
        # And a unary read of the same message, through the proxy.
        conv = ack.send_ack.ack.conversation_id
        pulled = await api.msg.PullMessages(
            msg_pb2.PullMessagesRequest(
                ranges=[msg_pb2.SeqRange(conversation_id=conv, begin=1, end=10)]
            ),
            metadata=bearer(await api.token(bob)),
        )
        assert [m.content.text.text for m in pulled.results[0].messages] == ["through nginx"]
        # The stream outlives nginx's default body cap (1 MB, which would reset it):
        # the example lifts it with client_max_body_size 0.
        for i in range(20):
            ack = await a.send_text(bob, f"{i:02d}" + "x" * 60_000)
            assert ack.send_ack.ack.seq == i + 2, ack
        assert a.status is None and b.status is None
    finally:
        await asyncio.gather(*(d.close() for d in devices))
        await api.close()
