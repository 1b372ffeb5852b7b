"""Backends for the contract suites: each storage interface's tests run
unchanged against every implementation (the engines come from tests/engines.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from parley.storage.mongo.messages import MongoMessageStore
from parley.storage.sql.conversations import SqlConversationStore
from parley.storage.sql.messages import SqlMessageStore
from tests.engines import SQL_BACKENDS, Engines


@dataclass
class MessageBackend:
    name: str
    messages: Any
    conversations: SqlConversationStore


@pytest.fixture(params=[*SQL_BACKENDS, "mongo"])
async def message_backend(
    request: pytest.FixtureRequest, sql_engines: Engines, mongo_db: Any
) -> MessageBackend:
    if request.param == "mongo":
        # The cluster shape: messages in MongoDB, conversation state in SQL.
        conversations = SqlConversationStore(await sql_engines.get("postgres"))
        store = MongoMessageStore(mongo_db, conversations)
        await store.ensure_indexes()
        return MessageBackend("mongo", store, conversations)
    engine = await sql_engines.get(request.param)
    return MessageBackend(request.param, SqlMessageStore(engine), SqlConversationStore(engine))


def uid(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"
