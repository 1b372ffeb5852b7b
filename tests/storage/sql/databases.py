"""Fresh databases on the shared engines: a PostgreSQL schema or a MariaDB
database of the test's own, so nothing another test uses is touched."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import make_url, text

from parley.storage.sql.engine import make_engine

URL_VARS = {"postgres": "PARLEY_TEST_POSTGRES_URL", "mysql": "PARLEY_TEST_MYSQL_URL"}


@asynccontextmanager
async def fresh_database(
    service_env: dict[str, str], kind: str, prefix: str = "race"
) -> AsyncIterator[str]:
    """The URL of an empty PostgreSQL schema or MariaDB database, dropped after."""
    base = service_env[URL_VARS[kind]]
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    if kind == "postgres":
        create, drop = f"CREATE SCHEMA {name}", f"DROP SCHEMA {name} CASCADE"
        url = f"{base}?search_path={name}"
    else:
        create = f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        drop = f"DROP DATABASE {name}"
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    async with admin.begin() as conn:
        await conn.execute(text(create))
    try:
        yield url
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(drop))
        await admin.dispose()
