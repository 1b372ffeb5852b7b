"""A cluster of `python -m parley serve` processes (two gateways, two
workers) on the real engines, with a fresh Postgres schema, Mongo database,
Redis key prefix and JetStream stream per test."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from sqlalchemy import text

from parley.bus.jetstream import BusConfig, connect, ensure_stream
from parley.storage.sql import open_sql
from parley.storage.sql.engine import make_engine

READY = re.compile(r"listening on 127\.0\.0\.1:(\d+)|worker \S+ ready")


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

    def start(self, timeout: float = 30.0) -> None:
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

    def wait_ready(self, timeout: float = 30.0) -> None:
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
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
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


@pytest.fixture
async def cluster(
    service_env: dict[str, str], tmp_path: Path, redis_client: Redis
) -> AsyncIterator[Cluster]:
    suffix = uuid.uuid4().hex[:10]
    schema = f"cl_{suffix}"
    pg = service_env["PARLEY_TEST_POSTGRES_URL"]
    await _pg(pg, f"CREATE SCHEMA {schema}")
    sql_url = f"{pg}?search_path={schema}"
    # The tables exist before four processes start (create_all does not race well).
    stores = await open_sql(sql_url)
    await stores.close()
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
        "PARLEY_CLUSTER__REDIS_URL": service_env["PARLEY_TEST_REDIS_URL"],
        "PARLEY_CLUSTER__REDIS_PREFIX": redis_prefix,
        "PARLEY_CLUSTER__NATS_URL": service_env["PARLEY_TEST_NATS_URL"],
        "PARLEY_CLUSTER__BUS_PREFIX": bus_prefix,
        "PARLEY_CLUSTER__MONGO_URL": f"{mongo_base}/{mongo_db}",
        "PARLEY_CLUSTER__PARTITIONS": "4",
        "PARLEY_CLUSTER__ACK_WAIT_SECONDS": "2",
        "PARLEY_CLUSTER__HEARTBEAT_SECONDS": "1",
        "PARLEY_GRACE_SECONDS": "1",
    }
    cfg = BusConfig(prefix=bus_prefix, partitions=4, ack_wait_seconds=2.0)
    nc = await connect(service_env["PARLEY_TEST_NATS_URL"], "parley-cluster-tests")
    js = nc.jetstream()
    await ensure_stream(js, cfg)
    c = Cluster(admin_secret, env, redis_prefix)
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
        await js.delete_stream(cfg.stream)
        await nc.close()
        keys = [k async for k in redis_client.scan_iter(f"{redis_prefix}*")]
        if keys:
            await redis_client.delete(*keys)
        mc: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_base)
        await mc.drop_database(mongo_db)
        await mc.close()
        await _pg(pg, f"DROP SCHEMA {schema} CASCADE")
