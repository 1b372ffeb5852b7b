"""The server under test in cluster mode: a local cluster of `parley serve
--role gateway` and `--role worker` processes on the local engines
(PostgreSQL, FerretDB/MongoDB, Redis, NATS JetStream; see docs/cluster.md),
started once per scenario with namespaces of its own — a PostgreSQL schema,
a Mongo database, a Redis key prefix and a bus prefix (JetStream stream) —
which are removed afterwards."""

from __future__ import annotations

import asyncio
import atexit
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bench.progress import note
from bench.server import LOAD_ENV, Target, pin, with_source

if TYPE_CHECKING:
    from nats.js import JetStreamContext

REPO = Path(__file__).resolve().parent.parent
SERVICES_SCRIPT = REPO / "scripts" / "services.sh"
# The engines a cluster needs, by the variable scripts/services.sh writes.
ENGINE_VARS = {
    "postgres": "PARLEY_TEST_POSTGRES_URL",
    "mongo": "PARLEY_TEST_MONGO_URL",
    "redis": "PARLEY_TEST_REDIS_URL",
    "nats": "PARLEY_TEST_NATS_URL",
}
DEFAULT_PORTS = {"postgres": 5432, "mongo": 27017, "redis": 6379, "nats": 4222}
# Every process of the cluster, on top of LOAD_ENV (--server-env overrides).
CLUSTER_ENV = {
    "PARLEY_MODE": "cluster",
    "PARLEY_GRACE_SECONDS": "2",
}
# The engines' processes (scripts/services.sh), for the CPU split.
ENGINE_COMMS = ("postgres", "ferretdb", "redis-server", "nats-server")
READY = re.compile(r"listening on 127\.0\.0\.1:(\d+)|worker \S+ ready")

# Clusters not cleaned up yet: stopped, and their namespaces dropped, at exit
# whatever happens (their processes run in sessions of their own).
_RUNNING: set[LocalCluster] = set()


class EnginesUnavailable(RuntimeError):
    """An engine the cluster needs is not configured or does not answer."""


# -- engines ---------------------------------------------------------------------


def services_env_file() -> Path:
    return Path(os.environ.get("PARLEY_SERVICES_DIR", REPO / ".services")) / "env"


def engine_urls() -> dict[str, str]:
    """The engines' URLs: from the environment, else from the env file that
    scripts/services.sh writes. Missing ones are left out."""
    from_file: dict[str, str] = {}
    path = services_env_file()
    if path.is_file():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                from_file[key] = value
    out = {}
    for engine, var in ENGINE_VARS.items():
        url = os.environ.get(var) or from_file.get(var)
        if url:
            out[engine] = url
    return out


def _unavailable(urls: dict[str, str]) -> list[str]:
    """The engines that are not configured or accept no TCP connection."""
    bad = []
    for engine, var in ENGINE_VARS.items():
        url = urls.get(engine)
        if not url:
            bad.append(f"{engine} ({var} not set, no {services_env_file()})")
            continue
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORTS[engine]
        try:
            with socket.create_connection((host, port), timeout=3):
                pass
        except OSError as e:
            bad.append(f"{engine} at {host}:{port} ({e.strerror or e})")
    return bad


def ensure_engines(start: bool = True) -> dict[str, str]:
    """The engines' URLs, all answering; runs `scripts/services.sh start` once
    when some are missing. Raises EnginesUnavailable with what is wrong."""
    urls = engine_urls()
    bad = _unavailable(urls)
    if bad and start:
        note(f"  engines not available: {'; '.join(bad)}; running scripts/services.sh start")
        try:
            proc = subprocess.run(
                [str(SERVICES_SCRIPT), "start"],
                capture_output=True,
                text=True,
                timeout=1800,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise EnginesUnavailable(
                f"cluster mode needs {', '.join(bad)}; scripts/services.sh start failed: {e}"
            ) from e
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
            raise EnginesUnavailable(
                f"cluster mode needs {', '.join(bad)}; scripts/services.sh start "
                f"exited {proc.returncode}:\n{tail}"
            )
        urls = engine_urls()
        bad = _unavailable(urls)
    if bad:
        raise EnginesUnavailable(
            f"cluster mode needs these engines: {'; '.join(bad)} "
            "(start them with `scripts/services.sh start`)"
        )
    return urls


# -- namespaces ------------------------------------------------------------------


@dataclass
class Namespaces:
    """What one cluster run owns on the shared engines."""

    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:10])

    @property
    def schema(self) -> str:
        return f"bench_{self.suffix}"

    @property
    def mongo_db(self) -> str:
        return f"parley_bench_{self.suffix}"

    @property
    def redis_prefix(self) -> str:
        return f"parley-bench-{self.suffix}:"

    @property
    def bus_prefix(self) -> str:
        return f"bench{self.suffix}"

    def env(self, urls: dict[str, str]) -> dict[str, str]:
        """The cluster settings that point every process at these namespaces."""
        pg = urls["postgres"]
        return {
            "PARLEY_STORAGE__DATABASE_URL": f"{pg}{'&' if '?' in pg else '?'}"
            f"search_path={self.schema}",
            "PARLEY_CLUSTER__MONGO_URL": f"{mongo_base(urls['mongo'])}/{self.mongo_db}",
            "PARLEY_CLUSTER__REDIS_URL": urls["redis"],
            "PARLEY_CLUSTER__REDIS_PREFIX": self.redis_prefix,
            "PARLEY_CLUSTER__NATS_URL": urls["nats"],
            "PARLEY_CLUSTER__BUS_PREFIX": self.bus_prefix,
        }


def mongo_base(url: str) -> str:
    """mongodb://host:port/db -> mongodb://host:port"""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def _pg(url: str, statement: str) -> list[tuple[object, ...]]:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement))
            return [tuple(r) for r in result.fetchall()] if result.returns_rows else []
    finally:
        await engine.dispose()


async def create_namespaces(ns: Namespaces, urls: dict[str, str]) -> None:
    """The schema; the Mongo database, the Redis keys and the stream come
    with the first process."""
    await _pg(urls["postgres"], f'CREATE SCHEMA "{ns.schema}"')


async def _streams_under(js: JetStreamContext, prefix: str) -> list[str]:
    names = []
    for info in await js.streams_info():
        subjects = info.config.subjects or []
        if subjects and all(s.startswith(f"{prefix}.") for s in subjects):
            names.append(info.config.name or "")
    return [n for n in names if n]


async def drop_namespaces(ns: Namespaces, urls: dict[str, str]) -> list[str]:
    """Removes everything the run left on the engines: the schema, the Mongo
    database, the Redis keys under the prefix and the JetStream stream(s) of
    the bus prefix. Returns what could not be removed (empty: all gone)."""
    failed: list[str] = []
    try:
        await _pg(urls["postgres"], f'DROP SCHEMA IF EXISTS "{ns.schema}" CASCADE')
    except Exception as e:
        failed.append(f"postgres schema {ns.schema}: {e!r}")
    try:
        from pymongo import AsyncMongoClient

        mc: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_base(urls["mongo"]))
        try:
            await mc.drop_database(ns.mongo_db)
        finally:
            await mc.close()
    except Exception as e:
        failed.append(f"mongo database {ns.mongo_db}: {e!r}")
    try:
        from redis.asyncio import Redis

        r = Redis.from_url(urls["redis"])
        try:
            batch: list[bytes] = []
            async for key in r.scan_iter(match=f"{ns.redis_prefix}*", count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    await r.unlink(*batch)
                    batch.clear()
            if batch:
                await r.unlink(*batch)
        finally:
            await r.aclose()
    except Exception as e:
        failed.append(f"redis keys {ns.redis_prefix}*: {e!r}")
    try:
        import nats

        nc = await nats.connect(urls["nats"], name="parley-bench-cleanup", connect_timeout=5)
        try:
            js = nc.jetstream()
            for name in await _streams_under(js, ns.bus_prefix):
                await js.delete_stream(name)
        finally:
            await nc.close()
    except Exception as e:
        failed.append(f"nats streams of {ns.bus_prefix}: {e!r}")
    return failed


async def namespaces_left(ns: Namespaces, urls: dict[str, str]) -> dict[str, int]:
    """What of the run's namespaces exists on the engines (for checks): the
    schema (0/1), the Mongo database (0/1), Redis keys, JetStream streams."""
    import nats
    from pymongo import AsyncMongoClient
    from redis.asyncio import Redis

    rows = await _pg(
        urls["postgres"],
        f"SELECT 1 FROM information_schema.schemata WHERE schema_name = '{ns.schema}'",
    )
    mc: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_base(urls["mongo"]))
    try:
        dbs = await mc.list_database_names()
    finally:
        await mc.close()
    r = Redis.from_url(urls["redis"])
    try:
        keys = [k async for k in r.scan_iter(match=f"{ns.redis_prefix}*", count=1000)]
    finally:
        await r.aclose()
    nc = await nats.connect(urls["nats"], name="parley-bench-check", connect_timeout=5)
    try:
        streams = await _streams_under(nc.jetstream(), ns.bus_prefix)
    finally:
        await nc.close()
    return {
        "schema": len(rows),
        "mongo_db": int(ns.mongo_db in dbs),
        "redis_keys": len(keys),
        "streams": len(streams),
    }


# -- warm-up -------------------------------------------------------------------


async def warm_up(target: Target, timeout: float = 30.0) -> None:
    """One message from a user on the first gateway to one on the last, over
    unary SendMessage, answered once it is in the log. A fresh Redis prefix
    has no `seq:epoch` marker, so the first seq allocation waits out the
    recovery fence (publish deadline + skew margin, 5 s by default, see
    docs/cluster.md "Lost Redis data"): that is paid here, not by the first
    measured phase."""
    import grpc

    from bench.provision import admin_token, bearer, issue_tokens, register_users
    from parley.common.v1 import common_pb2
    from parley.msg.v1 import msg_pb2, msg_pb2_grpc

    addresses = target.gateway_addresses()
    tag = secrets.token_hex(3)
    a, b = f"warm{tag}-a", f"warm{tag}-b"
    admin = await admin_token(target.address, target.admin_secret)
    await register_users(target.address, admin, [a, b])
    tokens = await issue_tokens(addresses[0], admin, [a])
    async with grpc.aio.insecure_channel(addresses[0]) as ch:
        req = msg_pb2.SendMessageRequest()
        req.message.client_msg_id = "warm-up"
        req.message.session_type = common_pb2.SessionType.SESSION_TYPE_SINGLE
        req.message.recv_id = b
        req.message.content.text.text = "warm-up"
        await msg_pb2_grpc.MsgServiceStub(ch).SendMessage(
            req, metadata=bearer(tokens[a]), timeout=timeout
        )


# -- processes -------------------------------------------------------------------


@dataclass(eq=False)
class ClusterProcess:
    """One `python -m parley serve --role gateway|worker` of the cluster."""

    name: str
    role: str
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    rc: int | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def spawn(self, env: dict[str, str], cpus: frozenset[int] | None = None) -> None:
        data = self.workdir / self.name
        data.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "parley", "serve", "--role", self.role]
        argv += ["--node-id", self.name, "--listen", "127.0.0.1:0", "--data-dir", str(data)]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        pin(self.proc.pid, cpus)

    def ready(self) -> bool:
        """Whether it said it is ready (a gateway: its port). Raises if it exited."""
        m = READY.search(self.log_path.read_text(errors="replace"))
        if m:
            if m.group(1):
                self.port = int(m.group(1))
            return True
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited during start-up:\n{self.tail()}")
        return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass(eq=False)
class LocalCluster:
    """`gateways` gateway and `workers` worker processes on the local engines
    (`urls`, see ensure_engines), with fresh namespaces; `source` (a directory
    holding the `parley` package) replaces the installed server code."""

    urls: dict[str, str]
    gateways: int = 2
    workers: int = 2
    env: dict[str, str] = field(default_factory=dict)
    source: Path | None = None
    cpus: frozenset[int] | None = None
    admin_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    token_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    ns: Namespaces = field(default_factory=Namespaces)
    keep_data: bool = False
    procs: list[ClusterProcess] = field(default_factory=list)
    workdir: Path | None = None
    _namespaces: bool = False  # created and not dropped yet

    @property
    def label(self) -> str:
        return f"cluster {self.gateways}gw+{self.workers}wk"

    def process_env(self) -> dict[str, str]:
        env = {
            **os.environ,
            **LOAD_ENV,
            **CLUSTER_ENV,
            **self.ns.env(self.urls),
            **self.env,
            "PARLEY_ADMIN_SECRET": self.admin_secret,
            "PARLEY_TOKEN_SECRET": self.token_secret,
        }
        return with_source(env, self.source)

    async def start(self, timeout: float = 90.0) -> Target:
        """Creates the namespaces, starts the first gateway alone (it creates
        the tables, the stream and its consumers, the Mongo indexes), then the
        other processes together; returns once every one is ready."""
        if self.gateways < 1 or self.workers < 1:
            raise ValueError("a cluster needs at least one gateway and one worker")
        self.workdir = Path(tempfile.mkdtemp(prefix="parley-bench-cluster-"))
        _RUNNING.add(self)
        self._namespaces = True
        await create_namespaces(self.ns, self.urls)
        gws = [ClusterProcess(f"gw{i + 1}", "gateway", self.workdir) for i in range(self.gateways)]
        wks = [ClusterProcess(f"wk{i + 1}", "worker", self.workdir) for i in range(self.workers)]
        self.procs = [*gws, *wks]
        env = self.process_env()
        deadline = time.monotonic() + timeout
        step = "did not start"
        try:
            gws[0].spawn(env, self.cpus)
            await self._wait_ready(gws[:1], deadline)
            for proc in self.procs[1:]:
                proc.spawn(env, self.cpus)
            await self._wait_ready(self.procs[1:], deadline)
            target = Target(
                gws[0].address,
                self.admin_secret,
                gws[0].pid,
                addresses=[g.address for g in gws],
                processes={p.name: p.pid for p in self.procs},
                label=self.label,
                engine_comms=ENGINE_COMMS,
            )
            step = "does not take a message"
            await warm_up(target)
        except Exception as e:
            logs = self.log_tail()
            self.stop()
            await self.remove_namespaces()
            raise RuntimeError(f"the local cluster {step} ({e}):\n{logs}") from e
        return target

    @staticmethod
    async def _wait_ready(procs: list[ClusterProcess], deadline: float) -> None:
        waiting = list(procs)
        while waiting:
            waiting = [p for p in waiting if not p.ready()]
            if not waiting:
                return
            if time.monotonic() > deadline:
                names = ", ".join(p.name for p in waiting)
                raise RuntimeError(f"{names} not ready in time")
            await asyncio.sleep(0.05)

    def alive(self) -> bool:
        return bool(self.procs) and all(p.alive() for p in self.procs)

    def exited(self) -> dict[str, int | None]:
        """The processes that are gone, with their exit codes."""
        return {p.name: p.proc.poll() if p.proc else p.rc for p in self.procs if not p.alive()}

    def log_tail(self, n: int = 30) -> str:
        return "\n".join(f"==== {p.name}\n{p.tail(n)}" for p in self.procs)

    def log_text(self) -> str:
        return "\n".join(f"==== {p.name} ({p.role})\n{p.text()}" for p in self.procs if p.text())

    def stop(self, timeout: float = 20.0, keep_log: bool = False) -> dict[str, int | None]:
        """SIGTERM to every process, then waits (SIGKILL after `timeout`).
        Returns the exit codes. The namespaces stay (remove_namespaces)."""
        for p in self.procs:
            if p.proc is not None and p.proc.poll() is None:
                p.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in self.procs:
            if p.proc is None:
                continue
            try:
                p.rc = p.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.proc.kill()
                p.rc = p.proc.wait()
            p.proc = None
        if not keep_log:
            self.cleanup()
        return {p.name: p.rc for p in self.procs}

    async def remove_namespaces(self) -> list[str]:
        """Drops the schema, the Mongo database, the Redis keys and the
        stream; returns what failed (also printed)."""
        if not self._namespaces:
            return []
        failed = await drop_namespaces(self.ns, self.urls)
        self._namespaces = False
        for f in failed:
            note(f"  could not remove {f}")
        return failed

    def cleanup(self) -> None:
        """Removes the processes' directory (logs, data dirs)."""
        if not self._namespaces and all(p.proc is None for p in self.procs):
            _RUNNING.discard(self)
        if self.workdir is not None and not self.keep_data:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


@atexit.register
def _stop_leftovers() -> None:
    for cluster in list(_RUNNING):
        cluster.stop(timeout=5.0)
        if cluster._namespaces:
            try:
                asyncio.run(cluster.remove_namespaces())
            except Exception as e:
                note(f"  could not remove the namespaces of {cluster.ns.suffix}: {e!r}")
        cluster.cleanup()
        _RUNNING.discard(cluster)
