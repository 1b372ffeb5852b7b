"""Full-text search over the visible text of messages (FTS5, trigram
tokenizer when SQLite has it: substrings; word prefixes otherwise)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from parley_sdk.models import ChatMessage
from parley_sdk.store.base import Queries
from parley_sdk.store.messages import message_row

# The index follows the messages table: the triggers keep it equal to the
# `search` column, which is empty for messages that are not visible.
SCHEMA = """
CREATE TRIGGER IF NOT EXISTS messages_fts_ins AFTER INSERT ON messages
WHEN new.search != '' BEGIN
  INSERT INTO messages_fts(rowid, search) VALUES (new.local_id, new.search);
END;
CREATE TRIGGER IF NOT EXISTS messages_fts_del AFTER DELETE ON messages BEGIN
  DELETE FROM messages_fts WHERE rowid = old.local_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_fts_upd AFTER UPDATE OF search ON messages
WHEN old.search IS NOT new.search BEGIN
  DELETE FROM messages_fts WHERE rowid = old.local_id;
  INSERT INTO messages_fts(rowid, search) SELECT new.local_id, new.search WHERE new.search != '';
END;
"""


def create_index(conn: sqlite3.Connection) -> bool:
    """Creates the FTS5 table (before `SCHEMA`); True when it uses the trigram tokenizer."""
    try:
        conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(search, tokenize='trigram')"
        )
    except sqlite3.OperationalError:
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(search)")
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'messages_fts'").fetchone()[0]
    return "trigram" in str(sql)


def fts_query(terms: Sequence[str], trigram: bool) -> str:
    """An FTS5 MATCH expression finding every term (as a substring with
    the trigram tokenizer, as a word prefix otherwise)."""
    quoted = ['"' + t.replace('"', '""') + '"' for t in terms]
    if not trigram:
        quoted = [q + "*" for q in quoted]
    return " AND ".join(quoted)


class SearchQueries(Queries):
    def search(
        self, keyword: str, conversation_id: str | None, sender_id: str | None, limit: int
    ) -> list[ChatMessage]:
        """Full-text search over visible message text, newest first."""
        terms = keyword.casefold().split()
        if not terms:
            return []
        long_terms = [t for t in terms if len(t) >= 3] if self.trigram else terms
        short_terms = [t for t in terms if t not in long_terms]
        cond = ["m.search != ''"]
        args: list[Any] = []
        if long_terms:
            cond.append("m.local_id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)")
            args.append(fts_query(long_terms, self.trigram))
        for t in short_terms:
            escaped = t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            cond.append("m.search LIKE ? ESCAPE '\\'")
            args.append(f"%{escaped}%")
        if conversation_id:
            cond.append("m.conversation_id = ?")
            args.append(conversation_id)
        if sender_id:
            cond.append("m.sender_id = ?")
            args.append(sender_id)
        rows = self._all(
            "SELECT m.local_id, m.seq, m.send_status, m.error, m.body FROM messages m "
            f"WHERE {' AND '.join(cond)} ORDER BY m.server_time_ms DESC, m.local_id DESC LIMIT ?",
            (*args, limit),
        )
        return [message_row(r) for r in rows]
