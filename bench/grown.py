"""A grown database: the SQLite file of an embedded server that has been in
use (by default 1,000,000 stored messages over 10,000 one-to-one
conversations of 20,000 users), for the `search-grown` scenario. A chat
server's database only grows, and a query that scans a table costs nothing on
the empty database of a fresh server.

It is built once per size and schema into the cache directory
(`--grown-cache`, default `$XDG_CACHE_HOME/parley-bench` or
`~/.cache/parley-bench`) and reused; each run copies it into its server's
data directory, since the server writes to it. The file name carries a
fingerprint of the schema: a schema change builds a new one."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import SQLModel

from parley.msg.v1 import message_pb2
from parley.storage.sql import schema  # noqa: F401  (registers the tables)

GROWN_SCENARIO = "search-grown"
DAY_MS = 86_400_000
# Rows per executemany: bounded memory at any size.
CHUNK = 20_000


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "parley-bench"


def schema_fingerprint() -> str:
    engine = create_engine("sqlite://")
    ddl = []
    for table in SQLModel.metadata.sorted_tables:
        ddl.append(str(CreateTable(table).compile(engine)))
        # table.indexes is a set: sorted, so the fingerprint is the same in every process.
        ddl.extend(sorted(str(CreateIndex(ix).compile(engine)) for ix in table.indexes))
    return hashlib.sha256("\n".join(ddl).encode()).hexdigest()[:10]


@dataclass
class GrownDb:
    path: Path
    messages: int
    conversations: int
    # Seconds spent building it in this run (0: taken from the cache).
    built_s: float

    def figures(self) -> dict[str, object]:
        return {
            "messages": self.messages,
            "conversations": self.conversations,
            "users": 2 * self.conversations,
            "db_mb": round(self.path.stat().st_size / 2**20, 1),
            "built_s": round(self.built_s, 1),
            "file": str(self.path),
        }


def prepare(messages: int, conversations: int, cache_dir: Path) -> GrownDb:
    """The cached database of this size, built first if it is not there."""
    conversations = max(1, min(conversations, messages))
    path = cache_dir / f"grown-{messages}m-{conversations}c-{schema_fingerprint()}.db"
    if path.exists():
        return GrownDb(path, messages, conversations, 0.0)
    cache_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.unlink(missing_ok=True)
    try:
        _build(partial, messages, conversations)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return GrownDb(path, messages, conversations, time.monotonic() - t0)


def _body(cid: str, seq: int, sender: str, recv: str, text: str, at_ms: int) -> bytes:
    msg = message_pb2.Message(
        server_msg_id=f"g{cid}-{seq}",
        client_msg_id=f"gc-{seq}",
        conversation_id=cid,
        seq=seq,
        sender_id=sender,
        recv_id=recv,
        session_type=1,  # type: ignore[arg-type]
        send_time_ms=at_ms,
        server_time_ms=at_ms,
        counts_unread=True,
    )
    msg.content.text.text = text
    return msg.SerializeToString()


def _build(path: Path, messages: int, conversations: int) -> None:
    # The schema as the server creates it (create_all on SQLite), in WAL mode.
    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        now = int(time.time() * 1000)
        start = now - 30 * DAY_MS
        per = messages // conversations
        extra = messages - per * conversations
        users, convs, members, rows = [], [], [], []
        version = 0
        for c in range(conversations):
            a, b = f"grown{2 * c:06d}", f"grown{2 * c + 1:06d}"
            users += [(a, a, start), (b, b, start)]
            cid = f"si_{a}_{b}"
            n = per + (1 if c < extra else 0)
            version += 1
            convs.append((cid, 1, n, version, now))
            members += [(a, cid, 1, b, n, n, version), (b, cid, 1, a, n, n, version)]
            for seq in range(1, n + 1):
                sender, recv = (a, b) if seq % 2 else (b, a)
                at = start + (c * 7919 + seq * 104_729) % (30 * DAY_MS)
                text = f"message {seq} of conversation {c}"
                rows.append(
                    (
                        cid,
                        seq,
                        f"g{cid}-{seq}",
                        f"gc-{seq}",
                        sender,
                        at,
                        text,
                        _body(cid, seq, sender, recv, text, at),
                    )
                )
            if len(rows) >= CHUNK:
                _insert_messages(db, rows)
                rows = []
        _insert_messages(db, rows)
        db.executemany(
            "INSERT INTO users (user_id, nickname, avatar_url, extension, create_time_ms, "
            "global_receive_option, blocked, blocked_reason, last_active_ms) "
            "VALUES (?, ?, '', '', ?, 0, 0, '', 0)",
            users,
        )
        db.executemany(
            "INSERT INTO conversations (conversation_id, session_type, max_seq, version, "
            "update_time_ms) VALUES (?, ?, ?, ?, ?)",
            convs,
        )
        db.executemany(
            "INSERT INTO user_conversations (user_id, conversation_id, session_type, "
            "peer_user_id, group_id, min_seq, has_read_seq, delivered_seq, pinned, "
            "receive_option, draft, draft_time_ms, extension, version, create_time_ms) "
            "VALUES (?, ?, ?, ?, '', 0, ?, ?, 0, 0, '', 0, '', ?, 0)",
            members,
        )
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def _insert_messages(db: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    db.executemany(
        "INSERT INTO messages (conversation_id, seq, server_msg_id, client_msg_id, sender_id, "
        "session_type, status, counts_unread, server_time_ms, search_text, body) "
        "VALUES (?, ?, ?, ?, ?, 1, 1, 1, ?, ?, ?)",
        rows,
    )
