"""Friends, blacklist and groups through the SDK: the local cache filled by
refresh and kept current by notifications.

RelationService and GroupService may not be implemented by the server yet;
then they answer UNIMPLEMENTED. The SDK must degrade gracefully (checked by
the first test in every case); the feature tests skip only when a call
answers exactly UNIMPLEMENTED, so they run as soon as the feature lands.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import grpc
import pytest

from parley_sdk import ConnectionState, ParleyClient, ParleyError
from tests.harness import Api, ServerProcess
from tests.sdk.helpers import (
    Account,
    P,
    Recorder,
    accounts,
    assert_matches_server,
    eventually,
    eventually_async,
    open_client,
    token_for,
)

T = TypeVar("T")


async def feature(call: Awaitable[T], service: str) -> T:
    """Awaits a call; skips the test when the server answers UNIMPLEMENTED."""
    try:
        return await call
    except ParleyError as e:
        if e.code == grpc.StatusCode.UNIMPLEMENTED:
            pytest.skip(f"{service} answers UNIMPLEMENTED on this server")
        raise


async def implemented(call: Awaitable[object]) -> bool:
    """False when the call answers UNIMPLEMENTED (any other outcome: True)."""
    try:
        await call
    except ParleyError as e:
        return e.code != grpc.StatusCode.UNIMPLEMENTED
    return True


async def test_refresh_degrades_when_a_service_is_missing(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    (a,) = await accounts(api, 1, "deg")
    async with open_client(server.address, a, tmp_path, "a") as client:
        await client.wait_synced(10)
        relations = await implemented(client.relations.check_friend(a.user_id))
        groups = await implemented(client.groups.refresh_members("no-such-group"))
        assert await client.relations.refresh() == relations
        assert client.relations.available == relations
        assert await client.groups.refresh() == groups
        assert client.groups.available == groups
        # Local reads never fail, whatever the server supports.
        assert await client.relations.friends() == []
        assert await client.relations.blacklist() == []
        assert await client.groups.joined() == []
        # Messaging is unaffected.
        assert client.state == ConnectionState.CONNECTED


async def test_friends_applications_and_blacklist(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    a, b = await accounts(api, 2, "fr")
    ra, rb = Recorder(), Recorder()
    async with (
        open_client(server.address, a, tmp_path, "a", recorder=ra) as ca,
        open_client(server.address, b, tmp_path, "b", recorder=rb) as cb,
    ):
        await ca.wait_synced(10)
        await cb.wait_synced(10)
        await feature(ca.relations.apply(b.user_id, "hi, it's A"), "RelationService")
        await eventually(
            lambda: [e.kind for e in rb.friend_events] == ["friend_applied"], what="application"
        )
        received = await cb.relations.received_applications()
        assert [(x.from_user_id, x.message, x.state) for x in received] == [
            (a.user_id, "hi, it's A", 1)
        ]
        assert [x.to_user_id for x in await ca.relations.sent_applications()] == [b.user_id]

        await cb.relations.respond(a.user_id, accept=True)
        for rec in (ra, rb):
            await eventually(
                lambda rec=rec: "friend_added" in [e.kind for e in rec.friend_events],
                what="friend added",
            )

        async def friends_of(c: ParleyClient) -> list[str]:
            return [f.user.user_id for f in await c.relations.friends()]

        assert await friends_of(ca) == [b.user_id]
        assert await friends_of(cb) == [a.user_id]
        assert (await cb.relations.received_applications())[0].state == 2

        await ca.relations.set_remark(b.user_id, "Bee")
        assert (await ca.relations.friends())[0].display_name == "Bee"
        await ca.relations.block(b.user_id)
        assert [u.user_id for u in await ca.relations.blacklist()] == [b.user_id]
        await ca.relations.unblock(b.user_id)
        assert await ca.relations.blacklist() == []
        await ca.relations.delete_friend(b.user_id)

        async def b_lost_a() -> bool:
            return await friends_of(cb) == []

        await eventually_async(b_lost_a, what="friend deleted on the other side")
        assert await friends_of(ca) == []
        # A fresh device of A gets the same state by refresh and sync.
        a_pc = Account(
            a.user_id, await token_for(api, a.user_id, P.PLATFORM_LINUX), P.PLATFORM_LINUX
        )
        async with open_client(server.address, a_pc, tmp_path, "a2") as ca2:
            await ca2.wait_synced(10)

            async def refreshed() -> bool:
                return ca2.relations.available is True

            await eventually_async(refreshed, what="relations refreshed")
            assert await friends_of(ca2) == []
            assert [x.to_user_id for x in await ca2.relations.sent_applications()] == [b.user_id]
        await assert_matches_server(api, cb, b)


async def test_group_lifecycle_and_messages(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    owner, m1, m2 = await accounts(api, 3, "gr")
    recs = {u.user_id: Recorder() for u in (owner, m1, m2)}

    def client(acc: Account) -> ParleyClient:
        return open_client(server.address, acc, tmp_path, "d", recorder=recs[acc.user_id])

    async with client(owner) as co, client(m1) as c1, client(m2) as c2:
        for c in (co, c1, c2):
            await c.wait_synced(10)
        group = await feature(
            co.groups.create("Sailing club", [m1.user_id, m2.user_id]), "GroupService"
        )
        cid = group.conversation_id
        for c, acc in ((co, owner), (c1, m1), (c2, m2)):
            rec = recs[acc.user_id]
            await eventually(
                lambda rec=rec: "group_created" in [e.kind for e in rec.group_events],
                what="group created",
            )

            async def joined(c: ParleyClient = c) -> bool:
                return [g.group_id for g in await c.groups.joined()] == [group.group_id]

            await eventually_async(joined, what="joined group cached")
        members = await c1.groups.members(group.group_id)
        assert sorted(m.user_id for m in members) == sorted([owner.user_id, m1.user_id, m2.user_id])
        assert members[0].user_id == owner.user_id  # owner first

        sent = await co.send_text(cid, "welcome aboard")
        assert sent.seq > 0
        for acc in (m1, m2):
            rec = recs[acc.user_id]
            await eventually(lambda rec=rec: rec.texts(cid) == ["welcome aboard"], what="group msg")
        await c1.wait_idle()
        conv = await c1.get_conversation(cid)
        assert conv is not None and conv.unread_count == 1 and conv.group_id == group.group_id
        await c1.mark_read(cid)
        await eventually_async(lambda: _read_count(co, cid, sent.seq, 1), what="group read receipt")

        await c2.groups.quit(group.group_id)
        rec_o = recs[owner.user_id]
        await eventually(
            lambda: "member_quit" in [e.kind for e in rec_o.group_events], what="quit event"
        )

        async def two_left() -> bool:
            return len(await co.groups.members(group.group_id)) == 2

        await eventually_async(two_left, what="member list updated")

        async def m2_left() -> bool:
            return await c2.groups.joined() == []

        await eventually_async(m2_left, what="group left on the quitting device")
        for c, acc in ((co, owner), (c1, m1)):
            await assert_matches_server(api, c, acc)
            recs[acc.user_id].assert_no_duplicates()


async def _read_count(client: ParleyClient, cid: str, seq: int, want: int) -> bool:
    receipts = await client.get_message_receipts(cid, [seq])
    return receipts[0].read_count == want
