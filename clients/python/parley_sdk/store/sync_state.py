"""Sync state: the key-value meta table (whose user the file is) and the
per-conversation synced seqs the sync resumes from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parley_sdk.store.base import Queries

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
"""


class SyncStateQueries(Queries):
    def get_meta(self, key: str) -> str | None:
        """A stored value of the sync state."""
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        """Stores a value of the sync state."""
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def sync_mark(self, prefixes: Sequence[str]) -> tuple[int, int]:
        """(count, sum of synced seqs) of the conversations whose id starts with
        one of `prefixes`: it changes whenever an event is applied to them."""
        cond = " OR ".join("substr(conversation_id, 1, ?) = ?" for _ in prefixes) or "0"
        args: list[Any] = []
        for p in prefixes:
            args.extend((len(p), p))
        row = self._one(
            "SELECT COUNT(*) AS n, COALESCE(SUM(synced_seq), 0) AS s FROM conversations "
            f"WHERE {cond}",
            args,
        )
        return (0, 0) if row is None else (int(row["n"]), int(row["s"]))

    def synced_seqs(self) -> dict[str, int]:
        """The synced seq of every conversation."""
        rows = self._all("SELECT conversation_id, synced_seq FROM conversations")
        return {str(r["conversation_id"]): int(r["synced_seq"]) for r in rows}
