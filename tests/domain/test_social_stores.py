"""The SQL relation and group stores against a real SQLite file, and the
in-memory caches in front of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from parley.domain.groups import GroupState
from parley.domain.relations import SetCache
from parley.storage.records import (
    FriendRequest,
    Group,
    GroupMember,
    GroupRequest,
    MemberBrief,
    UserConversation,
)
from parley.storage.sql import SqlStores, open_sql
from parley.storage.sql.groups import SqlGroupStore
from parley.storage.sql.relations import SqlRelationStore

OWNER, ADMIN, MEMBER = 3, 2, 1


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[SqlStores]:
    s = await open_sql(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", "NORMAL")
    yield s
    await s.close()


def uc(group_id: str, user_id: str, min_seq: int, version: int) -> UserConversation:
    return UserConversation(
        user_id, f"sg_{group_id}", 2, group_id=group_id, min_seq=min_seq, version=version
    )


async def test_friendship_is_atomic_and_symmetric(stores: SqlStores) -> None:
    rel = SqlRelationStore(stores.engine)
    assert not await rel.accept_application("a", "b", "", 1)  # nothing pending
    await rel.put_application(FriendRequest(from_user_id="a", to_user_id="b", message="hi"))
    await rel.put_application(
        FriendRequest(from_user_id="a", to_user_id="b", message="again", create_time_ms=5)
    )
    rows, total, pending = await rel.list_applications("b", sent=False, offset=0, limit=10)
    assert (total, pending, rows[0].message) == (1, 1, "again")
    assert await rel.accept_application("a", "b", "ok", 9)
    assert not await rel.accept_application("a", "b", "ok", 9)
    assert await rel.friend_ids("a") == ["b"] and await rel.friend_ids("b") == ["a"]
    assert await rel.set_remark("a", "b", "Bee")
    assert (await rel.get_friend("a", "b")).remark == "Bee"  # type: ignore[union-attr]
    assert (await rel.get_friend("b", "a")).remark == ""  # type: ignore[union-attr]
    assert await rel.delete_friendship("b", "a")
    assert await rel.friend_ids("a") == [] and await rel.friend_ids("b") == []
    assert not await rel.delete_friendship("a", "b")

    assert await rel.block("a", "c", 1) and not await rel.block("a", "c", 2)
    assert await rel.blocked_ids("a") == ["c"]
    blocked, n = await rel.list_blacklist("a", 0, 10)
    assert n == 1 and blocked[0].create_time_ms == 1
    assert await rel.unblock("a", "c") and not await rel.unblock("a", "c")


async def test_members_leave_and_rejoin_with_their_history_bounds(stores: SqlStores) -> None:
    gs = SqlGroupStore(stores.engine)
    group = Group(group_id="g1", name="g", owner_user_id="o", creator_user_id="o")
    members = [
        GroupMember(group_id="g1", user_id="o", role=OWNER, join_time_ms=1),
        GroupMember(group_id="g1", user_id="m", role=MEMBER, join_time_ms=1),
        GroupMember(group_id="g1", user_id="a", role=ADMIN, join_time_ms=2),
    ]
    await gs.create_group(group, members, [uc("g1", m.user_id, 0, 1) for m in members])
    page, total = await gs.list_members("g1", 0, 0, 10)
    assert [m.user_id for m in page] == ["o", "a", "m"] and total == 3

    await gs.remove_members("g1", ["m"], left_seq=7, version=2)
    loaded = await gs.load_group("g1")
    assert loaded is not None
    briefs = {b.user_id: b for b in loaded[1]}
    assert (briefs["m"].active, briefs["m"].left_seq) == (False, 7)
    [(row, count)] = await gs.get_groups(["g1", "nope"])
    assert row.name == "g" and count == 2
    assert (await gs.joined_groups("m", 0, 10))[1] == 0

    # Rejoining replaces the former row and raises min_seq on the existing conversation row.
    await gs.add_members(
        "g1",
        [GroupMember(group_id="g1", user_id="m", role=MEMBER, join_time_ms=9)],
        [uc("g1", "m", 12, 3)],
        {"m": (12, 3)},
    )
    ucs = {u.user_id: u for u in await stores.conversations.member_states("sg_g1")}
    assert (ucs["m"].min_seq, ucs["m"].version) == (12, 3)
    assert ucs["o"].min_seq == 0
    joined, n = await gs.joined_groups("m", 0, 10)
    assert n == 1 and joined[0][1] == 3

    await gs.transfer_owner("g1", "o", "m")
    page, _ = await gs.list_members("g1", OWNER, 0, 10)
    assert [m.user_id for m in page] == ["m"]
    assert (await gs.get_member("g1", "o")).role == ADMIN  # type: ignore[union-attr]

    await gs.put_request(GroupRequest(group_id="g1", user_id="x", create_time_ms=1))
    await gs.put_request(GroupRequest(group_id="g1", user_id="y", create_time_ms=2))
    assert await gs.handle_request("g1", "x", 3, "o", 5)
    assert not await gs.handle_request("g1", "x", 2, "o", 6)
    reqs, total, pending = await gs.list_requests("g1", 0, 10)
    assert [r.user_id for r in reqs] == ["y", "x"] and (total, pending) == (2, 1)


async def test_group_state_changes_the_push_list_in_place() -> None:
    st = GroupState(
        Group(group_id="g"),
        [
            MemberBrief("a", OWNER, 0, True, 0),
            MemberBrief("b", MEMBER, 0, True, 0),
            MemberBrief("gone", MEMBER, 0, False, 4),
        ],
    )
    handed_out = st.push
    assert handed_out == ["a", "b"] and st.former == {"gone": 4}
    st.remove({"b"})
    st.add("gone", MEMBER)
    assert handed_out is st.push and handed_out == ["a", "gone"]
    assert "gone" not in st.former and st.admins() == ["a"]


async def test_set_cache_does_not_install_a_load_that_raced_a_write() -> None:
    release = asyncio.Event()
    db = {"o": ["x"]}

    async def load(key: str) -> list[str]:
        snapshot = list(db[key])
        await release.wait()
        return snapshot

    cache = SetCache(load, cap=10)
    first = asyncio.get_running_loop().create_task(cache.get("o"))
    await asyncio.sleep(0)
    db["o"].append("y")  # the write lands while the load is in flight
    cache.add("o", "y")
    release.set()
    assert await first == {"x"}  # that caller saw the old state...
    assert await cache.get("o") == {"x", "y"}  # ...but it was not cached
    cache.discard("o", "x")
    assert await cache.get("o") == {"y"}
