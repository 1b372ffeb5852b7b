"""UserStore contract: SQLite, PostgreSQL and MySQL (MariaDB)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.records import User
from parley.storage.sql.users import SqlUserStore
from tests.storage.contracts.conftest import uid


def user(user_id: str, nickname: str = "", created: int = 0) -> User:
    return User(user_id=user_id, nickname=nickname, create_time_ms=created)


async def test_create_get_update(sql_engine: AsyncEngine) -> None:
    s = SqlUserStore(sql_engine)
    a, b = uid(), uid()
    await s.create_users([user(a, "Alice"), user(b, "Bob")])
    got = await s.get_users([b, a, b, uid()])
    assert [u.user_id for u in got] == [b, a]
    assert got[1].nickname == "Alice" and got[1].blocked is False
    updated = await s.update_user(a, nickname="Alicia", blocked=True, blocked_reason="spam")
    assert updated is not None and updated.nickname == "Alicia" and updated.blocked is True
    assert await s.update_user(uid(), nickname="x") is None
    assert await s.get_users([]) == []


async def test_create_is_all_or_nothing(sql_engine: AsyncEngine) -> None:
    s = SqlUserStore(sql_engine)
    a, b = uid(), uid()
    await s.create_users([user(a)])
    with pytest.raises(KeyError) as e:
        await s.create_users([user(b), user(a)])
    assert e.value.args[0] == a
    assert await s.get_users([b]) == []


async def test_search(sql_engine: AsyncEngine) -> None:
    s = SqlUserStore(sql_engine)
    tag = uid("t")
    ids = [f"{tag}-{i}" for i in range(5)]
    await s.create_users(
        [user(u, f"Nick_{tag.upper()} {i}%") for i, u in enumerate(ids)] + [user(uid(), "other")]
    )
    await s.update_user(ids[3], blocked=True)
    page, total = await s.search_users(tag, 1, 2)
    assert total == 5 and [u.user_id for u in page] == ids[1:3]
    # Nickname match is case-insensitive; % and _ are literal.
    _, total = await s.search_users(f"nick_{tag}", 0, 10)
    assert total == 5
    _, total = await s.search_users(f"nick%{tag}", 0, 10)
    assert total == 0
    page, total = await s.search_users(tag, 0, 10, blocked_only=True)
    assert [u.user_id for u in page] == [ids[3]] and total == 1


async def test_counts(sql_engine: AsyncEngine) -> None:
    s = SqlUserStore(sql_engine)
    # A time window of this test's own (no other test creates users in it).
    base = random.randrange(10**9, 10**12)
    before = await s.count_users(created_before_ms=base)
    await s.create_users([user(uid(), created=base + i) for i in range(4)])
    assert await s.count_users(created_before_ms=base + 2) - before == 2
    assert await s.count_users_created(base + 1, base + 4) == 3
    assert await s.count_users() >= 4
