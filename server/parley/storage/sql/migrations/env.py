"""Alembic environment: runs migrations over Parley's async engines."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from parley.storage.sql import schema  # noqa: F401  (registers the tables)
from parley.storage.sql.engine import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "PARLEY_STORAGE__DATABASE_URL", ""
    )
    if not url:
        raise SystemExit("no database URL: pass --url or set PARLEY_STORAGE__DATABASE_URL")
    return url


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: batch mode copies the table.
        render_as_batch=(url or "").startswith("sqlite")
        or (connection is not None and connection.dialect.name == "sqlite"),
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = make_engine(_url())
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run_sync)
            await conn.commit()
    finally:
        await engine.dispose()


# parley.storage.sql.migrate passes the connection that holds the schema lock.
_connection = config.attributes.get("connection")
if _connection is not None:
    _run_sync(_connection)
elif context.is_offline_mode():
    _configure(url=_url())
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
