"""TokenStore contract: SQL (SQLite, PostgreSQL, MySQL) and Redis."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from parley.storage.redis.tokens import RedisTokenStore
from parley.storage.sql.tokens import SqlTokenStore
from tests.engines import SQL_BACKENDS, Engines
from tests.storage.contracts.conftest import uid
from tests.storage.contracts.rows import now_ms


@pytest.fixture(params=[*SQL_BACKENDS, "redis"])
async def token_store(
    request: pytest.FixtureRequest, sql_engines: Engines, redis_client: Redis, redis_prefix: str
) -> object:
    if request.param == "redis":
        return RedisTokenStore(redis_client, redis_prefix)
    return SqlTokenStore(await sql_engines.get(request.param))


async def test_revocations_live_until_expiry(token_store: SqlTokenStore) -> None:
    now = now_ms()
    live, dead = uid("j"), uid("j")
    await token_store.revoke(live, now + 60_000)
    await token_store.revoke(dead, now - 1)
    await token_store.revoke(live, now + 60_000)  # twice is fine
    ids = await token_store.revocations(now)
    assert ids[live] == now + 60_000 and dead not in ids
    # Expired ones are gone for good, even for a reader with an older clock.
    assert dead not in await token_store.revocations(now - 10_000)
    assert live not in await token_store.revocations(now + 120_000)


async def test_floors(token_store: SqlTokenStore) -> None:
    u = uid()
    await token_store.set_floor(u, 1, 100)
    await token_store.set_floor(u, 0, 50)
    await token_store.set_floor(u, 1, 200)
    floors = await token_store.floors()
    assert floors[(u, 1)] == 200 and floors[(u, 0)] == 50
