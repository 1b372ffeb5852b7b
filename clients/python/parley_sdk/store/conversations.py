"""The conversation list: one row per conversation with its seq state,
read state and the user's settings."""

from __future__ import annotations

import sqlite3
from dataclasses import fields

from parley_sdk.models import Conversation
from parley_sdk.store.base import Queries

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
  conversation_id TEXT PRIMARY KEY,
  session_type INTEGER NOT NULL,
  peer_user_id TEXT NOT NULL DEFAULT '',
  group_id TEXT NOT NULL DEFAULT '',
  max_seq INTEGER NOT NULL DEFAULT 0,
  min_seq INTEGER NOT NULL DEFAULT 0,
  synced_seq INTEGER NOT NULL DEFAULT 0,
  has_read_seq INTEGER NOT NULL DEFAULT 0,
  pending_read_seq INTEGER NOT NULL DEFAULT 0,
  unread_count INTEGER NOT NULL DEFAULT 0,
  has_unread_mention INTEGER NOT NULL DEFAULT 0,
  peer_has_read_seq INTEGER NOT NULL DEFAULT 0,
  peer_delivered_seq INTEGER NOT NULL DEFAULT 0,
  pinned INTEGER NOT NULL DEFAULT 0,
  receive_option INTEGER NOT NULL DEFAULT 1,
  draft TEXT NOT NULL DEFAULT '',
  draft_time_ms INTEGER NOT NULL DEFAULT 0,
  extension TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL DEFAULT 0,
  update_time_ms INTEGER NOT NULL DEFAULT 0
);
"""

_CONV_COLUMNS = [f.name for f in fields(Conversation) if f.name != "latest_message"]


def _conversation(row: sqlite3.Row) -> Conversation:
    values = {k: row[k] for k in _CONV_COLUMNS}
    values["pinned"] = bool(values["pinned"])
    values["has_unread_mention"] = bool(values["has_unread_mention"])
    return Conversation(**values)


class ConversationQueries(Queries):
    def conversation(self, conversation_id: str) -> Conversation | None:
        """One conversation (without its latest message)."""
        row = self._one("SELECT * FROM conversations WHERE conversation_id = ?", (conversation_id,))
        return None if row is None else _conversation(row)

    def conversations(self) -> list[Conversation]:
        """Every conversation: pinned first, then by latest activity."""
        rows = self._all(
            "SELECT * FROM conversations ORDER BY pinned DESC, "
            "MAX(update_time_ms, draft_time_ms) DESC, conversation_id"
        )
        return [_conversation(r) for r in rows]

    def save_conversation(self, conv: Conversation) -> None:
        """Inserts or updates a conversation."""
        cols = ", ".join(_CONV_COLUMNS)
        marks = ", ".join("?" for _ in _CONV_COLUMNS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in _CONV_COLUMNS[1:])
        values = [getattr(conv, c) for c in _CONV_COLUMNS]
        values = [int(v) if isinstance(v, bool) else v for v in values]
        self.conn.execute(
            f"INSERT INTO conversations({cols}) VALUES ({marks}) "
            f"ON CONFLICT(conversation_id) DO UPDATE SET {sets}",
            values,
        )
