"""The SQLite database of one user, run on a dedicated thread.

Every query runs on one thread that owns the connection, so the event loop
never blocks on disk and writes are serialized. `Store.run` executes a
function with a `Tx` inside one transaction.
"""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from parley_sdk.store import conversations, groups, messages, relations, search, sync_state, users
from parley_sdk.store.tx import Tx

T = TypeVar("T")
SCHEMA_VERSION = "1"
# In dependency order: the search triggers refer to the messages table.
_SCHEMA = "".join(
    part.SCHEMA for part in (sync_state, messages, conversations, users, relations, groups, search)
)


class Store:
    """The SQLite database of one user, used from asyncio."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._trigram = False
        self._thread: threading.Thread | None = None

    async def open(self) -> None:
        """Opens (creating if needed) the database."""
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parley-store")
        await self._submit(self._open_sync)

    def _open_sync(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        self._trigram = search.create_index(conn)
        conn.executescript(_SCHEMA)
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
        )
        self._conn = conn
        self._thread = threading.current_thread()

    async def _submit(self, fn: Callable[[], T]) -> T:
        if self._executor is None:
            raise RuntimeError("store is closed")
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        return await loop.run_in_executor(self._executor, ctx.run, fn)

    async def run(self, fn: Callable[[Tx], T]) -> T:
        """Runs `fn` in one transaction on the store's thread; rolls back if it raises."""

        def work() -> T:
            conn = self._conn
            if conn is None:
                raise RuntimeError("store is closed")
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(Tx(conn, self._trigram))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        return await self._submit(work)

    async def close(self) -> None:
        """Closes the database."""
        if self._executor is None:
            return

        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await self._submit(shut)
        self._executor.shutdown(wait=True)
        self._executor = None
