"""What every part of the store's transaction shares: the connection and two query helpers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any


class Queries:
    """Synchronous queries over the connection; only used on the store's thread."""

    def __init__(self, conn: sqlite3.Connection, trigram: bool) -> None:
        self.conn = conn
        self.trigram = trigram

    def _one(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, tuple(args)).fetchone()
        return row

    def _all(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(self.conn.execute(sql, tuple(args)).fetchall())
