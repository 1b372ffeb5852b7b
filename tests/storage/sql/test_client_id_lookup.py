"""The writer's duplicate check over more keys than one statement takes, with
repeated keys and batch sizes between the prepared statement sizes."""

from __future__ import annotations

from pathlib import Path

from parley.storage.batch import WriteBatch
from parley.storage.sql import open_sql
from parley.storage.sql.engine import sqlite_url
from parley.storage.sql.messages import LOOKUP_CHUNK
from tests.storage.contracts.rows import conversation, message


async def test_lookup_finds_exactly_the_stored_keys(tmp_path: Path) -> None:
    stores = await open_sql(sqlite_url(tmp_path), "NORMAL")
    try:
        stored = LOOKUP_CHUNK + 100
        batch = WriteBatch()
        for seq in range(1, stored + 1):
            batch.messages.append(message("c1", seq, f"u{seq % 7}", cmid=f"k{seq}"))
        batch.conversations["c1"] = conversation("c1", stored)
        await stores.messages.write(batch)
        found = [(f"u{seq % 7}", f"k{seq}") for seq in range(1, stored + 1)]
        # Another sender's client id, and unknown ids, are not found.
        missing = [("u0", "k1"), ("nobody", "k2"), ("u1", "k-unknown")]
        keys = found + missing + found[:10]
        got = await stores.messages.find_by_client_ids(keys)
        assert sorted(got) == sorted(found)
        assert all(got[(f"u{s % 7}", f"k{s}")].seq == s for s in range(1, stored + 1))
        for n in (1, 2, 3, 5, 17):  # between the statement sizes (powers of two)
            assert sorted(await stores.messages.find_by_client_ids(found[:n] + missing)) == sorted(
                found[:n]
            )
        assert await stores.messages.find_by_client_ids([]) == {}
    finally:
        await stores.close()
