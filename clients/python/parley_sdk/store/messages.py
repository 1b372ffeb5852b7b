"""Stored messages, the tombstones of seqs deleted for this user, and the
send state of the user's own messages."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from parley.msg.v1 import message_pb2
from parley_sdk.content import CONTROL_EVENTS, search_text
from parley_sdk.convert import message_from_proto, message_to_proto
from parley_sdk.models import ChatMessage, MessageStatus, SendStatus
from parley_sdk.store.base import Queries

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
  local_id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL DEFAULT 0,
  server_msg_id TEXT NOT NULL DEFAULT '',
  client_msg_id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT '',
  event INTEGER NOT NULL DEFAULT 0,
  control INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 1,
  send_status INTEGER NOT NULL DEFAULT 2,
  counts_unread INTEGER NOT NULL DEFAULT 0,
  mentions_me INTEGER NOT NULL DEFAULT 0,
  send_time_ms INTEGER NOT NULL DEFAULT 0,
  server_time_ms INTEGER NOT NULL DEFAULT 0,
  search TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  body BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client ON messages(sender_id, client_msg_id);
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_seq ON messages(conversation_id, seq) WHERE seq > 0;
CREATE INDEX IF NOT EXISTS messages_pending ON messages(conversation_id, seq, local_id);
CREATE TABLE IF NOT EXISTS tombstones (
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);
"""

MSG_SELECT = "SELECT local_id, seq, send_status, error, body FROM messages"
# History order: stored messages by seq, then messages still being sent.
_HISTORY_ORDER = "CASE WHEN seq = 0 THEN 1 ELSE 0 END, seq, local_id"


def message_row(row: sqlite3.Row) -> ChatMessage:
    msg = message_from_proto(message_pb2.Message.FromString(row["body"]))
    msg.local_id = row["local_id"]
    msg.seq = row["seq"]
    msg.send_status = SendStatus(row["send_status"])
    msg.error = row["error"]
    return msg


class MessageQueries(Queries):
    def message_by_client_id(self, sender_id: str, client_msg_id: str) -> ChatMessage | None:
        """The message a sender sent with a client id."""
        row = self._one(
            f"{MSG_SELECT} WHERE sender_id = ? AND client_msg_id = ?", (sender_id, client_msg_id)
        )
        return None if row is None else message_row(row)

    def message_at(self, conversation_id: str, seq: int) -> ChatMessage | None:
        """The message stored at a seq."""
        row = self._one(
            f"{MSG_SELECT} WHERE conversation_id = ? AND seq = ?", (conversation_id, seq)
        )
        return None if row is None else message_row(row)

    def message_by_local_id(self, local_id: int) -> ChatMessage | None:
        """The message with a local id."""
        row = self._one(f"{MSG_SELECT} WHERE local_id = ?", (local_id,))
        return None if row is None else message_row(row)

    def save_message(self, msg: ChatMessage) -> ChatMessage:
        """Inserts or rewrites a message (by local id); sets `msg.local_id`."""
        body = message_to_proto(msg).SerializeToString()
        kind = msg.kind
        visible = msg.status == MessageStatus.NORMAL
        values = (
            msg.conversation_id,
            msg.seq,
            msg.server_msg_id,
            msg.client_msg_id,
            msg.sender_id,
            kind,
            int(msg.is_event),
            int(kind in CONTROL_EVENTS),
            int(msg.status),
            int(msg.send_status),
            int(msg.counts_unread),
            int(msg.mentions_me),
            msg.send_time_ms,
            msg.server_time_ms,
            search_text(msg.content).casefold() if visible else "",
            msg.error,
            body,
        )
        if msg.local_id:
            self.conn.execute(
                "UPDATE messages SET conversation_id=?, seq=?, server_msg_id=?, client_msg_id=?, "
                "sender_id=?, kind=?, event=?, control=?, status=?, send_status=?, "
                "counts_unread=?, mentions_me=?, send_time_ms=?, server_time_ms=?, search=?, "
                "error=?, body=? WHERE local_id=?",
                (*values, msg.local_id),
            )
        else:
            cur = self.conn.execute(
                "INSERT INTO messages(conversation_id, seq, server_msg_id, client_msg_id, "
                "sender_id, kind, event, control, status, send_status, counts_unread, "
                "mentions_me, send_time_ms, server_time_ms, search, error, body) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                values,
            )
            msg.local_id = int(cur.lastrowid or 0)
        return msg

    def delete_message(self, local_id: int) -> None:
        """Removes a message from the store."""
        self.conn.execute("DELETE FROM messages WHERE local_id = ?", (local_id,))

    def add_tombstones(self, conversation_id: str, seqs: Iterable[int]) -> None:
        """Remembers seqs deleted for this user, so an older copy is never stored again."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO tombstones(conversation_id, seq) VALUES (?, ?)",
            [(conversation_id, s) for s in seqs],
        )

    def is_tombstone(self, conversation_id: str, seq: int) -> bool:
        """Whether the seq was deleted for this user."""
        row = self._one(
            "SELECT 1 FROM tombstones WHERE conversation_id = ? AND seq = ?", (conversation_id, seq)
        )
        return row is not None

    def delete_below(self, conversation_id: str, min_seq: int) -> int:
        """Removes the stored messages of a conversation below a seq."""
        cur = self.conn.execute(
            "DELETE FROM messages WHERE conversation_id = ? AND seq > 0 AND seq < ?",
            (conversation_id, min_seq),
        )
        return cur.rowcount

    def history(
        self,
        conversation_id: str,
        before_seq: int | None,
        limit: int,
        include_events: bool,
    ) -> list[ChatMessage]:
        """The latest `limit` messages (below `before_seq`), oldest first;
        messages being sent come last."""
        cond = "conversation_id = ? AND control = 0"
        args: list[Any] = [conversation_id]
        if not include_events:
            cond += " AND event = 0"
        if before_seq is not None:
            cond += " AND seq > 0 AND seq < ?"
            args.append(before_seq)
        rows = self._all(
            f"{MSG_SELECT} WHERE {cond} ORDER BY CASE WHEN seq = 0 THEN 1 ELSE 0 END DESC, "
            "seq DESC, local_id DESC LIMIT ?",
            (*args, limit),
        )
        return [message_row(r) for r in reversed(rows)]

    def seqs_of(self, conversation_id: str) -> list[int]:
        """Seqs of the stored messages of a conversation."""
        rows = self._all(
            "SELECT seq FROM messages WHERE conversation_id = ? AND seq > 0 ORDER BY seq",
            (conversation_id,),
        )
        return [int(r["seq"]) for r in rows]

    def control_seqs(self, conversation_id: str) -> list[int]:
        """Seqs of the stored control events (receipts, edits...) of a conversation, ascending."""
        rows = self._all(
            "SELECT seq FROM messages WHERE conversation_id = ? AND control = 1 AND seq > 0 "
            "ORDER BY seq",
            (conversation_id,),
        )
        return [int(r["seq"]) for r in rows]

    def stored_messages(self, conversation_id: str) -> list[ChatMessage]:
        """Every stored message and event of a conversation, in seq order."""
        rows = self._all(
            f"{MSG_SELECT} WHERE conversation_id = ? ORDER BY {_HISTORY_ORDER}",
            (conversation_id,),
        )
        return [message_row(r) for r in rows]

    def latest_message(self, conversation_id: str) -> ChatMessage | None:
        """The newest message shown in a conversation list (no control events)."""
        row = self._one(
            f"{MSG_SELECT} WHERE conversation_id = ? AND control = 0 "
            "ORDER BY CASE WHEN seq = 0 THEN 1 ELSE 0 END DESC, seq DESC, local_id DESC LIMIT 1",
            (conversation_id,),
        )
        return None if row is None else message_row(row)

    def messages_with_status(self, send_status: SendStatus) -> list[ChatMessage]:
        """Messages in a local send state."""
        rows = self._all(
            f"{MSG_SELECT} WHERE send_status = ? ORDER BY local_id", (int(send_status),)
        )
        return [message_row(r) for r in rows]
