"""The Alembic migrations build exactly the schema of schema.py, on every SQL
backend. A failure here after a schema change means: add a revision
(`alembic revision --autogenerate`, see alembic.ini)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel


async def test_migrations_match_schema(sql_engine: AsyncEngine) -> None:
    def diff(conn: Any) -> list[Any]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, SQLModel.metadata))

    async with sql_engine.connect() as conn:
        changes = await conn.run_sync(diff)
    assert changes == [], f"schema.py and the migrations differ: {changes}"
