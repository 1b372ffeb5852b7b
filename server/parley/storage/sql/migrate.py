"""Schema migrations (Alembic) run from code: `parley migrate`, every start of
a cluster node (`open_sql`), and the tests.

Cluster databases are migrated; embedded SQLite keeps create_all (a new
table appears on the next start, which is all a single process needs).

Cluster nodes start together, so a migration runs under a lock held by the
session that migrates: PostgreSQL `pg_advisory_lock`, MySQL/MariaDB
`GET_LOCK`. The first process to take it brings the schema to head; the others
wait, then find it there and do nothing. The lock is named after the database
(and on PostgreSQL the schema the tables go to), so setups of different
databases or schemas on one server do not wait for each other."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from parley.storage.sql.engine import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# How long a setup waits for another process's migration to finish.
LOCK_TIMEOUT_SECONDS = 600.0
# The revision create_all built before starts migrated (a database set up
# by an earlier version without `parley migrate` has no alembic_version).
BASELINE = "0001"

log = logging.getLogger(__name__)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # Percent signs in passwords would read as interpolation.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _lock_name(scope: str) -> str:
    """At most 64 characters (MySQL's limit on lock names)."""
    name = f"parley.schema.{scope}"
    return name if len(name) <= 64 else f"parley.schema.{hashlib.sha1(scope.encode()).hexdigest()}"


def _pg_lock_key(scope: str) -> int:
    digest = hashlib.blake2b(f"parley.schema.{scope}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@asynccontextmanager
async def schema_lock(
    conn: AsyncConnection, timeout: float = LOCK_TIMEOUT_SECONDS
) -> AsyncIterator[None]:
    """Holds the schema lock of conn's database (PostgreSQL: and schema) on
    conn's session; TimeoutError if another session holds it past `timeout`
    seconds. No lock on SQLite (one process). Work left uncommitted in the
    block is rolled back on the way out."""
    params: dict[str, object]
    if conn.dialect.name == "postgresql":
        # current_schema(): where CREATE TABLE goes (the search_path's first
        # existing schema), whatever the search_path is spelled like.
        row = (
            await conn.execute(
                text(
                    "SELECT current_database(),"
                    " coalesce(current_schema(), current_setting('search_path'))"
                )
            )
        ).one()
        key = _pg_lock_key(f"{row[0]}.{row[1]}")
        # The timeout for this transaction only; the lock is the session's.
        await conn.execute(
            text("SELECT set_config('lock_timeout', :ms, true)"),
            {"ms": f"{max(1, int(timeout * 1000))}ms"},
        )
        try:
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        except DBAPIError as e:
            await conn.rollback()
            if getattr(e.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise TimeoutError(f"schema lock of {row[0]}.{row[1]} held elsewhere") from e
            raise
        await conn.commit()
        unlock, params = "SELECT pg_advisory_unlock(:k)", {"k": key}
    elif conn.dialect.name in ("mysql", "mariadb"):
        database = (await conn.execute(text("SELECT DATABASE()"))).scalar_one()
        name = _lock_name(str(database))
        got = (
            await conn.execute(text("SELECT GET_LOCK(:n, :t)"), {"n": name, "t": timeout})
        ).scalar()
        await conn.commit()
        if got != 1:
            raise TimeoutError(f"schema lock {name} held elsewhere")
        unlock, params = "SELECT RELEASE_LOCK(:n)", {"n": name}
    else:
        yield
        return
    try:
        yield
    finally:
        try:
            await conn.rollback()  # a failed step leaves its transaction aborted
            await conn.execute(text(unlock), params)
            await conn.commit()
        except Exception:
            # Closing the session releases its lock too.
            await conn.invalidate()


def _upgrade(conn: Connection, revision: str) -> None:
    """Alembic on conn (env.py takes the connection from the config)."""
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" not in tables and "users" in tables:
        log.warning("schema without alembic_version: stamping it %s", BASELINE)
        command.stamp(cfg, BASELINE)
    current = MigrationContext.configure(conn).get_current_heads()
    known = {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}
    unknown = [r for r in current if r not in known] if revision == "head" else []
    if unknown:
        # A newer version migrated already (rolling upgrade): leave it.
        log.warning("schema at %s, newer than this version: left as is", ", ".join(unknown))
        return
    command.upgrade(cfg, revision)


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Brings engine's schema to `revision` under the schema lock: safe to run
    from any number of processes at once (the first migrates, the others
    wait and find the schema there)."""
    async with engine.connect() as conn, schema_lock(conn):
        await conn.run_sync(_upgrade, revision)
        await conn.commit()


def upgrade(url: str, revision: str = "head") -> None:
    """`parley migrate`: runs in its own event loop."""

    async def run() -> None:
        engine = make_engine(url)
        try:
            await upgrade_engine(engine, revision)
        finally:
            await engine.dispose()

    asyncio.run(run())
