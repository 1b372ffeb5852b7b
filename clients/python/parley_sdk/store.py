"""The local store: one SQLite database per user (path chosen by the app).

Every query runs on one dedicated thread that owns the connection, so the
event loop never blocks on disk and writes are serialized. `Store.run` executes
a function with a `Tx` inside one transaction.
"""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from parley.msg.v1 import message_pb2
from parley_sdk.content import CONTROL_EVENTS, search_text
from parley_sdk.convert import message_from_proto, message_to_proto
from parley_sdk.models import (
    BlockedUser,
    ChatMessage,
    Conversation,
    Friend,
    FriendApplication,
    Group,
    GroupMember,
    MessageStatus,
    SendStatus,
    UserProfile,
)

T = TypeVar("T")
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
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
CREATE TABLE IF NOT EXISTS users (
  user_id TEXT PRIMARY KEY,
  nickname TEXT NOT NULL DEFAULT '',
  avatar_url TEXT NOT NULL DEFAULT '',
  extension TEXT NOT NULL DEFAULT '',
  create_time_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS friends (
  user_id TEXT PRIMARY KEY,
  remark TEXT NOT NULL DEFAULT '',
  create_time_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS friend_applications (
  from_user_id TEXT NOT NULL,
  to_user_id TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  state INTEGER NOT NULL DEFAULT 1,
  response_message TEXT NOT NULL DEFAULT '',
  create_time_ms INTEGER NOT NULL DEFAULT 0,
  handle_time_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (from_user_id, to_user_id)
);
CREATE TABLE IF NOT EXISTS blacklist (
  user_id TEXT PRIMARY KEY,
  create_time_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS groups (
  group_id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  avatar_url TEXT NOT NULL DEFAULT '',
  intro TEXT NOT NULL DEFAULT '',
  announcement TEXT NOT NULL DEFAULT '',
  owner_user_id TEXT NOT NULL DEFAULT '',
  join_policy INTEGER NOT NULL DEFAULT 0,
  invite_policy INTEGER NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 1,
  member_count INTEGER NOT NULL DEFAULT 0,
  extension TEXT NOT NULL DEFAULT '',
  creator_user_id TEXT NOT NULL DEFAULT '',
  create_time_ms INTEGER NOT NULL DEFAULT 0,
  joined INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS group_members (
  group_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role INTEGER NOT NULL DEFAULT 1,
  nickname TEXT NOT NULL DEFAULT '',
  group_nickname TEXT NOT NULL DEFAULT '',
  join_time_ms INTEGER NOT NULL DEFAULT 0,
  mute_end_time_ms INTEGER NOT NULL DEFAULT 0,
  inviter_user_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (group_id, user_id)
);
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

_CONV_COLUMNS = [f.name for f in fields(Conversation) if f.name != "latest_message"]
_GROUP_COLUMNS = [f.name for f in fields(Group)]
_MEMBER_COLUMNS = [f.name for f in fields(GroupMember)]
_APP_COLUMNS = [f.name for f in fields(FriendApplication)]
_USER_COLUMNS = [f.name for f in fields(UserProfile)]
_MSG_SELECT = "SELECT local_id, seq, send_status, error, body FROM messages"
# History order: stored messages by seq, then messages still being sent.
_HISTORY_ORDER = "CASE WHEN seq = 0 THEN 1 ELSE 0 END, seq, local_id"


def _message(row: sqlite3.Row) -> ChatMessage:
    msg = message_from_proto(message_pb2.Message.FromString(row["body"]))
    msg.local_id = row["local_id"]
    msg.seq = row["seq"]
    msg.send_status = SendStatus(row["send_status"])
    msg.error = row["error"]
    return msg


def _conversation(row: sqlite3.Row) -> Conversation:
    values = {k: row[k] for k in _CONV_COLUMNS}
    values["pinned"] = bool(values["pinned"])
    values["has_unread_mention"] = bool(values["has_unread_mention"])
    return Conversation(**values)


def fts_query(terms: Sequence[str], trigram: bool) -> str:
    """An FTS5 MATCH expression finding every term (as a substring with
    the trigram tokenizer, as a word prefix otherwise)."""
    quoted = ['"' + t.replace('"', '""') + '"' for t in terms]
    if not trigram:
        quoted = [q + "*" for q in quoted]
    return " AND ".join(quoted)


class Tx:
    """Synchronous queries over the connection; only used on the store's thread."""

    def __init__(self, conn: sqlite3.Connection, trigram: bool) -> None:
        self.conn = conn
        self.trigram = trigram

    def _one(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, tuple(args)).fetchone()
        return row

    def _all(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return list(self.conn.execute(sql, tuple(args)).fetchall())

    # -- meta ---------------------------------------------------------------

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

    # -- messages -----------------------------------------------------------

    def message_by_client_id(self, sender_id: str, client_msg_id: str) -> ChatMessage | None:
        """The message a sender sent with a client id."""
        row = self._one(
            f"{_MSG_SELECT} WHERE sender_id = ? AND client_msg_id = ?", (sender_id, client_msg_id)
        )
        return None if row is None else _message(row)

    def message_at(self, conversation_id: str, seq: int) -> ChatMessage | None:
        """The message stored at a seq."""
        row = self._one(
            f"{_MSG_SELECT} WHERE conversation_id = ? AND seq = ?", (conversation_id, seq)
        )
        return None if row is None else _message(row)

    def message_by_local_id(self, local_id: int) -> ChatMessage | None:
        """The message with a local id."""
        row = self._one(f"{_MSG_SELECT} WHERE local_id = ?", (local_id,))
        return None if row is None else _message(row)

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
            f"{_MSG_SELECT} WHERE {cond} ORDER BY CASE WHEN seq = 0 THEN 1 ELSE 0 END DESC, "
            "seq DESC, local_id DESC LIMIT ?",
            (*args, limit),
        )
        return [_message(r) for r in reversed(rows)]

    def seqs_of(self, conversation_id: str) -> list[int]:
        """Seqs of the stored messages of a conversation."""
        rows = self._all(
            "SELECT seq FROM messages WHERE conversation_id = ? AND seq > 0 ORDER BY seq",
            (conversation_id,),
        )
        return [int(r["seq"]) for r in rows]

    def stored_messages(self, conversation_id: str) -> list[ChatMessage]:
        """Every stored message and event of a conversation, in seq order."""
        rows = self._all(
            f"{_MSG_SELECT} WHERE conversation_id = ? ORDER BY {_HISTORY_ORDER}",
            (conversation_id,),
        )
        return [_message(r) for r in rows]

    def latest_message(self, conversation_id: str) -> ChatMessage | None:
        """The newest message shown in a conversation list (no control events)."""
        row = self._one(
            f"{_MSG_SELECT} WHERE conversation_id = ? AND control = 0 "
            "ORDER BY CASE WHEN seq = 0 THEN 1 ELSE 0 END DESC, seq DESC, local_id DESC LIMIT 1",
            (conversation_id,),
        )
        return None if row is None else _message(row)

    def count_unread(self, conversation_id: str, after_seq: int, me: str) -> tuple[int, bool]:
        """(unread messages above `after_seq` not sent by `me`, any mentions me)."""
        row = self._one(
            "SELECT COUNT(*) AS n, MAX(mentions_me) AS mention FROM messages "
            "WHERE conversation_id = ? AND seq > ? AND counts_unread = 1 AND status = 1 "
            "AND sender_id != ?",
            (conversation_id, after_seq, me),
        )
        if row is None:
            return 0, False
        return int(row["n"]), bool(row["mention"])

    def messages_with_status(self, send_status: SendStatus) -> list[ChatMessage]:
        """Messages in a local send state."""
        rows = self._all(
            f"{_MSG_SELECT} WHERE send_status = ? ORDER BY local_id", (int(send_status),)
        )
        return [_message(r) for r in rows]

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
        return [_message(r) for r in rows]

    # -- conversations ------------------------------------------------------

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

    def set_pending_read(self, conversation_id: str, seq: int) -> None:
        """Remembers a mark-read the server has not confirmed yet (0 clears it)."""
        if seq == 0:
            self.conn.execute(
                "UPDATE conversations SET pending_read_seq = 0 WHERE conversation_id = ?",
                (conversation_id,),
            )
            return
        self.conn.execute(
            "UPDATE conversations SET pending_read_seq = MAX(pending_read_seq, ?) "
            "WHERE conversation_id = ?",
            (seq, conversation_id),
        )

    def clear_pending_read(self, conversation_id: str, upto: int) -> None:
        """Forgets a pending mark-read once the server confirmed up to `upto`."""
        self.conn.execute(
            "UPDATE conversations SET pending_read_seq = 0 "
            "WHERE conversation_id = ? AND pending_read_seq <= ?",
            (conversation_id, upto),
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

    def pending_reads(self) -> list[tuple[str, int]]:
        """Conversations marked read locally but not yet on the server."""
        rows = self._all(
            "SELECT conversation_id, pending_read_seq FROM conversations WHERE pending_read_seq > 0"
        )
        return [(str(r["conversation_id"]), int(r["pending_read_seq"])) for r in rows]

    # -- users --------------------------------------------------------------

    def save_user(self, user: UserProfile) -> None:
        """Caches a profile."""
        cols = ", ".join(_USER_COLUMNS)
        marks = ", ".join("?" for _ in _USER_COLUMNS)
        self.conn.execute(
            f"INSERT OR REPLACE INTO users({cols}) VALUES ({marks})",
            [getattr(user, c) for c in _USER_COLUMNS],
        )

    def user(self, user_id: str) -> UserProfile | None:
        """A cached profile."""
        row = self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else UserProfile(**{c: row[c] for c in _USER_COLUMNS})

    def users(self, user_ids: Sequence[str]) -> list[UserProfile]:
        """Cached profiles of the given users (unknown ones omitted)."""
        out = []
        for u in user_ids:
            p = self.user(u)
            if p is not None:
                out.append(p)
        return out

    # -- friends, applications, blacklist -----------------------------------

    def save_friend(self, user_id: str, remark: str | None, create_time_ms: int) -> None:
        """Adds or updates a friend (a None remark keeps the current one)."""
        self.conn.execute(
            "INSERT INTO friends(user_id, remark, create_time_ms) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET "
            "remark = COALESCE(?, remark), "
            "create_time_ms = MAX(create_time_ms, excluded.create_time_ms)",
            (user_id, remark or "", create_time_ms, remark),
        )

    def set_friend_remark(self, user_id: str, remark: str) -> None:
        """Changes a friend's remark."""
        self.conn.execute("UPDATE friends SET remark = ? WHERE user_id = ?", (remark, user_id))

    def delete_friend(self, user_id: str) -> None:
        """Removes a friend."""
        self.conn.execute("DELETE FROM friends WHERE user_id = ?", (user_id,))

    def replace_friends(self, friends: Sequence[Friend]) -> None:
        """Replaces the whole friend list."""
        self.conn.execute("DELETE FROM friends")
        for f in friends:
            self.save_user(f.user)
            self.save_friend(f.user.user_id, f.remark, f.create_time_ms)

    def friends(self) -> list[Friend]:
        """The friend list."""
        rows = self._all(
            "SELECT f.user_id, f.remark, f.create_time_ms, u.nickname, u.avatar_url, "
            "u.extension, u.create_time_ms AS u_time FROM friends f "
            "LEFT JOIN users u ON u.user_id = f.user_id ORDER BY f.user_id"
        )
        return [
            Friend(
                user=UserProfile(
                    user_id=r["user_id"],
                    nickname=r["nickname"] or "",
                    avatar_url=r["avatar_url"] or "",
                    extension=r["extension"] or "",
                    create_time_ms=r["u_time"] or 0,
                ),
                remark=r["remark"],
                create_time_ms=r["create_time_ms"],
            )
            for r in rows
        ]

    def is_friend(self, user_id: str) -> bool:
        """Whether the user is in the local friend list."""
        return self._one("SELECT 1 FROM friends WHERE user_id = ?", (user_id,)) is not None

    def save_application(self, app: FriendApplication) -> None:
        """Adds or replaces a friend application."""
        cols = ", ".join(_APP_COLUMNS)
        marks = ", ".join("?" for _ in _APP_COLUMNS)
        self.conn.execute(
            f"INSERT OR REPLACE INTO friend_applications({cols}) VALUES ({marks})",
            [getattr(app, c) for c in _APP_COLUMNS],
        )

    def application(self, from_user_id: str, to_user_id: str) -> FriendApplication | None:
        """One friend application."""
        row = self._one(
            "SELECT * FROM friend_applications WHERE from_user_id = ? AND to_user_id = ?",
            (from_user_id, to_user_id),
        )
        return None if row is None else FriendApplication(**{c: row[c] for c in _APP_COLUMNS})

    def applications(
        self, *, to_user_id: str = "", from_user_id: str = ""
    ) -> list[FriendApplication]:
        """Friend applications received by / sent by a user, newest first."""
        col, val = ("to_user_id", to_user_id) if to_user_id else ("from_user_id", from_user_id)
        rows = self._all(
            f"SELECT * FROM friend_applications WHERE {col} = ? ORDER BY create_time_ms DESC",
            (val,),
        )
        return [FriendApplication(**{c: r[c] for c in _APP_COLUMNS}) for r in rows]

    def replace_applications(
        self, column: str, user_id: str, apps: Sequence[FriendApplication]
    ) -> None:
        """Replaces the applications a user received (`to_user_id`) or sent (`from_user_id`)."""
        assert column in ("to_user_id", "from_user_id")
        self.conn.execute(f"DELETE FROM friend_applications WHERE {column} = ?", (user_id,))
        for a in apps:
            self.save_application(a)

    def block(self, user_id: str, create_time_ms: int) -> None:
        """Adds a user to the blacklist."""
        self.conn.execute(
            "INSERT OR REPLACE INTO blacklist(user_id, create_time_ms) VALUES (?, ?)",
            (user_id, create_time_ms),
        )

    def unblock(self, user_id: str) -> None:
        """Removes a user from the blacklist."""
        self.conn.execute("DELETE FROM blacklist WHERE user_id = ?", (user_id,))

    def replace_blacklist(self, users: Sequence[BlockedUser]) -> None:
        """Replaces the whole blacklist."""
        self.conn.execute("DELETE FROM blacklist")
        for u in users:
            self.block(u.user_id, u.create_time_ms)

    def blacklist(self) -> list[BlockedUser]:
        """The blacklist."""
        rows = self._all("SELECT * FROM blacklist ORDER BY create_time_ms DESC, user_id")
        return [BlockedUser(r["user_id"], r["create_time_ms"]) for r in rows]

    # -- groups -------------------------------------------------------------

    def save_group(self, group: Group) -> None:
        """Adds or replaces a group."""
        cols = ", ".join(_GROUP_COLUMNS)
        marks = ", ".join("?" for _ in _GROUP_COLUMNS)
        values = [getattr(group, c) for c in _GROUP_COLUMNS]
        values = [int(v) if isinstance(v, bool) else v for v in values]
        self.conn.execute(f"INSERT OR REPLACE INTO groups({cols}) VALUES ({marks})", values)

    def group(self, group_id: str) -> Group | None:
        """One cached group."""
        row = self._one("SELECT * FROM groups WHERE group_id = ?", (group_id,))
        if row is None:
            return None
        values = {c: row[c] for c in _GROUP_COLUMNS}
        values["joined"] = bool(values["joined"])
        return Group(**values)

    def groups(self, joined_only: bool = True) -> list[Group]:
        """Cached groups (by default only those the user belongs to)."""
        sql = "SELECT group_id FROM groups"
        if joined_only:
            sql += " WHERE joined = 1"
        out = []
        for r in self._all(sql + " ORDER BY name, group_id"):
            g = self.group(r["group_id"])
            if g is not None:
                out.append(g)
        return out

    def set_joined_groups(self, groups: Sequence[Group]) -> None:
        """Replaces the set of joined groups."""
        self.conn.execute("UPDATE groups SET joined = 0")
        for g in groups:
            self.save_group(g)

    def save_member(self, member: GroupMember) -> None:
        """Adds or replaces a group member."""
        cols = ", ".join(_MEMBER_COLUMNS)
        marks = ", ".join("?" for _ in _MEMBER_COLUMNS)
        self.conn.execute(
            f"INSERT OR REPLACE INTO group_members({cols}) VALUES ({marks})",
            [getattr(member, c) for c in _MEMBER_COLUMNS],
        )

    def member(self, group_id: str, user_id: str) -> GroupMember | None:
        """One cached member."""
        row = self._one(
            "SELECT * FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
        )
        return None if row is None else GroupMember(**{c: row[c] for c in _MEMBER_COLUMNS})

    def members(self, group_id: str) -> list[GroupMember]:
        """Cached members of a group: owner, admins, then members."""
        rows = self._all(
            "SELECT * FROM group_members WHERE group_id = ? "
            "ORDER BY role DESC, join_time_ms, user_id",
            (group_id,),
        )
        return [GroupMember(**{c: r[c] for c in _MEMBER_COLUMNS}) for r in rows]

    def delete_members(self, group_id: str, user_ids: Sequence[str] | None = None) -> None:
        """Removes members (all when `user_ids` is None)."""
        if user_ids is None:
            self.conn.execute("DELETE FROM group_members WHERE group_id = ?", (group_id,))
            return
        for u in user_ids:
            self.conn.execute(
                "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, u)
            )

    def replace_members(self, group_id: str, members: Sequence[GroupMember]) -> None:
        """Replaces a group's member list."""
        self.delete_members(group_id)
        for m in members:
            self.save_member(m)


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
        try:
            conn.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts "
                "USING fts5(search, tokenize='trigram')"
            )
        except sqlite3.OperationalError:
            conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(search)")
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'messages_fts'").fetchone()[
            0
        ]
        self._trigram = "trigram" in str(sql)
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
