from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.records import User
from parley.storage.sql.mapping import columns, record
from parley.storage.sql.schema import UserRow

T = UserRow.__table__  # type: ignore[attr-defined]


def _row(r: object) -> User:
    return record(User, r)


def _filters(keyword: str, blocked_only: bool) -> list[Any]:
    cond: list[Any] = []
    if keyword:
        like = keyword.lower().replace("%", r"\%").replace("_", r"\_")
        cond.append(
            or_(
                T.c.user_id.like(f"{like}%", escape="\\"),
                func.lower(T.c.nickname).like(f"%{like}%", escape="\\"),
            )
        )
    if blocked_only:
        cond.append(T.c.blocked.is_(True))
    return cond


class SqlUserStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create_users(self, users: Sequence[User]) -> None:
        if not users:
            return
        async with self._engine.begin() as conn:
            ids = [u.user_id for u in users]
            existing = (await conn.execute(select(T.c.user_id).where(T.c.user_id.in_(ids)))).first()
            if existing is not None:
                raise KeyError(existing[0])
            try:
                await conn.execute(T.insert(), [columns(u) for u in users])
            except IntegrityError as e:
                raise KeyError(ids[0]) from e

    async def get_users(self, user_ids: Sequence[str]) -> list[User]:
        if not user_ids:
            return []
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(T).where(T.c.user_id.in_(list(user_ids))))).all()
        by_id = {r.user_id: _row(r) for r in rows}
        return [by_id[u] for u in dict.fromkeys(user_ids) if u in by_id]

    async def update_user(self, user_id: str, **fields: object) -> User | None:
        async with self._engine.begin() as conn:
            if fields:
                await conn.execute(update(T).where(T.c.user_id == user_id).values(**fields))
            row = (await conn.execute(select(T).where(T.c.user_id == user_id))).first()
        return _row(row) if row else None

    async def search_users(
        self, keyword: str, offset: int, limit: int, blocked_only: bool = False
    ) -> tuple[list[User], int]:
        cond = _filters(keyword, blocked_only)
        async with self._engine.connect() as conn:
            total = (await conn.execute(select(func.count()).select_from(T).where(*cond))).scalar()
            rows = (
                await conn.execute(
                    select(T).where(*cond).order_by(T.c.user_id).offset(offset).limit(limit)
                )
            ).all()
        return [_row(r) for r in rows], int(total or 0)

    async def count_users(self, created_before_ms: int | None = None) -> int:
        q = select(func.count()).select_from(T)
        if created_before_ms is not None:
            q = q.where(T.c.create_time_ms < created_before_ms)
        async with self._engine.connect() as conn:
            return int((await conn.execute(q)).scalar() or 0)

    async def count_users_created(self, start_ms: int, end_ms: int) -> int:
        q = (
            select(func.count())
            .select_from(T)
            .where(T.c.create_time_ms >= start_ms, T.c.create_time_ms < end_ms)
        )
        async with self._engine.connect() as conn:
            return int((await conn.execute(q)).scalar() or 0)

    async def list_users_after(
        self, keyword: str, after_user_id: str, limit: int, blocked_only: bool = False
    ) -> list[User]:
        cond = _filters(keyword, blocked_only)
        if after_user_id:
            cond.append(T.c.user_id > after_user_id)
        q = select(T).where(*cond).order_by(T.c.user_id).limit(limit)
        async with self._engine.connect() as conn:
            return [_row(r) for r in (await conn.execute(q)).all()]

    async def count_matching(self, keyword: str, blocked_only: bool = False) -> int:
        q = select(func.count()).select_from(T).where(*_filters(keyword, blocked_only))
        async with self._engine.connect() as conn:
            return int((await conn.execute(q)).scalar() or 0)
