"""A cluster of `python -m parley serve` processes (two gateways, two
workers) on the real engines, with a fresh Postgres schema, Mongo database,
Redis key prefix and JetStream stream per test.

`cluster` uses the shared Redis and NATS; `engine_cluster` a redis-server
and a nats-server of the test's own (`redis_server`, `nats_server`), which it
may stop and start again with their data."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from nats.js.errors import NotFoundError
from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from sqlalchemy import text

from parley.bus.jetstream import BusConfig, connect, ensure_stream
from parley.storage.sql.engine import make_engine

READY = re.compile(r"listening on 127\.0\.0\.1:(\d+)|worker \S+ ready")


def _stop(proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """SIGTERM, then SIGKILL after `timeout`."""
    if proc is None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(path: Path, n: int) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:])


@dataclass
class ClusterProcess:
    """One `parley serve --role ...` process; restartable."""

    name: str
    role: str
    env: dict[str, str]
    log_dir: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    _offset: int = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    # A node imports the whole server (~2.5 s on a quiet machine); beside a
    # Maven or npm build on the other worker it has taken over 30 s.
    def start(self, timeout: float = 90.0) -> None:
        self.spawn()
        self.wait_ready(timeout)

    def spawn(self) -> None:
        self._offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        data = self.log_dir / self.name
        data.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "parley",
                    "serve",
                    "--role",
                    self.role,
                    "--node-id",
                    self.name,
                    "--listen",
                    "127.0.0.1:0",
                    "--data-dir",
                    str(data),
                ],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 90.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_bytes()[self._offset :].decode(errors="replace")
            m = READY.search(text)
            if m:
                if m.group(1):
                    self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start:\n{self.tail()}")

    def tail(self, n: int = 60) -> str:
        return _tail(self.log_path, n)

    def stop(self, timeout: float = 15.0) -> None:
        _stop(self.proc, timeout)
        self.proc = None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None


@dataclass
class Cluster:
    admin_secret: str
    env: dict[str, str]
    redis_prefix: str
    bus_prefix: str
    gateways: list[ClusterProcess] = field(default_factory=list)
    workers: list[ClusterProcess] = field(default_factory=list)

    def all(self) -> list[ClusterProcess]:
        return [*self.gateways, *self.workers]

    def dump_logs(self) -> str:
        return "\n".join(f"==== {p.name}\n{p.tail()}" for p in self.all())


async def _pg(url: str, statement: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _binary(name: str) -> str:
    path = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/bin") / name, Path("/usr/sbin") / name) if p.exists()), None
    )
    if path is None:
        pytest.fail(f"{name} not found; install it with `scripts/services.sh start`", pytrace=False)
    return path


@dataclass
class EngineProcess:
    """A redis-server or nats-server owned by one test, on a fixed port and
    data directory so that it can be stopped (SIGTERM: a clean shutdown) and
    started again with its data."""

    name: str
    argv: list[str]
    port: int
    log_path: Path
    ready: Callable[[int], bool]
    scheme: str
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(OSError):
                if self.ready(self.port):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start:\n{self.tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        _stop(self.proc, timeout)
        self.proc = None

    def tail(self, n: int = 30) -> str:
        return _tail(self.log_path, n)


def _redis_ready(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(64).startswith(b"+PONG")  # -LOADING while it reads its AOF


def _nats_ready(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        return b'"jetstream":true' in s.recv(4096)


def redis_engine(tmp: Path) -> EngineProcess:
    port = _free_port()
    data = tmp / "redis"
    data.mkdir()
    argv = [
        _binary("redis-server"),
        "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data),
        "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
        "--maxmemory-policy", "noeviction", "--daemonize", "no",
    ]  # fmt: skip
    return EngineProcess("redis", argv, port, tmp / "redis.log", _redis_ready, "redis")


def nats_engine(tmp: Path) -> EngineProcess:
    port = _free_port()
    store = tmp / "nats"
    store.mkdir()
    argv = [
        _binary("nats-server"),
        "--addr", "127.0.0.1", "--port", str(port), "--jetstream", "--store_dir", str(store),
    ]  # fmt: skip
    return EngineProcess("nats", argv, port, tmp / "nats.log", _nats_ready, "nats")


@contextlib.asynccontextmanager
async def running_cluster(
    service_env: dict[str, str],
    tmp_path: Path,
    redis_url: str,
    nats_url: str,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Cluster]:
    """Two gateways and two workers on the given Redis and NATS, with a fresh
    Postgres schema and Mongo database; the caller cleans Redis and NATS."""
    suffix = uuid.uuid4().hex[:10]
    schema = f"cl_{suffix}"
    pg = service_env["PARLEY_TEST_POSTGRES_URL"]
    await _pg(pg, f"CREATE SCHEMA {schema}")
    sql_url = f"{pg}?search_path={schema}"
    mongo_base = service_env["PARLEY_TEST_MONGO_URL"].rsplit("/", 1)[0]
    mongo_db = f"parley_cl_{suffix}"
    redis_prefix = f"parley-cl-{suffix}:"
    bus_prefix = f"cl{suffix}"
    admin_secret = secrets.token_hex(16)
    env = {
        "PARLEY_MODE": "cluster",
        "PARLEY_ADMIN_SECRET": admin_secret,
        "PARLEY_TOKEN_SECRET": secrets.token_hex(32),
        "PARLEY_STORAGE__DATABASE_URL": sql_url,
        "PARLEY_CLUSTER__REDIS_URL": redis_url,
        "PARLEY_CLUSTER__REDIS_PREFIX": redis_prefix,
        "PARLEY_CLUSTER__NATS_URL": nats_url,
        "PARLEY_CLUSTER__BUS_PREFIX": bus_prefix,
        "PARLEY_CLUSTER__MONGO_URL": f"{mongo_base}/{mongo_db}",
        "PARLEY_CLUSTER__PARTITIONS": "4",
        "PARLEY_CLUSTER__ACK_WAIT_SECONDS": "2",
        "PARLEY_CLUSTER__HEARTBEAT_SECONDS": "1",
        "PARLEY_GRACE_SECONDS": "1",
        **(extra_env or {}),
    }
    # The stream and its consumers exist before four processes race to create them.
    nc = await connect(nats_url, "parley-cluster-tests")
    await ensure_stream(
        nc.jetstream(), BusConfig(prefix=bus_prefix, partitions=4, ack_wait_seconds=2.0)
    )
    await nc.close()
    c = Cluster(admin_secret, env, redis_prefix, bus_prefix)
    for i in (1, 2):
        c.gateways.append(ClusterProcess(f"gw{i}", "gateway", env, tmp_path))
        c.workers.append(ClusterProcess(f"wk{i}", "worker", env, tmp_path))
    try:
        for p in c.all():
            p.spawn()
        for p in c.all():
            p.wait_ready()
        yield c
    except BaseException:
        print(c.dump_logs())
        raise
    finally:
        for p in c.all():
            p.stop()
        mc: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_base)
        await mc.drop_database(mongo_db)
        await mc.close()
        await _pg(pg, f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
async def cluster(
    request: pytest.FixtureRequest,
    service_env: dict[str, str],
    tmp_path: Path,
    redis_client: Redis,
) -> AsyncIterator[Cluster]:
    """A cluster on the shared engines (a Redis key prefix and a JetStream
    stream of its own); `@pytest.mark.cluster_env(NAME=value)` adds settings."""
    marker = request.node.get_closest_marker("cluster_env")
    extra = {k: str(v) for k, v in marker.kwargs.items()} if marker is not None else None
    nats_url = service_env["PARLEY_TEST_NATS_URL"]
    async with running_cluster(
        service_env, tmp_path, service_env["PARLEY_TEST_REDIS_URL"], nats_url, extra
    ) as c:
        try:
            yield c
        finally:
            nc = await connect(nats_url, "parley-cluster-tests")
            with contextlib.suppress(NotFoundError):
                await nc.jetstream().delete_stream(BusConfig(prefix=c.bus_prefix).stream)
            await nc.close()
            keys = [k async for k in redis_client.scan_iter(f"{c.redis_prefix}*")]
            if keys:
                await redis_client.delete(*keys)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[EngineProcess]:
    """A redis-server of the test's own (appendonly), which it may restart."""
    redis = redis_engine(tmp_path)
    try:
        redis.start()
        yield redis
    except BaseException:
        print(f"==== redis\n{redis.tail()}")
        raise
    finally:
        redis.stop()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[EngineProcess]:
    """A nats-server -js of the test's own (file store), which it may restart."""
    nats = nats_engine(tmp_path)
    try:
        nats.start()
        yield nats
    except BaseException:
        print(f"==== nats\n{nats.tail()}")
        raise
    finally:
        nats.stop()


@dataclass
class EngineCluster:
    """A cluster on a Redis and a NATS of its own, which the test may restart."""

    cluster: Cluster
    redis: EngineProcess
    nats: EngineProcess


@pytest.fixture
async def engine_cluster(
    service_env: dict[str, str],
    tmp_path: Path,
    redis_server: EngineProcess,
    nats_server: EngineProcess,
) -> AsyncIterator[EngineCluster]:
    """Two gateways and two workers on `redis_server` and `nats_server` (the
    SQL and Mongo stores are the shared engines')."""
    async with running_cluster(service_env, tmp_path, redis_server.url, nats_server.url) as c:
        yield EngineCluster(c, redis_server, nats_server)
