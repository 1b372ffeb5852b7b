"""GroupStore contract: SQLite, PostgreSQL and MySQL (MariaDB)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from parley.ids import group_conversation_id
from parley.storage.records import Group, GroupMember, GroupRequest, UserConversation
from parley.storage.sql.conversations import SqlConversationStore
from parley.storage.sql.groups import SqlGroupStore
from tests.storage.contracts.conftest import uid
from tests.storage.contracts.rows import member


def members(gid: str, users: list[str], at: int = 1) -> list[GroupMember]:
    return [GroupMember(group_id=gid, user_id=u, role=1, join_time_ms=at) for u in users]


def convs(gid: str, users: list[str]) -> list[UserConversation]:
    cid = group_conversation_id(gid)
    out = [member(u, cid) for u in users]
    for uc in out:
        uc.session_type, uc.group_id = 2, gid
    return out


async def test_group_life(sql_engine: AsyncEngine) -> None:
    s = SqlGroupStore(sql_engine)
    cs = SqlConversationStore(sql_engine)
    gid, owner, m1, m2 = uid("g"), uid(), uid(), uid()
    rows = members(gid, [owner, m1])
    rows[0].role = 3
    await s.create_group(
        Group(group_id=gid, name="G", owner_user_id=owner, create_time_ms=5),
        rows,
        convs(gid, [owner, m1]),
    )
    loaded = await s.load_group(gid)
    assert loaded is not None
    group, briefs = loaded
    assert group.name == "G" and {b.user_id: b.role for b in briefs} == {owner: 3, m1: 1}
    assert await s.load_group(uid("g")) is None
    assert [(g.group_id, n) for g, n in await s.get_groups([gid, uid("g")])] == [(gid, 2)]
    await s.update_group(gid, name="H", announcement="a" * 4096)
    await s.add_members(gid, members(gid, [m2], at=2), convs(gid, [m2]), {})
    page, total = await s.list_members(gid, 0, 0, 10)
    assert page[0].user_id == owner and total == 3
    await s.remove_members(gid, [m1], left_seq=7, version=99)
    loaded = await s.load_group(gid)
    assert loaded is not None
    former = {b.user_id: (b.active, b.left_seq) for b in loaded[1]}
    assert former[m1] == (False, 7) and former[m2] == (True, 0)
    uc = await cs.get_user_conversation(m1, group_conversation_id(gid))
    assert uc is not None and uc.version == 99
    # Rejoining replaces the former row and raises the history floor.
    await s.add_members(gid, members(gid, [m1], at=3), [], {m1: (8, 100)})
    again = await s.get_member(gid, m1)
    assert again is not None and again.active and again.join_time_ms == 3
    uc = await cs.get_user_conversation(m1, group_conversation_id(gid))
    assert uc is not None and uc.min_seq == 8
    await s.update_member(gid, m2, mute_end_time_ms=123)
    await s.transfer_owner(gid, owner, m2)
    new_owner = await s.get_member(gid, m2)
    assert new_owner is not None and new_owner.role == 3 and new_owner.mute_end_time_ms == 0
    groups, total = await s.joined_groups(m2, 0, 10)
    assert [(g.owner_user_id, n) for g, n in groups] == [(m2, 3)] and total == 1


async def test_requests(sql_engine: AsyncEngine) -> None:
    s = SqlGroupStore(sql_engine)
    gid, u, v = uid("g"), uid(), uid()
    await s.put_request(GroupRequest(group_id=gid, user_id=u, message="1", create_time_ms=1))
    await s.put_request(GroupRequest(group_id=gid, user_id=u, message="2", create_time_ms=2))
    await s.put_request(GroupRequest(group_id=gid, user_id=v, create_time_ms=3))
    got = await s.get_request(gid, u)
    assert got is not None and got.message == "2"
    assert await s.handle_request(gid, u, 2, "admin", 9) is True
    assert await s.handle_request(gid, u, 2, "admin", 9) is False
    page, total, pending = await s.list_requests(gid, 0, 10)
    assert [r.user_id for r in page] == [v, u] and (total, pending) == (2, 1)


async def test_search_groups_by_name_prefix(sql_engine: AsyncEngine) -> None:
    s = SqlGroupStore(sql_engine)
    prefix = uid("n")
    names = [f"{prefix}-b", f"{prefix}-a", f"{prefix}-a", f"{prefix}_c", f"x{prefix}"]
    names += [f"{prefix}Ka", f"{prefix}Ka-z", f"{prefix}Kb", f"{prefix}K9"]
    ids = []
    for i, name in enumerate(names):
        gid, owner = uid("g"), uid()
        ids.append(gid)
        rows = members(gid, [owner])
        await s.create_group(
            Group(group_id=gid, name=name, owner_user_id=owner, create_time_ms=i),
            rows,
            convs(gid, [owner]),
        )
    # "_" is a literal, not LIKE's any-character: "<prefix>-" does not match "<prefix>_c".
    first = await s.search_groups(f"{prefix}-", None, 2)
    assert [g.name for g, _ in first] == [f"{prefix}-a", f"{prefix}-a"]
    assert sorted(g.group_id for g, _ in first) == sorted(ids[1:3])
    assert all(n == 1 for _, n in first)
    last = first[-1][0]
    rest = await s.search_groups(f"{prefix}-", (last.name, last.group_id), 2)
    assert [g.name for g, _ in rest] == [f"{prefix}-b"]
    assert await s.count_groups(f"{prefix}-") == 3
    assert await s.count_groups(prefix) == 8
    # A prefix ending in a letter is bounded above too: "Ka" takes "Ka-z", not "Kb".
    assert sorted(g.name for g, _ in await s.search_groups(f"{prefix}Ka", None, 10)) == [
        f"{prefix}Ka",
        f"{prefix}Ka-z",
    ]
    assert await s.count_groups(f"{prefix}K") == 4
    assert await s.count_groups(uid("none")) == 0
    everything = await s.search_groups("", None, 1000)
    assert {g.group_id for g, _ in everything} >= set(ids)
