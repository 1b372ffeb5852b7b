"""Every query the MongoDB message store sends on the hot paths (the writer's
duplicate check, pull, unread counts, seq recovery) can be served by one of
its indexes, by MongoDB's rule: a query uses an index whose first key it
constrains (equality, range or $in), and a top-level $or avoids a collection
scan only if every branch can use one.

The shared engine is FerretDB on SQLite, which plans every query as a scan
of its table whatever the indexes (its explain says `filterPushdown: false`),
so the engine's own plan proves nothing here; the filters the store really
sends (captured with a command listener) are checked against the indexes
the store really created instead, on a fresh database of the test's own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from parley.storage.batch import HiddenMark
from parley.storage.mongo.messages import MongoMessageStore
from parley.storage.sql import open_sql
from parley.storage.sql.engine import sqlite_url
from tests.storage.contracts.rows import chat_batch

Doc = dict[str, Any]
SARGABLE = {"$eq", "$gt", "$gte", "$lt", "$lte", "$in"}


class Queries(monitoring.CommandListener):
    """(collection, filter) of every find and count the client sends."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Doc]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        cmd = event.command
        if event.command_name == "find":
            self.seen.append((cmd["find"], dict(cmd.get("filter", {}))))
        elif event.command_name == "aggregate":  # count_documents: a $match first
            match = cmd["pipeline"][0].get("$match", {}) if cmd["pipeline"] else {}
            self.seen.append((cmd["aggregate"], dict(match)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def constrained(filt: Doc) -> set[str]:
    """Top-level fields the filter bounds in a way an index scan can use."""
    out = set()
    for key, cond in filt.items():
        if key.startswith("$"):
            continue
        ops = set(cond) if isinstance(cond, dict) else {"$eq"}
        if ops & SARGABLE:
            out.add(key)
    return out


def served(filt: Doc, leading: set[str]) -> bool:
    """Whether some index (by its first key) serves the filter."""
    fields = constrained(filt)
    if fields & leading:
        return True
    branches: list[Doc] = filt.get("$or") or []
    return bool(branches) and all(served({**filt, **b, "$or": []}, leading) for b in branches)


@pytest.fixture
async def store(service_env: dict[str, str], tmp_path: Path) -> AsyncIterator[tuple[Any, Queries]]:
    queries = Queries()
    client: AsyncMongoClient[Doc] = AsyncMongoClient(
        service_env["PARLEY_TEST_MONGO_URL"], event_listeners=[queries], tz_aware=False
    )
    name = f"plans_{uuid.uuid4().hex[:10]}"
    state = await open_sql(sqlite_url(tmp_path), "NORMAL")
    try:
        messages = MongoMessageStore(client[name], state.conversations)
        await messages.ensure_indexes()
        yield messages, queries
    finally:
        await client.drop_database(name)
        await client.close()
        await state.close()


async def test_hot_path_queries_have_an_index(store: tuple[Any, Queries]) -> None:
    messages, queries = store
    cid, a, b = "si_a_b", "a", "b"
    batch = chat_batch(cid, a, [a, b], [f"m{i}" for i in range(5)])
    batch.hidden.append(HiddenMark(b, cid, 2))
    await messages.write(batch)
    stored = [(m.sender_id, m.client_msg_id) for m in batch.messages]
    queries.seen.clear()

    assert len(await messages.find_by_client_ids([*stored[:3], (a, "unknown")])) == 3
    assert len(await messages.find_by_client_ids(stored[:1])) == 1
    assert [m.seq for m in await messages.get_range(cid, 1, 5)] == [1, 2, 3, 4, 5]
    assert (await messages.get_one(cid, 3)) is not None
    assert await messages.hidden_seqs(b, cid, 1, 5) == {2}
    assert await messages.count_unread(cid, b, 0, 5) == 4
    assert await messages.max_seq(cid) == 5

    leading: dict[str, set[str]] = {}
    for col in (messages.messages, messages.hidden):
        info = await col.index_information()
        leading[col.name] = {spec["key"][0][0] for spec in info.values()}
    assert len(queries.seen) >= 7, queries.seen
    unserved = [(c, f) for c, f in queries.seen if not served(f, leading[c])]
    assert not unserved
    # The check does fail where no index leads with the field.
    assert not served({"search_text": {"$regex": "x"}}, leading["messages"])
    assert not served({"$or": [{"sender_id": a}, {"status": 1}]}, leading["messages"])
