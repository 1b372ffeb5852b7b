"""Failures of the network and the server: the channel cut in the middle of a
sync, lost acks, server restarts and crashes, kicks and expired tokens.
Whatever happens, every message reaches the store and the listeners once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from parley.group.v1 import group_pb2, group_pb2_grpc
from parley_sdk import ConnectionState, MessageChange, NetworkOptions, SendStatus, SyncOptions
from tests.harness import Api, ServerProcess, bearer
from tests.sdk.helpers import (
    FAST,
    Account,
    P,
    Recorder,
    accounts,
    assert_matches_server,
    eventually,
    eventually_async,
    open_client,
    send_many,
    token_for,
)
from tests.sdk.proxy import Proxy


@pytest.fixture
async def proxy(server: ServerProcess) -> AsyncIterator[Proxy]:
    p = Proxy(lambda: server.address)
    await p.start()
    yield p
    await p.stop()


def reconnects(rec: Recorder) -> int:
    return rec.states.count(ConnectionState.CONNECTED) - 1


async def test_channel_cut_in_the_middle_of_a_sync(
    server: ServerProcess, api: Api, tmp_path: Path, proxy: Proxy
) -> None:
    a, c, b = await accounts(api, 3, "cut")
    await send_many(api, a, b.user_id, [f"a says {i:04d} " + "." * 60 for i in range(900)])
    await send_many(api, c, b.user_id, [f"c says {i:04d}" for i in range(300)])
    rec = Recorder()
    # Several calls of two ranges each, so some pages are applied before the cut.
    paging = SyncOptions(ranges_per_call=2, concurrency=2)
    cb = open_client(proxy.address, b, tmp_path, "b", recorder=rec, sync=paging)
    pulled_at_cut: list[int] = []
    proxy.on_cut = lambda: pulled_at_cut.append(cb.syncer.pulled_records)
    proxy.cut_after(150_000)  # about 60% of the backlog
    async with cb:
        await eventually(lambda: len(rec.user_messages()) == 1200, timeout=60, what="all messages")
        await cb.wait_synced(30)
        assert proxy.cuts == 1
        assert reconnects(rec) >= 1
        # The cut came while the sync was under way: some pages were in, not all.
        assert len(pulled_at_cut) == 1 and 0 < pulled_at_cut[0] < 1200, pulled_at_cut
        rec.assert_no_duplicates()
        await assert_matches_server(api, cb, b)


async def test_pushes_and_syncs_racing_under_repeated_cuts(
    server: ServerProcess, api: Api, tmp_path: Path, proxy: Proxy
) -> None:
    a, b = await accounts(api, 2, "race")
    rec = Recorder()
    async with (
        open_client(server.address, a, tmp_path, "a") as ca,
        open_client(proxy.address, b, tmp_path, "b", recorder=rec) as cb,
    ):
        await ca.wait_synced(10)
        await cb.wait_synced(10)
        cid = ca.conversation_with(b.user_id)

        async def sender() -> None:
            for i in range(120):
                sent = await ca.send_text(cid, f"tick {i}")
                assert sent.send_status == SendStatus.SENT

        task = asyncio.ensure_future(sender())
        while not task.done():
            await asyncio.sleep(0.15)
            proxy.cut()
        await task
        await eventually(lambda: len(rec.user_messages()) == 120, timeout=30, what="every tick")
        assert proxy.cuts >= 3 and reconnects(rec) >= 3
        assert [m.text for m in rec.user_messages()] == [f"tick {i}" for i in range(120)]
        rec.assert_no_duplicates()
        await cb.wait_synced(10)
        await assert_matches_server(api, cb, b)


async def test_lost_ack_is_resent_with_the_same_client_id(
    server: ServerProcess, api: Api, tmp_path: Path, proxy: Proxy
) -> None:
    a, b = await accounts(api, 2, "ack")
    ra, rb = Recorder(), Recorder()
    quick = NetworkOptions(
        heartbeat_interval=0.3,
        pong_timeout=0.7,
        backoff_initial=0.05,
        backoff_max=0.3,
        request_timeout=1.0,
    )
    async with (
        open_client(proxy.address, a, tmp_path, "a", recorder=ra, network=quick) as ca,
        open_client(server.address, b, tmp_path, "b", recorder=rb) as cb,
    ):
        await ca.wait_synced(10)
        await cb.wait_synced(10)
        cid = ca.conversation_with(b.user_id)
        proxy.blackhole = True  # the server's answers (the ack) are lost
        sending = asyncio.ensure_future(ca.send_text(cid, "are you there?"))
        await eventually(lambda: len(rb.user_messages()) == 1, what="stored and pushed to Bob")
        await eventually(
            lambda: ConnectionState.DISCONNECTED in ra.states, what="the dead stream is dropped"
        )
        proxy.blackhole = False
        proxy.cut()
        sent = await asyncio.wait_for(sending, 20)
        assert sent.send_status == SendStatus.SENT
        stored = rb.user_messages()[0]
        assert (sent.seq, sent.server_msg_id) == (stored.seq, stored.server_msg_id)
        await ca.wait_synced(10)
        await ca.wait_idle()
        # One message, shown once, marked sent once, on both sides.
        assert [m.client_msg_id for m in ra.new] == [sent.client_msg_id]
        assert [c for _, c in ra.updates] == [MessageChange.SENT]
        await cb.wait_idle()
        assert len(rb.user_messages()) == 1
        await assert_matches_server(api, ca, a)
        await assert_matches_server(api, cb, b)


async def test_a_group_whose_answer_is_lost_is_created_once(
    server: ServerProcess, api: Api, tmp_path: Path, proxy: Proxy
) -> None:
    """The SDK retries a creating call after a timeout with the same
    idempotency key: the server answers the retry with the group it made."""
    owner, member = await accounts(api, 2, "lost")
    groups = group_pb2_grpc.GroupServiceStub(api.channel)

    async def joined() -> list[str]:
        resp = await groups.ListJoinedGroups(
            group_pb2.ListJoinedGroupsRequest(), metadata=bearer(owner.token)
        )
        return [g.group_id for g in resp.groups]

    async def made() -> bool:
        return bool(await joined())

    async with open_client(proxy.address, owner, tmp_path, "o", rpc_timeout=1.0) as co:
        await co.wait_synced(10)
        co.rpc.create_attempts = 8
        proxy.blackhole = True  # the server's answers are lost
        creating = asyncio.ensure_future(co.groups.create("Lost answers", [member.user_id]))
        await eventually_async(made, what="the group made on the server")
        # Past the first attempt's deadline: the retry runs while answers are lost.
        await asyncio.sleep(1.5)
        proxy.blackhole = False
        proxy.cut()
        group = await asyncio.wait_for(creating, 30)
    assert await joined() == [group.group_id]


async def test_server_restart_and_crash(fresh_server: ServerProcess, tmp_path: Path) -> None:
    await asyncio.to_thread(fresh_server.start)
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    a, b = await accounts(api, 2, "rs")
    await api.close()

    def address() -> str:
        return fresh_server.address

    ra, rb = Recorder(), Recorder()
    async with (
        open_client(address, a, tmp_path, "a", recorder=ra) as ca,
        open_client(address, b, tmp_path, "b", recorder=rb) as cb,
    ):
        await ca.wait_synced(10)
        await cb.wait_synced(10)
        cid = ca.conversation_with(b.user_id)
        for i in range(3):
            await ca.send_text(cid, f"before {i}")
        await eventually(lambda: len(rb.user_messages()) == 3, what="first messages")

        # Graceful restart (on a new port): a message written meanwhile waits.
        await asyncio.to_thread(fresh_server.stop)
        await eventually(lambda: not ca.conn.connected and not cb.conn.connected, what="down")
        pending = asyncio.ensure_future(ca.send_text(cid, "written while down"))
        await asyncio.sleep(0.3)
        assert not pending.done()
        await asyncio.to_thread(fresh_server.start)
        sent = await asyncio.wait_for(pending, 30)
        assert sent.send_status == SendStatus.SENT and sent.seq == 4
        await eventually(lambda: len(rb.user_messages()) == 4, what="message after restart")

        # Crash (SIGKILL) right after acked sends: nothing acked is lost.
        for i in range(3):
            await ca.send_text(cid, f"acked {i}")
        await asyncio.to_thread(fresh_server.kill9)
        await asyncio.to_thread(fresh_server.start)
        await ca.wait_synced(30)
        await cb.wait_synced(30)
        await eventually(lambda: len(rb.user_messages()) == 7, what="acked messages survive")
        assert rb.texts() == [f"before {i}" for i in range(3)] + ["written while down"] + [
            f"acked {i}" for i in range(3)
        ]
        assert reconnects(ra) >= 2 and reconnects(rb) >= 2
        ra.assert_no_duplicates()
        rb.assert_no_duplicates()
        api = Api(fresh_server.address, fresh_server.admin_secret)
        await api.login_admin()
        try:
            await assert_matches_server(api, ca, a)
            await assert_matches_server(api, cb, b)
        finally:
            await api.close()


async def test_kicked_by_another_login(server: ServerProcess, api: Api, tmp_path: Path) -> None:
    (a,) = await accounts(api, 1, "kick")
    first = Recorder()
    async with open_client(server.address, a, tmp_path, "one", recorder=first) as c1:
        await c1.wait_synced(10)
        # Same platform, another device: the multi-login policy logs the first out.
        second = Account(a.user_id, await token_for(api, a.user_id, P.PLATFORM_IOS))
        async with open_client(server.address, second, tmp_path, "two") as c2:
            await c2.wait_synced(10)
            await eventually(lambda: c1.state == ConnectionState.KICKED, what="kicked")
            assert first.kicked and first.kicked[0][0] == "ERROR_REASON_KICKED"
            assert first.kicked[0][1] == P.PLATFORM_IOS
            await asyncio.sleep(0.5)
            assert c1.state == ConnectionState.KICKED and c1.conn.connects == 1
            assert c2.state == ConnectionState.CONNECTED
            # Offline reads still work for the kicked device.
            assert await c1.get_conversations() == []


async def test_expired_token_then_a_new_one(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    (a,) = await accounts(api, 1, "exp")
    short = Account(a.user_id, await token_for(api, a.user_id, P.PLATFORM_IOS, ttl_seconds=1))
    await asyncio.sleep(2.1)
    rec = Recorder()
    async with open_client(server.address, short, tmp_path, "a", recorder=rec) as client:
        await eventually(lambda: client.state == ConnectionState.TOKEN_EXPIRED, what="expired")
        await asyncio.sleep(0.3)
        assert client.state == ConnectionState.TOKEN_EXPIRED  # no reconnect loop
        client.update_token(await token_for(api, a.user_id, P.PLATFORM_IOS))
        await client.wait_synced(10)
        assert rec.states[-1] == ConnectionState.CONNECTED


async def test_a_store_of_another_user_is_refused(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    a, b = await accounts(api, 2, "own")
    async with open_client(server.address, a, tmp_path, "a") as ca:
        await ca.wait_synced(10)
    db = tmp_path / f"{a.user_id}-a.db"
    from parley_sdk import ParleyClient

    async with ParleyClient(
        server.address, b.token, "ios", "dev", db_path=db, network=FAST
    ) as wrong:
        await eventually(lambda: wrong.state == ConnectionState.AUTH_FAILED, what="refused")
        assert wrong.user_id == a.user_id


async def test_heartbeats_keep_an_idle_stream_open(
    fresh_server: ServerProcess, tmp_path: Path
) -> None:
    # The server closes streams silent for 1 s; the client pings often enough.
    fresh_server.env = {
        "PARLEY_LIMITS__IDLE_TIMEOUT_SECONDS": "1",
        "PARLEY_LIMITS__HEARTBEAT_INTERVAL_SECONDS": "0.3",
    }
    await asyncio.to_thread(fresh_server.start)
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    try:
        (a,) = await accounts(api, 1, "hb")
    finally:
        await api.close()
    rec = Recorder()
    async with open_client(fresh_server.address, a, tmp_path, "a", recorder=rec) as client:
        await client.wait_synced(10)
        session = client.conn.session
        assert session is not None and session.idle_timeout_ms == 1000
        await asyncio.sleep(3.0)
        assert client.state == ConnectionState.CONNECTED
        assert client.conn.connects == 1 and reconnects(rec) == 0
