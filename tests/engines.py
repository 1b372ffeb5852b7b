"""The engines as test fixtures (session-wide connections). SQL schemas are
built by the Alembic migrations, so every suite on them also proves the
migrations match schema.py; rows are keyed by fresh ids, so tests share one
database per engine. An engine that does not answer fails the test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.redis import connect as redis_connect
from parley.storage.sql.engine import make_engine
from parley.storage.sql.migrate import upgrade

SQL_BACKENDS = ["sqlite", "postgres", "mysql"]
_URL_VARS = {"postgres": "PARLEY_TEST_POSTGRES_URL", "mysql": "PARLEY_TEST_MYSQL_URL"}


async def reachable(name: str, probe: Any, timeout: float = 10.0) -> None:
    try:
        await asyncio.wait_for(probe, timeout)
    except Exception as e:
        pytest.fail(
            f"{name} is not reachable ({type(e).__name__}: {e}); "
            "start the engines with `scripts/services.sh start`",
            pytrace=False,
        )


async def _drop_everything(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        else:
            tables = [r[0] for r in (await conn.execute(text("SHOW TABLES"))).all()]
            for t in tables:
                await conn.execute(text(f"DROP TABLE `{t}`"))


class Engines:
    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env = env
        self.tmp = tmp
        self.engines: dict[str, AsyncEngine] = {}
        self.lock = asyncio.Lock()

    def url(self, kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite+aiosqlite:///{self.tmp / 'contracts.db'}"
        return self.env[_URL_VARS[kind]]

    async def get(self, kind: str) -> AsyncEngine:
        async with self.lock:
            if kind not in self.engines:
                url = self.url(kind)
                engine = make_engine(url, "NORMAL")

                async def ping() -> None:
                    async with engine.connect() as conn:
                        await conn.execute(text("SELECT 1"))

                await reachable(kind, ping())
                if kind != "sqlite":
                    await _drop_everything(engine)
                # Alembic drives its own event loop: run it off this one.
                await asyncio.to_thread(upgrade, url)
                self.engines[kind] = engine
            return self.engines[kind]

    async def close(self) -> None:
        for e in self.engines.values():
            await e.dispose()


@pytest.fixture(scope="session")
async def sql_engines(
    service_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Engines]:
    engines = Engines(service_env, tmp_path_factory.mktemp("contracts"))
    yield engines
    await engines.close()


@pytest.fixture(params=SQL_BACKENDS)
async def sql_engine(request: pytest.FixtureRequest, sql_engines: Engines) -> AsyncEngine:
    return await sql_engines.get(request.param)


@pytest.fixture(scope="session")
async def mongo_db(service_env: dict[str, str]) -> AsyncIterator[Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        service_env["PARLEY_TEST_MONGO_URL"], serverSelectionTimeoutMS=5000
    )
    await reachable("mongo", client.admin.command("ping"))
    db = client.get_default_database(default="parley_test")
    for name in await db.list_collection_names():
        await db.drop_collection(name)
    yield db
    await client.close()


@pytest.fixture(scope="session")
async def redis_client(service_env: dict[str, str]) -> AsyncIterator[Redis]:
    r = redis_connect(service_env["PARLEY_TEST_REDIS_URL"])
    await reachable("redis", r.ping())
    yield r
    await r.aclose()


@pytest.fixture
def redis_prefix() -> str:
    """Keys of one test: no test flushes the shared database."""
    return f"parley-test:{uuid.uuid4().hex[:12]}:"
