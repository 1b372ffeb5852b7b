"""SQL backend (SQLite embedded; PostgreSQL and MySQL in cluster mode)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.sql.conversations import SqlConversationStore
from parley.storage.sql.engine import create_schema, make_engine
from parley.storage.sql.messages import SqlMessageStore
from parley.storage.sql.migrate import upgrade_engine
from parley.storage.sql.tokens import SqlTokenStore
from parley.storage.sql.users import SqlUserStore


@dataclass
class SqlStores:
    engine: AsyncEngine
    users: SqlUserStore
    tokens: SqlTokenStore
    messages: SqlMessageStore
    conversations: SqlConversationStore

    async def close(self) -> None:
        await self.engine.dispose()


async def open_sql(url: str, sqlite_synchronous: str = "FULL") -> SqlStores:
    engine = make_engine(url, sqlite_synchronous)
    if engine.dialect.name == "sqlite":
        await create_schema(engine)
    else:
        # Cluster nodes start together: the migrations run under a lock.
        await upgrade_engine(engine)
    return SqlStores(
        engine=engine,
        users=SqlUserStore(engine),
        tokens=SqlTokenStore(engine),
        messages=SqlMessageStore(engine),
        conversations=SqlConversationStore(engine),
    )
