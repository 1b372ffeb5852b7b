"""RelationStore contract: SQLite, PostgreSQL and MySQL (MariaDB)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.records import FriendRequest
from parley.storage.sql.relations import SqlRelationStore
from tests.storage.contracts.conftest import uid


def application(a: str, b: str, at: int, message: str = "hi") -> FriendRequest:
    return FriendRequest(from_user_id=a, to_user_id=b, message=message, create_time_ms=at)


async def test_applications_and_friends(sql_engine: AsyncEngine) -> None:
    s = SqlRelationStore(sql_engine)
    a, b, c = uid(), uid(), uid()
    await s.put_application(application(a, b, 1))
    await s.put_application(application(a, b, 2, "again"))  # a re-apply replaces it
    await s.put_application(application(c, b, 3))
    page, total, pending = await s.list_applications(b, False, 0, 10)
    assert [(r.from_user_id, r.message) for r in page] == [(c, "hi"), (a, "again")]
    assert (total, pending) == (2, 2)
    assert await s.accept_application(a, b, "ok", 10) is True
    assert await s.accept_application(a, b, "ok", 11) is False
    assert await s.refuse_application(c, b, "no", 12) is True
    assert await s.refuse_application(c, b, "no", 12) is False
    _, total, pending = await s.list_applications(b, False, 0, 10)
    assert (total, pending) == (2, 0)
    f = await s.get_friend(a, b)
    assert f is not None and f.create_time_ms == 10
    assert await s.friend_ids(b) == [a]
    # Setting the remark it already has still reports the row found.
    assert await s.set_remark(a, b, "bee") is True
    assert await s.set_remark(a, b, "bee") is True
    assert await s.set_remark(a, c, "x") is False
    rows, total = await s.list_friends(a, 0, 10)
    assert [r.remark for r in rows] == ["bee"] and total == 1
    assert await s.delete_friendship(b, a) is True
    assert await s.get_friend(a, b) is None and await s.get_friend(b, a) is None
    assert await s.delete_friendship(a, b) is False


async def test_blacklist(sql_engine: AsyncEngine) -> None:
    s = SqlRelationStore(sql_engine)
    a, b, c = uid(), uid(), uid()
    assert await s.block(a, b, 1) is True
    assert await s.block(a, b, 2) is False
    assert await s.block(a, c, 3) is True
    assert sorted(await s.blocked_ids(a)) == sorted([b, c])
    rows, total = await s.list_blacklist(a, 0, 1)
    assert [r.blocked_user_id for r in rows] == [c] and total == 2
    assert await s.unblock(a, b) is True
    assert await s.unblock(a, b) is False
    assert await s.blocked_ids(a) == [c]
