"""Every SQL statement of the send, push, pull and sync paths is served by an
index: a real server (in this process, so that its engine can be listened
to) on a seeded database of the test's own, driven over gRPC by real
clients; every statement it issues is captured, then planned by the engine
itself (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL and MariaDB).
A full scan of a table that grows with use fails the test.

How each engine is asked:
- SQLite plans without statistics (the server never runs ANALYZE), from the
  query's shape and the indexes alone: the plan seen here is the plan a
  grown database gets.
- MariaDB plans by statistics: the database is seeded (20,000 messages,
  4,000 users and their conversations, groups) and analysed, so a selective
  lookup is planned as on a grown database.
- PostgreSQL plans by cost, with `enable_seqscan` off: a sequential scan is
  then chosen only when no index can serve the query, so it shows up exactly
  when an index is missing or unusable, whatever the row counts and however
  far autovacuum got on the shared engine (with real statistics, a row
  count where the planner prefers the index is a guess that may flip between
  runs). A plan that reads a whole index (an index scan without an index
  condition) counts as a full scan too. With realistic statistics PostgreSQL
  takes an index that can serve a selective lookup; what must be proven is
  that one can."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

from parley.app import start_app
from parley.common.v1 import common_pb2
from parley.config import Settings
from parley.config.settings import HookSettings, MessageSettings, StorageSettings
from parley.conversation.v1 import conversation_pb2
from parley.gateway.v1 import gateway_pb2
from parley.group.v1 import group_pb2, group_pb2_grpc
from parley.ids import single_conversation_id
from parley.msg.v1 import msg_pb2
from parley.storage.sql import open_sql
from parley.storage.sql.engine import make_engine, sqlite_url
from parley.storage.sql.schema import (
    ConversationRow,
    GroupMemberRow,
    GroupRow,
    HiddenMessageRow,
    MessageRow,
    UserConversationRow,
    UserRow,
)
from tests.harness import Api, Device, bearer, new_user_id
from tests.hooks.receiver import HookReceiver
from tests.storage.sql.databases import fresh_database

P = common_pb2.Platform
ST = common_pb2.SessionType

# Tables that do not grow with use: a scan of them costs the same forever.
FIXED_TABLES = {"alembic_version"}
GROWING = set(SQLModel.metadata.tables) - FIXED_TABLES

USERS = 4_000
PER_CONVERSATION = 10  # messages in each of the USERS / 2 seeded conversations
GROUPS, GROUP_SIZE = 20, 100
HOOK_SECRET = "plans-hook-secret"


@dataclass
class Statement:
    sql: str
    params: Any
    step: str  # what drove it first, for the failure message


@dataclass
class Capture:
    """The distinct statements an engine runs while `step` is set."""

    step: str = ""
    statements: dict[str, Statement] = field(default_factory=dict)

    def __call__(
        self, conn: Any, cursor: Any, sql: str, params: Any, context: Any, executemany: bool
    ) -> None:
        if not self.step or not re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE)\b", sql, re.I):
            return
        self.statements.setdefault(
            sql, Statement(sql, params[0] if executemany else params, self.step)
        )


def seed_rows() -> dict[Any, list[dict[str, Any]]]:
    """A database in use: users chatting in pairs, delete-for-me marks,
    groups with members."""
    users = [f"seed{i:05d}" for i in range(USERS)]
    rows: dict[Any, list[dict[str, Any]]] = {
        UserRow: [{"user_id": u, "nickname": u, "create_time_ms": i} for i, u in enumerate(users)],
        ConversationRow: [],
        UserConversationRow: [],
        MessageRow: [],
        HiddenMessageRow: [],
        GroupRow: [],
        GroupMemberRow: [],
    }
    for a, b in zip(users[0::2], users[1::2], strict=True):
        cid = single_conversation_id(a, b)
        rows[ConversationRow].append(
            {"conversation_id": cid, "session_type": 1, "max_seq": PER_CONVERSATION, "version": 1}
        )
        for me, peer in ((a, b), (b, a)):
            rows[UserConversationRow].append(
                {"user_id": me, "conversation_id": cid, "session_type": 1, "peer_user_id": peer}
            )
        for seq in range(1, PER_CONVERSATION + 1):
            rows[MessageRow].append(
                {
                    "conversation_id": cid,
                    "seq": seq,
                    "server_msg_id": f"{cid}-{seq}",
                    "client_msg_id": f"c{seq}",
                    "sender_id": a if seq % 2 else b,
                    "session_type": 1,
                    "server_time_ms": seq,
                    "search_text": "hello",
                    "body": b"",
                }
            )
        rows[HiddenMessageRow].append({"user_id": a, "conversation_id": cid, "seq": 1})
    for g in range(GROUPS):
        gid = f"seedgroup{g}"
        rows[GroupRow].append({"group_id": gid, "name": gid, "owner_user_id": users[g]})
        for u in users[g * GROUP_SIZE : (g + 1) * GROUP_SIZE]:
            rows[GroupMemberRow].append({"group_id": gid, "user_id": u})
    return rows


async def seed(url: str) -> None:
    stores = await open_sql(url)  # the schema, as `parley serve` builds it
    engine = stores.engine
    try:
        async with engine.begin() as conn:
            for model, rows in seed_rows().items():
                table = model.__table__
                for i in range(0, len(rows), 1_000):
                    await conn.execute(insert(table), rows[i : i + 1_000])
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(text("ANALYZE"))
            elif engine.dialect.name != "sqlite":
                await conn.execute(text(f"ANALYZE TABLE {', '.join(sorted(GROWING))}"))
    finally:
        await stores.close()


@asynccontextmanager
async def database(kind: str, service_env: dict[str, str], tmp: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        (tmp / "data").mkdir()
        yield sqlite_url(tmp / "data")
        return
    async with fresh_database(service_env, kind, prefix="plans") as url:
        yield url


async def drive(address: str, admin_secret: str, capture: Capture, hooks: HookReceiver) -> None:
    """The hot paths, as clients take them."""
    api = Api(address, admin_secret)
    await api.login_admin()
    alice, bob, carol = new_user_id("alice"), new_user_id("bob"), new_user_id("carol")
    await api.register(alice, bob, carol)
    tokens = {u: await api.token(u) for u in (alice, bob, carol)}
    devices = {u: Device(address, tokens[u], P.PLATFORM_IOS, f"d-{u}") for u in (alice, bob)}
    groups = group_pb2_grpc.GroupServiceStub(api.channel)
    try:
        for d in devices.values():
            await d.open()
        single = single_conversation_id(alice, bob)

        capture.step = "send (one-to-one)"
        # At once: they share a commit batch, so its duplicate check looks up several keys.
        acks = await asyncio.gather(
            *(devices[alice].send_text(bob, f"hello {i}") for i in range(4)),
            devices[bob].send_text(alice, "hello back"),
        )
        assert all(a.HasField("send_ack") for a in acks), acks
        capture.step = "send (to an offline user) and its offline push"
        ack = await devices[alice].send_text(carol, "are you there?")
        assert ack.HasField("send_ack"), ack
        await hooks.wait_for("push.offline", lambda d: d["pushes"][0]["user_id"] == carol)

        capture.step = "push: delivery ack and read mark"
        pushed = await devices[bob].next_frame("message")
        seq = pushed.message.message.seq
        ack_frame = gateway_pb2.ClientFrame()
        ack_frame.delivery_ack.conversation_id = single
        ack_frame.delivery_ack.delivered_seq = seq
        await devices[bob].post(ack_frame)
        read = gateway_pb2.ClientFrame()
        read.mark_read.conversation_id = single
        read.mark_read.has_read_seq = seq
        answer = await devices[bob].request(read)
        assert answer.HasField("mark_read_result"), answer

        capture.step = "send (group)"
        created = await groups.CreateGroup(
            group_pb2.CreateGroupRequest(name="plans", member_user_ids=[bob, carol]),
            metadata=bearer(tokens[alice]),
        )
        gid = created.group.group_id
        frame = gateway_pb2.ClientFrame()
        m = frame.send.message
        m.client_msg_id = "group-1"
        m.session_type = ST.SESSION_TYPE_GROUP
        m.group_id = gid
        m.content.text.text = "hello group"
        ack = await devices[alice].request(frame)
        assert ack.HasField("send_ack"), ack
        group_seq = ack.send_ack.ack.seq
        await devices[bob].next_frame("message")

        capture.step = "pull"
        pulled = await api.msg.PullMessages(
            msg_pb2.PullMessagesRequest(
                ranges=[
                    msg_pb2.SeqRange(conversation_id=single, begin=1, end=10),
                    msg_pb2.SeqRange(conversation_id=f"sg_{gid}", begin=1, end=group_seq),
                ]
            ),
            metadata=bearer(tokens[bob]),
        )
        assert len(pulled.results[0].messages) >= 5

        capture.step = "sync"
        meta = bearer(tokens[bob])
        await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=meta)
        await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(conversation_ids=[single]), metadata=meta)
        listed = await api.conversations.ListConversations(
            conversation_pb2.ListConversationsRequest(), metadata=meta
        )
        await api.conversations.ListConversations(
            conversation_pb2.ListConversationsRequest(since_version=max(1, listed.version - 1)),
            metadata=meta,
        )
        await api.conversations.GetConversations(
            conversation_pb2.GetConversationsRequest(conversation_ids=[single]), metadata=meta
        )
        await api.conversations.GetTotalUnread(
            conversation_pb2.GetTotalUnreadRequest(), metadata=meta
        )
        capture.step = ""
    finally:
        for d in devices.values():
            await d.close()
        await api.close()


def scanned_tables(dialect: str, plan: list[Any]) -> list[str]:
    """Growing tables the plan reads in full."""
    found: list[str] = []
    if dialect == "sqlite":
        for row in plan:
            m = re.match(r"SCAN (\w+)", row[3])
            if m and m.group(1) in GROWING:
                found.append(m.group(1))
    elif dialect == "postgresql":
        doc = plan[0][0]
        nodes = [n["Plan"] for n in (json.loads(doc) if isinstance(doc, str) else doc)]
        while nodes:
            node = nodes.pop()
            nodes.extend(node.get("Plans", []))
            rel = node.get("Relation Name")
            whole_index = node["Node Type"] in ("Index Scan", "Index Only Scan") and (
                "Index Cond" not in node
            )
            if rel in GROWING and (node["Node Type"] == "Seq Scan" or whole_index):
                found.append(rel)
    else:
        for row in plan:
            r = dict(row._mapping)
            # EXPLAIN INSERT shows the target table as type ALL: nothing is read.
            if r["select_type"] == "INSERT":
                continue
            if r["table"] in GROWING and r["type"] in ("ALL", "index"):
                found.append(r["table"])
    return found


async def explain(conn: AsyncConnection, dialect: str, st: Statement) -> list[Any]:
    prefix = {"sqlite": "EXPLAIN QUERY PLAN ", "postgresql": "EXPLAIN (FORMAT JSON) "}
    sql = prefix.get(dialect, "EXPLAIN ") + st.sql
    return list((await conn.exec_driver_sql(sql, tuple(st.params))).all())


@pytest.mark.parametrize("kind", ["sqlite", "postgres", "mysql"])
async def test_hot_paths_use_indexes(
    kind: str, service_env: dict[str, str], tmp_path: Path
) -> None:
    hooks = HookReceiver(secret=HOOK_SECRET)
    await hooks.start()
    try:
        async with database(kind, service_env, tmp_path) as url:
            await seed(url)
            settings = Settings(
                listen="127.0.0.1:0",
                data_dir=tmp_path / "data",
                storage=StorageSettings(database_url=url, sqlite_synchronous="NORMAL"),
                # Long enough for the sends made at once to share a batch.
                messages=MessageSettings(commit_delay_ms=100),
                hooks=HookSettings(url=hooks.url, secret=HOOK_SECRET, events=["push.offline"]),
            )
            app = await start_app(settings)
            capture = Capture()
            engine: AsyncEngine = app.core.stores.engine
            event.listen(engine.sync_engine, "before_cursor_execute", capture)
            try:
                await drive(
                    f"127.0.0.1:{app.port}", app.core.settings.auth.admin_secret, capture, hooks
                )
            finally:
                # Stopping flushes the writer: its last statements are captured too.
                await app.stop()
            statements = list(capture.statements.values())
            assert len(statements) > 10, [s.sql for s in statements]
            planner = make_engine(url)
            dialect = planner.dialect.name
            failures = []
            try:
                async with planner.connect() as conn:
                    if dialect == "postgresql":
                        await conn.execute(text("SET enable_seqscan = off"))
                    # The plan reader sees a scan where there is one (no index on search_text).
                    probe = Statement("SELECT seq FROM messages WHERE search_text = 'x'", (), "")
                    assert scanned_tables(dialect, await explain(conn, dialect, probe)) == [
                        "messages"
                    ]
                    for st in statements:
                        plan = await explain(conn, dialect, st)
                        scanned = scanned_tables(dialect, plan)
                        if scanned:
                            shown = "\n    ".join(str(tuple(r)) for r in plan)
                            failures.append(
                                f"[{st.step}] full scan of {scanned}:\n  {st.sql}\n    {shown}"
                            )
            finally:
                await planner.dispose()
            assert not failures, "\n\n".join(failures)
    finally:
        await hooks.stop()
