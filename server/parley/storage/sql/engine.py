"""The async SQLAlchemy engine: SQLite (WAL) embedded, PostgreSQL/MySQL in cluster mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql import Insert
from sqlmodel import SQLModel

from parley.storage.sql import schema  # noqa: F401  (registers the tables)


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir / 'parley.db'}"


def make_engine(url: str, sqlite_synchronous: str = "FULL") -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, pool_size=4, max_overflow=4)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={sqlite_synchronous}")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.close()

        return engine
    connect_args: dict[str, Any] = {}
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and "search_path" in parsed.query:
        # `?search_path=<schema>`: the tables live in that schema (asyncpg
        # takes it as a server setting, not as a connect argument).
        schema_name = str(parsed.query["search_path"])
        parsed = parsed.difference_update_query(["search_path"])
        connect_args["server_settings"] = {"search_path": schema_name}
    # pool_recycle: MySQL closes connections idle past wait_timeout (8 h by default).
    return create_async_engine(
        parsed,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        pool_recycle=3600,
        connect_args=connect_args,
    )


def is_mysql(engine: AsyncEngine) -> bool:
    # MariaDB reached through a mysql+ URL reports "mysql"; "mariadb" through its own.
    return engine.dialect.name in ("mysql", "mariadb")


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)


def insert_for(engine: AsyncEngine, table: Any) -> Insert:
    """An INSERT of the engine's dialect, so callers can add upsert clauses."""
    name = engine.dialect.name
    if name == "sqlite":
        return sqlite.insert(table)
    if name == "postgresql":
        return postgresql.insert(table)
    if name in ("mysql", "mariadb"):
        return mysql.insert(table)
    raise ValueError(f"unsupported SQL dialect {name}")


def insert_ignore(engine: AsyncEngine, table: Any, keys: list[str] | None) -> Insert:
    """An INSERT that skips rows whose key exists. `keys` names the unique key
    to check (PostgreSQL/SQLite); None skips a conflict on any unique key, as
    MySQL's INSERT IGNORE always does."""
    stmt: Any = insert_for(engine, table)
    if is_mysql(engine):
        return stmt.prefix_with("IGNORE")  # type: ignore[no-any-return]
    if keys is None:
        return stmt.on_conflict_do_nothing()  # type: ignore[no-any-return]
    return stmt.on_conflict_do_nothing(index_elements=keys)  # type: ignore[no-any-return]
