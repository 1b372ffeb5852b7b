"""The grown database of `search-grown`: built once, reused, and read by a
server started on a copy of it."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bench.grown import prepare
from bench.server import LocalServer
from parley.msg.v1 import msg_pb2
from tests.harness import Api, bearer


async def test_grown_database_is_built_once_and_served(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    db = await asyncio.to_thread(prepare, 2_005, 20, cache)
    assert db.built_s > 0
    with sqlite3.connect(db.path) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("messages", "conversations", "user_conversations", "users")
        }
    assert counts == {
        "messages": 2_005,
        "conversations": 20,
        "user_conversations": 40,
        "users": 40,
    }
    again = await asyncio.to_thread(prepare, 2_005, 20, cache)
    assert (again.path, again.built_s) == (db.path, 0.0)

    server = LocalServer(database=db.path)
    target = await asyncio.to_thread(server.start)
    try:
        assert server.start_s is not None and server.start_s > 0
        api = Api(target.address, target.admin_secret)
        await api.login_admin()
        token = await api.token("grown000000")
        cid = "si_grown000000_grown000001"
        pulled = await api.msg.PullMessages(
            msg_pb2.PullMessagesRequest(
                ranges=[msg_pb2.SeqRange(conversation_id=cid, begin=1, end=200)]
            ),
            metadata=bearer(token),
        )
        got = pulled.results[0].messages
        # 2,005 over 20: the first 5 conversations hold one more.
        assert [m.seq for m in got] == list(range(1, 101))
        assert got[0].content.text.text == "message 1 of conversation 0"
        assert got[1].sender_id == "grown000001" and not got[0].placeholder
        await api.close()
    finally:
        await asyncio.to_thread(server.stop)
    # The cached file is the server's copy's origin, untouched by it.
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 2_005
