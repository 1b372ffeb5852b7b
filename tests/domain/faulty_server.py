"""`python -m tests.domain.faulty_server serve ...`: `parley serve` whose
message store fails writes on demand, for tests of failed batches.

The store is the real SQLite one and does every write; only while the file
named by PARLEY_TEST_FAULTS exists, a write first reads it: `messages` fails
batches that hold message rows (a failed send, whose hole may still be
persisted), `all` fails every batch (its hole cannot be persisted either)."""

from __future__ import annotations

import os
from pathlib import Path

import parley.wiring
from parley.cli.main import main
from parley.storage.batch import WriteBatch
from parley.storage.sql import SqlStores, open_sql
from parley.storage.sql.messages import SqlMessageStore

CONTROL = "PARLEY_TEST_FAULTS"


class FaultyMessageStore(SqlMessageStore):
    control = Path(os.environ.get(CONTROL, "/nonexistent"))

    async def write(self, batch: WriteBatch) -> None:
        try:
            mode = self.control.read_text().strip()
        except FileNotFoundError:
            mode = ""
        if mode == "all" or (mode == "messages" and batch.messages):
            raise OSError(f"injected write failure ({mode})")
        await super().write(batch)


async def open_faulty_sql(url: str, sqlite_synchronous: str = "FULL") -> SqlStores:
    stores = await open_sql(url, sqlite_synchronous)
    stores.messages = FaultyMessageStore(stores.engine)
    return stores


if __name__ == "__main__":
    parley.wiring.open_sql = open_faulty_sql  # type: ignore[attr-defined]
    main()
