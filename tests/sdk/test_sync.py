"""Sync by seq: offline backlogs pulled in pages, gaps behind pushes pulled,
placeholders and cleared history, and the local store equal to the server's."""

from __future__ import annotations

from pathlib import Path

from parley.gateway.v1 import gateway_pb2
from parley_sdk import ConnectionState, MessageStatus, ParleyClient, SyncOptions
from parley_sdk.sync import MAX_RANGE, MAX_RANGES, split_ranges
from tests.harness import Api, ServerProcess
from tests.sdk.helpers import (
    Account,
    P,
    Recorder,
    accounts,
    assert_matches_server,
    eventually,
    open_client,
    send_many,
    token_for,
)


def test_split_ranges_respects_the_server_limits() -> None:
    calls = split_ranges([("a", 1, 2050), ("b", 5, 5), ("c", 101, 300)], MAX_RANGE, MAX_RANGES)
    pages = [p for call in calls for p in call]
    assert all(len(call) <= MAX_RANGES for call in calls)
    assert all(hi - lo + 1 <= MAX_RANGE for _, lo, hi in pages)
    assert sum(hi - lo + 1 for _, lo, hi in pages) == 2050 + 1 + 200
    assert pages[0] == ("a", 1, 100) and pages[20] == ("a", 2001, 2050)
    assert len(calls) == 2  # 21 + 1 + 2 pages
    assert split_ranges([], 100, 20) == []


def assert_in_seq_order(rec: Recorder) -> None:
    last: dict[str, int] = {}
    for m in rec.new:
        assert m.seq > last.get(m.conversation_id, 0), f"out of order: {m.conversation_id}#{m.seq}"
        last[m.conversation_id] = m.seq


async def test_offline_backlog_is_pulled_in_pages(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    a, b, c = await accounts(api, 3, "bk")
    await send_many(api, a, b.user_id, [f"from a {i}" for i in range(250)])
    await send_many(api, c, b.user_id, [f"from c {i}" for i in range(30)])
    rec = Recorder()
    # Small pages so the backlog takes many calls of several ranges each.
    paging = SyncOptions(range_size=10, ranges_per_call=3, concurrency=2)
    async with open_client(server.address, b, tmp_path, "b", recorder=rec, sync=paging) as cb:
        await cb.wait_synced(30)
        assert len(rec.user_messages()) == 280
        assert cb.syncer.pull_calls >= 28 // 3
        assert_in_seq_order(rec)
        rec.assert_no_duplicates()
        compared = await assert_matches_server(api, cb, b)
        assert compared == 280
        convs = await cb.get_conversations()
        unread = {x.peer_user_id: x.unread_count for x in convs}
        assert unread == {a.user_id: 250, c.user_id: 30}
        assert await cb.get_total_unread() == 280
    # Reopening syncs nothing new and reports nothing twice.
    rec2 = Recorder()
    async with open_client(server.address, b, tmp_path, "b", recorder=rec2) as cb:
        await cb.wait_synced(10)
        assert rec2.new == [] and cb.syncer.pull_calls == 0
        assert len(await cb.get_history(cb.conversation_with(a.user_id), limit=1000)) == 250


class DropPushes:
    """Wraps a client's connection handler and drops some message pushes."""

    def __init__(self, client: ParleyClient, drop: int) -> None:
        self.client = client
        self.drop = drop
        self.dropped: list[int] = []

    async def on_session(self, session: gateway_pb2.SessionFrame) -> None:
        await self.client.on_session(session)

    def on_frame(self, frame: gateway_pb2.ServerFrame) -> None:
        if frame.HasField("message") and len(self.dropped) < self.drop:
            self.dropped.append(frame.message.message.seq)
            return
        self.client.on_frame(frame)

    def on_state(self, state: ConnectionState, detail: str) -> None:
        self.client.on_state(state, detail)

    def on_kicked(self, reason: str, by_platform: int) -> None:
        self.client.on_kicked(reason, by_platform)


async def test_gap_behind_a_push_is_pulled(server: ServerProcess, api: Api, tmp_path: Path) -> None:
    a, b = await accounts(api, 2, "gap")
    rec = Recorder()
    async with (
        open_client(server.address, a, tmp_path, "a") as ca,
        open_client(server.address, b, tmp_path, "b", recorder=rec) as cb,
    ):
        await ca.wait_synced(10)
        await cb.wait_synced(10)
        lossy = DropPushes(cb, drop=4)
        cb.conn.handler = lossy
        cid = ca.conversation_with(b.user_id)
        for i in range(5):
            await ca.send_text(cid, f"n{i}")
        await eventually(lambda: len(rec.user_messages()) == 5, what="gap filled")
        assert lossy.dropped == [1, 2, 3, 4]
        assert [m.seq for m in rec.user_messages()] == [1, 2, 3, 4, 5]
        assert cb.syncer.pull_calls >= 1
        rec.assert_no_duplicates()
        await assert_matches_server(api, cb, b)


async def test_placeholders_and_changes_made_while_offline(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    a, b = await accounts(api, 2, "ph")
    async with open_client(server.address, b, tmp_path, "b") as cb:
        await cb.wait_synced(10)
    async with open_client(server.address, a, tmp_path, "a") as ca:
        await ca.wait_synced(10)
        cid = ca.conversation_with(b.user_id)
        sent = [await ca.send_text(cid, f"msg {i}") for i in range(6)]
        await ca.delete_messages(cid, [sent[1].seq, sent[2].seq], for_everyone=True)
        await ca.revoke_message(cid, sent[3].seq)
        await ca.edit_message(cid, sent[4].seq, "msg 4 (edited)")
    rec = Recorder()
    async with open_client(server.address, b, tmp_path, "b", recorder=rec) as cb:
        await cb.wait_synced(10)
        await cb.wait_idle()
        # Deleted seqs come as placeholders: counted as received, never shown.
        assert cb.syncer.synced[cid] == 9
        seqs = [m.seq for m in rec.user_messages()]
        assert seqs == [1, 4, 5, 6]
        history = await cb.get_history(cid)
        assert [m.text for m in history] == [
            "msg 0",
            "[message revoked]",
            "msg 4 (edited)",
            "msg 5",
        ]
        assert history[1].status == MessageStatus.REVOKED
        conv = await cb.get_conversation(cid)
        assert conv is not None and conv.unread_count == 3  # revoked does not count
        await assert_matches_server(api, cb, b)


async def test_history_cleared_on_another_device(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    a, b = await accounts(api, 2, "cl")
    b_tab = Account(b.user_id, await token_for(api, b.user_id, P.PLATFORM_IPAD), P.PLATFORM_IPAD)
    async with (
        open_client(server.address, a, tmp_path, "a") as ca,
        open_client(server.address, b, tmp_path, "phone") as phone,
    ):
        await ca.wait_synced(10)
        cid = ca.conversation_with(b.user_id)
        for i in range(4):
            await ca.send_text(cid, f"before {i}")
        # A second device of Bob has them too, then goes offline.
        async with open_client(server.address, b_tab, tmp_path, "tablet") as tablet:
            await tablet.wait_synced(10)
            await eventually(lambda: tablet.syncer.synced.get(cid, 0) == 4, what="tablet sync")
        await phone.wait_synced(10)
        await eventually(lambda: phone.syncer.synced.get(cid, 0) == 4, what="phone sync")
        await phone.clear_conversation(cid)
        await ca.send_text(cid, "after")
        rec = Recorder()
        async with open_client(server.address, b_tab, tmp_path, "tablet", recorder=rec) as tablet:
            await tablet.wait_synced(10)
            await eventually(lambda: rec.texts() == ["after"], what="only the new message")
            assert [m.text for m in await tablet.get_history(cid)] == ["after"]
            conv = await tablet.get_conversation(cid)
            assert conv is not None and conv.min_seq == 5 and conv.unread_count == 1
            await assert_matches_server(api, tablet, b)
