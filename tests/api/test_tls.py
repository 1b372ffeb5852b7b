"""TLS on the gRPC port of a real `parley serve`: the development certificate
of `parley dev-cert`, cleartext refused on a TLS port, mutual TLS, certificate
files replaced (and SIGHUP) without a restart, and the warning of cleartext
off loopback."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from parley.cli.dev_cert import DEFAULT_HOSTS, client_certificate, self_signed, write_file
from parley.cli.next_step import announce_next_step
from parley.config import Settings
from parley.config.settings import TlsSettings
from parley.tls import is_loopback
from tests.api.test_reflection import run as grpcurl
from tests.harness import Api, ServerProcess, channel, new_user_id


def dev_cert(directory: Path, *args: str) -> str:
    """`parley dev-cert --dir directory ...`, as a developer runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "parley", "dev-cert", "--dir", str(directory), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def make_certs(directory: Path, client: str | None = None) -> Path:
    """What `parley dev-cert` writes (and `--client NAME`), made in-process:
    each run of the command costs seconds of interpreter start on a busy machine."""
    directory.mkdir(parents=True)
    cert, key = self_signed(list(DEFAULT_HOSTS), 1)
    write_file(directory / "cert.pem", cert)
    write_file(directory / "key.pem", key, private=True)
    if client is not None:
        c_cert, c_key = client_certificate(cert, key, client, 1)
        write_file(directory / f"{client}.pem", c_cert)
        write_file(directory / f"{client}-key.pem", c_key, private=True)
    return directory


def trust(
    ca: Path, client: str | None = None, directory: Path | None = None
) -> grpc.ChannelCredentials:
    """Channel credentials trusting `ca`, presenting client NAME's certificate if given."""
    if client is None:
        return grpc.ssl_channel_credentials(ca.read_bytes())
    d = directory or ca.parent
    return grpc.ssl_channel_credentials(
        ca.read_bytes(),
        (d / f"{client}-key.pem").read_bytes(),
        (d / f"{client}.pem").read_bytes(),
    )


async def health(address: str, credentials: grpc.ChannelCredentials | None) -> int:
    async with channel(address, credentials) as ch:
        resp = await health_pb2_grpc.HealthStub(ch).Check(
            health_pb2.HealthCheckRequest(), timeout=5
        )
        return int(resp.status)


async def refused(address: str, credentials: grpc.ChannelCredentials | None) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await health(address, credentials)
    return err.value.code()


def tls_env(d: Path, client_ca: bool = False) -> dict[str, str]:
    env = {
        "PARLEY_TLS__CERT_FILE": str(d / "cert.pem"),
        "PARLEY_TLS__KEY_FILE": str(d / "key.pem"),
        "PARLEY_LOG_FORMAT": "json",
    }
    if client_ca:
        env["PARLEY_TLS__CLIENT_CA_FILE"] = str(d / "cert.pem")
    return env


def records(proc: ServerProcess) -> list[dict[str, object]]:
    """The server's JSON log records so far."""
    assert proc.log_path is not None
    out = []
    for line in proc.log_path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def wait_for_record(proc: ServerProcess, pattern: str, count: int = 1) -> list[dict[str, object]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [r for r in records(proc) if re.search(pattern, str(r["msg"]))]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {count} log records {pattern!r}:\n{proc.log_tail()}")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The certificate of `parley dev-cert`, as a developer makes it."""
    d = tmp_path_factory.mktemp("dev-cert") / "tls"
    out = dev_cert(d)
    assert "PARLEY_TLS__CERT_FILE" in out and "-cacert" in out
    assert (d / "key.pem").stat().st_mode & 0o077 == 0, "the key is readable by others"
    return d


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory, certs: Path) -> Iterator[ServerProcess]:
    """A TLS server shared by the tests that leave its certificate alone."""
    proc = ServerProcess(data_dir=tmp_path_factory.mktemp("tls") / "data", env=tls_env(certs))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def renewable(tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    """A TLS server of the test's own, and the directory of its certificate files."""
    certs = make_certs(tmp_path / "tls")
    proc = ServerProcess(data_dir=tmp_path / "data", env=tls_env(certs))
    proc.start()
    yield proc, certs
    proc.stop()


async def test_calls_over_tls_with_the_dev_certificate(
    tls_server: ServerProcess, certs: Path
) -> None:
    creds = trust(certs / "cert.pem")
    assert await health(tls_server.address, creds) == health_pb2.HealthCheckResponse.SERVING
    api = Api(tls_server.address, tls_server.admin_secret, creds)
    try:
        await api.login_admin()
        user = new_user_id("tls")
        await api.register(user)
        assert await api.token(user)
    finally:
        await api.close()
    # The certificate names localhost as well as 127.0.0.1.
    local = f"localhost:{tls_server.port}"
    assert await health(local, creds) == health_pb2.HealthCheckResponse.SERVING
    # grpcurl, as docs/tls.md shows it.
    cacert = str(certs / "cert.pem")
    listed = await grpcurl("-cacert", cacert, tls_server.address, "list")
    assert "parley.msg.v1.MsgService" in listed
    checked = await grpcurl("-cacert", cacert, tls_server.address, "grpc.health.v1.Health/Check")
    assert "SERVING" in checked
    loaded = wait_for_record(tls_server, r"^tls certificate loaded")[0]
    assert loaded["level"] == "INFO" and loaded["tls_subject"] == "CN=Parley development"


def test_the_next_step_serve_prints_works_over_tls(
    tls_server: ServerProcess, certs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        listen="127.0.0.1:0",
        data_dir=tls_server.data_dir,
        tls=TlsSettings(cert_file=str(certs / "cert.pem"), key_file=str(certs / "key.pem")),
    )
    announce_next_step(settings, tls_server.port)
    command = capsys.readouterr().out.split("next, in another terminal: ", 1)[1].strip()
    assert f"--ca-file {certs / 'cert.pem'}" in command
    env = {**os.environ, "PARLEY_ADMIN_SECRET": tls_server.admin_secret}
    done = subprocess.run(
        [*shlex.split(command), "--json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "days" in json.loads(done.stdout)


async def test_tls_port_refuses_cleartext_and_untrusted_clients(
    tls_server: ServerProcess, tmp_path: Path
) -> None:
    assert await refused(tls_server.address, None) == grpc.StatusCode.UNAVAILABLE
    # The system roots do not know a self-signed certificate.
    assert await refused(tls_server.address, grpc.ssl_channel_credentials()) == (
        grpc.StatusCode.UNAVAILABLE
    )
    other = make_certs(tmp_path / "other")
    assert await refused(tls_server.address, trust(other / "cert.pem")) == (
        grpc.StatusCode.UNAVAILABLE
    )


async def test_mutual_tls_requires_a_client_certificate_the_ca_signed(tmp_path: Path) -> None:
    d = tmp_path / "tls"
    dev_cert(d)
    out = dev_cert(d, "--client", "billing")
    assert "PARLEY_TLS__CLIENT_CA_FILE" in out
    # A client certificate from another CA.
    other = make_certs(tmp_path / "other", "billing")
    proc = ServerProcess(data_dir=tmp_path / "data", env=tls_env(d, client_ca=True))
    proc.start()
    try:
        ca = d / "cert.pem"
        assert await refused(proc.address, trust(ca)) == grpc.StatusCode.UNAVAILABLE
        assert await refused(proc.address, trust(ca, "billing", other)) == (
            grpc.StatusCode.UNAVAILABLE
        )
        assert await refused(proc.address, None) == grpc.StatusCode.UNAVAILABLE
        api = Api(proc.address, proc.admin_secret, trust(ca, "billing"))
        try:
            assert await api.login_admin()
        finally:
            await api.close()
        # The admin CLI as a service caller with its certificate.
        admin = [sys.executable, "-m", "parley", "admin", "token", "--address", proc.address]
        admin += ["--ca-file", str(ca), "--secret", proc.admin_secret]
        client = ["--cert", str(d / "billing.pem"), "--key", str(d / "billing-key.pem")]
        done = await asyncio.to_thread(
            subprocess.run, [*admin, *client], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0 and done.stdout.count(".") == 2, done.stderr
        done = await asyncio.to_thread(
            subprocess.run, admin, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 1 and "UNAVAILABLE" in done.stderr, done.stderr
        listed = await grpcurl(
            "-cacert",
            str(ca),
            "-cert",
            str(d / "billing.pem"),
            "-key",
            str(d / "billing-key.pem"),
            proc.address,
            "list",
        )
        assert "parley.auth.v1.AuthService" in listed
        assert wait_for_record(proc, r"^tls certificate loaded")[0]["tls_client_auth"] is True
    finally:
        proc.stop()


async def test_replaced_certificate_files_serve_new_connections_without_restart(
    renewable: tuple[ServerProcess, Path], tmp_path: Path
) -> None:
    tls_server, certs = renewable
    old, new = trust(certs / "cert.pem"), None
    api = Api(tls_server.address, tls_server.admin_secret, old)
    try:
        await api.login_admin()
        renewed = make_certs(tmp_path / "renewed")
        new = trust(renewed / "cert.pem")
        pid = tls_server.proc.pid if tls_server.proc else 0
        # As a renewal tool does: the key first, then the certificate, each renamed over.
        write_file(certs / "key.pem", (renewed / "key.pem").read_bytes(), private=True)
        write_file(certs / "cert.pem", (renewed / "cert.pem").read_bytes())
        assert await health(tls_server.address, new) == health_pb2.HealthCheckResponse.SERVING
        assert await refused(tls_server.address, old) == grpc.StatusCode.UNAVAILABLE
        wait_for_record(tls_server, r"^tls certificate reloaded")
        # The connection opened before keeps working.
        assert await api.login_admin()

        # A key that is not the certificate's: refused, the last good pair still served.
        stale = make_certs(tmp_path / "stale")
        write_file(certs / "key.pem", (stale / "key.pem").read_bytes(), private=True)
        assert await health(tls_server.address, new) == health_pb2.HealthCheckResponse.SERVING
        bad = wait_for_record(tls_server, r"^tls certificate not reloaded")[0]
        assert bad["level"] == "ERROR" and "is not the key of" in str(bad["msg"])

        # SIGHUP reads the files again (and does not end the server).
        write_file(certs / "key.pem", (renewed / "key.pem").read_bytes(), private=True)
        reloads = len(wait_for_record(tls_server, r"^tls certificate reloaded"))
        assert tls_server.proc is not None
        tls_server.proc.send_signal(signal.SIGHUP)
        wait_for_record(tls_server, r"^tls certificate reloaded", reloads + 1)
        assert await health(tls_server.address, new) == health_pb2.HealthCheckResponse.SERVING
        assert tls_server.proc.pid == pid and tls_server.proc.poll() is None
    finally:
        await api.close()


def serve_once(tmp_path: Path, listen: str, env: dict[str, str]) -> list[dict[str, object]]:
    """Starts `parley serve --listen listen` until it listens (or exits), then
    stops it; returns its JSON log records."""
    log_path = tmp_path / "serve.log"
    full_env = {**os.environ, "PARLEY_ADMIN_SECRET": "s" * 32, "PARLEY_LOG_FORMAT": "json", **env}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "parley",
                "serve",
                "--listen",
                listen,
                "--data-dir",
                str(tmp_path / "data"),
            ],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if "listening on" in log_path.read_text(errors="replace"):
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(15)
    lines = log_path.read_text(errors="replace").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def cleartext_warnings(recs: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in recs if "without TLS" in str(r["msg"])]


def test_cleartext_off_loopback_is_warned(tmp_path: Path, server: ServerProcess) -> None:
    recs = serve_once(tmp_path, "0.0.0.0:0", {})
    assert any("listening on 0.0.0.0:" in str(r["msg"]) for r in recs), recs
    (warning,) = cleartext_warnings(recs)
    assert warning["level"] == "WARNING" and warning["listen"] == "0.0.0.0:0"
    assert "docs/tls.md" in str(warning["msg"])
    # The session's server, in cleartext on loopback (text logs): no warning.
    assert server.log_path is not None
    log = server.log_path.read_text(errors="replace")
    assert "listening on 127.0.0.1:" in log and "without TLS" not in log


def test_a_key_that_is_not_the_certificates_stops_the_start(tmp_path: Path) -> None:
    a, b = make_certs(tmp_path / "a"), make_certs(tmp_path / "b")
    shutil.copy(b / "key.pem", a / "key.pem")
    recs = serve_once(tmp_path, "127.0.0.1:0", tls_env(a))
    assert not any("listening on" in str(r["msg"]) for r in recs)
    (fatal,) = [r for r in recs if r["level"] == "CRITICAL"]
    assert "cannot start TLS" in str(fatal["msg"]) and "is not the key of" in str(fatal["msg"])


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("[::]", False),
        ("", False),
        ("10.0.0.7", False),
        ("chat.example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
